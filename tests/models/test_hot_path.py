"""models.hot_path: point reads and single-row inserts that bypass the ORM's query building
(on SQLite through a side sqlite3 connection) must read and write exactly what the ORM does."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from models import Call, Customer, IdentityLock, clock
from models.enums import CallDirection, CallStatus, ContactOutcome
from models.hot_path import _numbered, _side, fetch, fetch_one, fetch_rows, insert
from tests.factories import make_customer, new_inbound_call

SID = "CA" + "7" * 32
ANSWERED = datetime(2026, 11, 25, 17, 0, 5, 123456, tzinfo=UTC)
ENDED = datetime(2026, 11, 25, 14, 3, 0, 654321, tzinfo=timezone(timedelta(hours=-3)))
DATA = {"turn": 2, "confirmed": True, "nested": {"list": [1, "dois", None]}, "texto": "ação"}
KEYS = [{"step": "person", "input": "1", "at": "2026-11-25T17:00:05+00:00"}]


def _columns(instance) -> dict:
    """Every stored column of an instance, by model field name (FKs as `<name>_id`)."""
    return {name: getattr(instance, name) for name in type(instance)._meta.fields_db_projection}


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


async def _stored_call(customer: Customer | None = None, **extra) -> Call:
    values = {
        "sid": SID,
        "direction": CallDirection.INBOUND,
        "status": CallStatus.IN_PROGRESS,
        "customer": customer,
        "from_number": "+5519988887777",
        "to_number": "+5519999990000",
        "step": "person",
        "data": DATA,
        "keys": KEYS,
        "outcome": ContactOutcome.CONVERSATION,
        "answered_at": ANSWERED,
        "ended_at": ENDED,
        "duration_seconds": 62,
    }
    values.update(extra)
    return await Call.create(**values)


def _new_call(**extra) -> Call:
    values = {"sid": SID, "step": "document", "data": DATA, "keys": KEYS, "answered_at": ANSWERED}
    return new_inbound_call(**{**values, **extra})


# --- reads ----------------------------------------------------------------------------------


async def test_fetch_reads_what_the_orm_reads(each_db) -> None:
    customer = await make_customer(birth_date=date(1980, 5, 17), email="maria@example.com")
    call = await _stored_call(customer)
    if _is_sqlite(each_db):  # the reads below go through the side connection
        assert _side(connections.get("default")) is not None

    [fetched] = await fetch(Call, "SELECT * FROM call WHERE sid = ?", SID)
    orm = await Call.get(id=call.id)
    assert type(fetched) is Call and fetched._saved_in_db
    assert _columns(fetched) == _columns(orm)
    assert fetched.id == call.id and fetched.customer_id == customer.id
    assert fetched.data == DATA and fetched.keys == KEYS
    assert fetched.direction is CallDirection.INBOUND and fetched.status is CallStatus.IN_PROGRESS
    assert fetched.outcome is ContactOutcome.CONVERSATION
    assert fetched.answered_at == ANSWERED and fetched.answered_at.tzinfo is not None
    assert fetched.ended_at == ENDED and fetched.ended_at.tzinfo is not None
    assert fetched.created_at == orm.created_at and fetched.created_at.tzinfo is not None
    assert fetched.updated_at is not None and fetched.updated_at.tzinfo is not None

    one = await fetch_one(Customer, "SELECT * FROM customer WHERE id = ?", customer.id)
    assert one is not None and _columns(one) == _columns(await Customer.get(id=customer.id))
    assert one.birth_date == date(1980, 5, 17) and one.email == "maria@example.com"
    assert one.document == customer.document

    rows = await fetch_rows("SELECT id, sid, step FROM call WHERE customer_id = ?", customer.id)
    assert rows == [{"id": call.id, "sid": SID, "step": "person"}]


async def test_rows_written_by_the_orm_are_seen_at_once(each_db) -> None:
    customer = await make_customer()
    sql = "SELECT * FROM customer WHERE id = ?"
    assert (await fetch_one(Customer, sql, customer.id)).name == customer.name
    await Customer.filter(id=customer.id).update(name="OUTRO NOME")
    assert (await fetch_one(Customer, sql, customer.id)).name == "OUTRO NOME"
    second = await make_customer()
    found = await fetch(Customer, "SELECT * FROM customer ORDER BY id")
    assert [c.id for c in found] == [customer.id, second.id]
    await Customer.filter(id=customer.id).delete()
    assert await fetch_one(Customer, sql, customer.id) is None


async def test_nothing_found(each_db) -> None:
    await make_customer()
    assert await fetch(Call, "SELECT * FROM call WHERE sid = ?", "CA-nobody") == []
    assert await fetch_one(Call, "SELECT * FROM call WHERE sid = ?", "CA-nobody") is None
    assert await fetch_rows("SELECT id FROM customer WHERE id = ?", -1) == []


async def test_fetch_inside_a_transaction_sees_its_uncommitted_rows(each_db) -> None:
    async with in_transaction():
        customer = await make_customer()
        call = await _stored_call(customer)
        found = await fetch_one(Call, "SELECT * FROM call WHERE id = ?", call.id)
        assert found is not None and found.sid == SID and found.data == DATA
        rows = await fetch_rows("SELECT id FROM customer WHERE id = ?", customer.id)
        assert rows == [{"id": customer.id}]
    assert (await fetch_one(Call, "SELECT * FROM call WHERE id = ?", call.id)).id == call.id


# --- inserts --------------------------------------------------------------------------------


async def test_insert_saves_a_new_row_like_the_orm(each_db) -> None:
    customer = await make_customer()
    call = _new_call(customer_id=customer.id)
    await insert(call)

    assert call.id is not None and call.pk == call.id and call._saved_in_db
    assert call.created_at is not None and call.updated_at is not None
    stored = await Call.get(id=call.id)
    assert _columns(stored) == _columns(call)
    assert stored.data == DATA and stored.keys == KEYS and stored.customer_id == customer.id
    assert stored.direction is CallDirection.INBOUND and stored.status is CallStatus.IN_PROGRESS
    assert stored.step == "document" and stored.silences == 0 and stored.outcome is None
    assert stored.answered_at == ANSWERED
    assert stored.created_at.tzinfo is not None and stored.updated_at.tzinfo is not None
    assert abs(stored.created_at - clock.now()) < timedelta(minutes=1)

    # Saved: a later save updates that row instead of inserting another.
    call.step = "second_factor"
    call.data = {**call.data, "turn": 3}
    await call.save(update_fields=["step", "data", "updated_at"])
    assert await Call.all().count() == 1
    again = await Call.get(id=call.id)
    assert again.step == "second_factor" and again.data["turn"] == 3

    other = _new_call(sid="CA" + "8" * 32)
    await insert(other)
    assert other.id not in (None, call.id)
    assert sorted(await Call.all().values_list("sid", flat=True)) == sorted([SID, other.sid])


async def test_insert_of_a_duplicate_sid_raises_integrity_error(each_db) -> None:
    first = _new_call()
    await insert(first)
    duplicate = _new_call(step="person", data={"other": 1})
    with pytest.raises(IntegrityError):
        await insert(duplicate)
    assert duplicate.id is None
    [only] = await Call.all()
    assert only.id == first.id and only.step == "document" and only.data == DATA


async def test_insert_waits_for_a_transaction_holding_the_write_lock(db) -> None:
    if not _is_sqlite(db):
        pytest.skip("the side connection and its write lock are SQLite's")
    await make_customer()  # Tortoise's connection is open
    wrote, release = asyncio.Event(), asyncio.Event()

    async def holder() -> int:
        async with in_transaction():
            customer = await make_customer()
            wrote.set()
            await release.wait()
        return customer.id

    holding = asyncio.create_task(holder())
    try:
        await asyncio.wait_for(wrote.wait(), 5)
        call = _new_call()
        inserting = asyncio.create_task(insert(call))
        await asyncio.sleep(0.05)  # the loop runs: the insert did not block it
        assert not inserting.done()  # it waits for the lock, through the ORM
        release.set()
        customer_id = await asyncio.wait_for(holding, 5)
        await asyncio.wait_for(inserting, 5)
    finally:
        release.set()
        for task in (holding, locals().get("inserting")):
            if task is not None and not task.done():
                task.cancel()
    assert call.id is not None and call._saved_in_db
    assert (await Call.get(id=call.id)).sid == SID
    assert await Customer.filter(id=customer_id).exists()


async def test_a_failing_side_read_is_reported_by_tortoise(db) -> None:
    if not _is_sqlite(db):
        pytest.skip("the side connection is SQLite's")
    await IdentityLock.create(handle="voice:+5519988887777", failures=2)
    sql = "SELECT * FROM identity_lock WHERE handle = ?"
    assert [r["failures"] for r in await fetch_rows(sql, "voice:+5519988887777")] == [2]
    conn = connections.get("default")
    await conn.execute_script("ALTER TABLE identity_lock RENAME TO identity_lock_away")
    try:
        with pytest.raises(OperationalError) as raised:
            await fetch_rows(sql, "voice:+5519988887777")
        assert not isinstance(raised.value, sqlite3.Error)
    finally:
        await conn.execute_script("ALTER TABLE identity_lock_away RENAME TO identity_lock")
    assert [r["failures"] for r in await fetch_rows(sql, "voice:+5519988887777")] == [2]


def test_numbered_placeholders() -> None:
    assert _numbered("SELECT ? , ?") == "SELECT $1 , $2"
    assert _numbered("SELECT * FROM call WHERE sid = ?") == "SELECT * FROM call WHERE sid = $1"
    assert _numbered("SELECT 1") == "SELECT 1"
