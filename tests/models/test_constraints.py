"""Integrity lives in the database: these rows are refused by it, not by Python."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from tests.factories import make_condition, make_customer, make_receivable


async def _raw(sql: str, values: list) -> None:
    await connections.get("default").execute_query(sql, values)


def _p(url: str, n: int) -> list[str]:
    """Placeholders for raw SQL on either backend."""
    return ["?" if url.startswith("sqlite") else f"${i}" for i in range(1, n + 1)]


async def _insert_receivable(url: str, customer_id: int, amount: str) -> None:
    """Straight SQL, so nothing in Python gets a chance to refuse the row first."""
    a, b, c, d = _p(url, 4)
    await _raw(
        "INSERT INTO receivable (customer_id, issue_date, due_date, amount, billing_method,"
        f" status, created_at, updated_at) VALUES ({a}, {b}, {c}, {d}, 'boleto', 'open',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        [customer_id, date(2026, 1, 1), date(2026, 1, 1), Decimal(amount)],
    )


async def test_receivable_amount_must_be_positive(each_db):
    customer = await make_customer()
    await _insert_receivable(each_db, customer.id, "5.00")  # the statement itself is fine
    with pytest.raises(IntegrityError):
        await _insert_receivable(each_db, customer.id, "-5.00")


async def test_receivable_status_is_one_of_the_known(each_db):
    customer = await make_customer()
    receivable = await make_receivable(customer, date(2026, 1, 1), "10.00")
    a, b = _p(each_db, 2)
    with pytest.raises(IntegrityError):
        await _raw(f"UPDATE receivable SET status = {a} WHERE id = {b}", ["lost", receivable.id])


async def test_only_one_default_condition(each_db):
    await make_condition(is_default=True)
    with pytest.raises(IntegrityError):
        await make_condition(is_default=True)


async def test_percentages_stay_within_0_and_100(each_db):
    with pytest.raises(IntegrityError):
        await make_condition(fine_pct=150)


async def test_amount_bounds_in_order(each_db):
    with pytest.raises(IntegrityError):
        await make_condition(amount_min=100, amount_max=99)


async def test_document_is_unique(each_db):
    customer = await make_customer()
    with pytest.raises(IntegrityError):
        await make_customer(document=customer.document)


async def test_receivable_needs_an_existing_customer(each_db):
    with pytest.raises(IntegrityError):
        await _insert_receivable(each_db, 4242, "5.00")
