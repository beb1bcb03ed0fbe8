"""The first due date a debtor chooses: which date a day names, the condition's limit, the
engine's schedule with it, and the agreement made with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from models import Agreement, Receivable
from models.clock import today_in
from models.enums import Channel
from negotiation import first_due, offer_flow
from negotiation.accept import accept
from negotiation.engine import ConditionTerms, OptionTerms, negotiate
from negotiation.errors import NotEligible
from negotiation.offers import offers_for_customer
from quita.settings import Settings
from tests.factories import make_condition, make_customer, make_receivable
from tests.negotiation.test_engine import bill

SETTINGS = Settings(
    database_url="sqlite://:memory:",
    secret_key="x" * 40,
    public_base_url="https://quita.example",
)


@pytest.mark.parametrize(
    ("day", "as_of", "expected"),
    [
        (10, date(2026, 11, 27), date(2026, 12, 10)),
        (27, date(2026, 11, 27), date(2026, 11, 27)),  # today is that day
        (28, date(2026, 11, 27), date(2026, 11, 28)),
        (31, date(2026, 11, 20), date(2026, 11, 30)),  # November has no 31st
        (30, date(2027, 2, 10), date(2027, 2, 28)),
        (5, date(2026, 12, 20), date(2027, 1, 5)),  # across the year
    ],
)
def test_next_on_day(day: int, as_of: date, expected: date) -> None:
    assert first_due.next_on_day(day, as_of) == expected


def test_next_on_day_refuses_a_day_out_of_the_month() -> None:
    with pytest.raises(ValueError):
        first_due.next_on_day(32, date(2026, 11, 27))


@pytest.mark.parametrize(
    ("text", "bare", "day"),
    [
        ("só consigo dia 10", False, 10),
        ("Só consigo DIA 5!", False, 5),
        ("pode ser dia 31?", False, 31),
        ("dia10", False, 10),
        ("10", False, None),  # a number alone is not a day unless one was asked for
        ("10", True, 10),
        ("dia 7", True, 7),
        ("dia 32", False, None),
        ("dia 0", True, None),
        ("quero confirmar", False, None),
        ("150,00", True, None),
        ("pode ser dia dez?", False, 10),  # in words, as speech recognition gives them
        ("Dia primeiro", False, 1),
        ("dez", False, None),
        ("Dez.", True, 10),
        ("quinze", True, 15),
        ("vinte e cinco", True, 25),
        ("dia trinta e dois", True, None),
        ("sim", True, None),
        ("quero cinco parcelas", True, None),
    ],
)
def test_due_day_from_text(text: str, bare: bool, day: int | None) -> None:
    assert offer_flow.due_day_from_text(text, bare=bare) == day


@pytest.mark.parametrize(
    ("keys", "day"), [("10", 10), ("5", 5), ("31", 31), ("0", None), ("32", None), ("", None)]
)
def test_due_day_from_keys(keys: str, day: int | None) -> None:
    assert offer_flow.due_day_from_keys(keys) == day


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Mudar vencimento", True),
        ("quero trocar a data", True),
        ("outro dia", True),
        ("sim", False),
        ("confirmar", False),
    ],
)
def test_asks_other_due_day(text: str, asks: bool) -> None:
    assert offer_flow.asks_other_due_day(text) is asks


def test_the_engine_schedules_from_the_chosen_date_with_the_same_amounts() -> None:
    terms = ConditionTerms(
        fine_pct=D("2"),
        interest_pct=D("1"),
        days_to_first_due=20,
        options=(OptionTerms(installments=3, days_between=30),),
    )
    as_of = date(2026, 11, 27)
    bills = [bill("1", 40, "300.00", as_of=as_of)]
    usual = negotiate(bills, terms, as_of).offers[0]
    chosen = negotiate(bills, first_due.terms_due_on(terms, as_of, date(2026, 12, 10)), as_of)
    moved = chosen.offers[0]
    assert [p.due_date for p in moved.schedule] == [
        date(2026, 12, 10),
        date(2027, 1, 9),
        date(2027, 2, 8),
    ]
    assert usual.schedule[0].due_date == date(2026, 12, 17)
    assert [p.amount for p in moved.schedule] == [p.amount for p in usual.schedule]
    assert moved.total == usual.total
    assert first_due.terms_due_on(terms, as_of, None) is terms
    with pytest.raises(ValueError):
        first_due.terms_due_on(terms, as_of, date(2026, 12, 18))
    with pytest.raises(ValueError):
        first_due.terms_due_on(terms, as_of, date(2026, 11, 26))


async def _debtor_on_three_installments(days_to_first_due: int = 20):
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="ANA LIMA")
    await make_receivable(customer, today - timedelta(days=40), "300.00")
    await make_condition(
        ((3, 30, "50", "0", "0"),), is_default=True, days_to_first_due=days_to_first_due
    )
    debtor = offer_flow.Debtor(customer.id, Channel.TELEGRAM, today, SETTINGS)
    (offer,) = await offers_for_customer(customer.id, today)
    picked = await offer_flow.pick(debtor, {}, [offer.quote.condition_id, offer.quote.option_id])
    return debtor, offer, picked.data


async def test_a_day_within_the_limit_moves_the_schedule_and_the_agreement(db) -> None:
    debtor, offer, data = await _debtor_on_three_installments()
    assert debtor.today == date(2026, 11, 27)
    summary = offer_flow.confirmation(offer)
    assert summary["latest_first_due"] == date(2026, 12, 17) and summary["can_move_first_due"]

    change = await offer_flow.change_first_due(debtor, data, 10)
    assert change.latest is None and change.offer is not None
    assert change.offer.offer.schedule[0].due_date == date(2026, 12, 10)
    assert change.offer.offer.total == offer.offer.total
    assert change.data["quote"]["first_due"] == "2026-12-10"
    again = await offer_flow.quoted(debtor, change.data)
    assert again.offer.schedule == change.offer.offer.schedule

    agreement = await offer_flow.accept_quote(debtor, change.data)
    assert agreement.total == offer.offer.total
    dues = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    assert [r.due_date for r in dues] == [date(2026, 12, 10), date(2027, 1, 9), date(2027, 2, 8)]


async def test_a_day_beyond_the_limit_gives_the_latest_and_changes_nothing(db) -> None:
    debtor, offer, data = await _debtor_on_three_installments()
    change = await offer_flow.change_first_due(debtor, data, 20)
    assert change.latest == date(2026, 12, 17)
    assert change.data == data and data["quote"]["first_due"] is None
    assert change.offer.offer.schedule == offer.offer.schedule


async def test_a_condition_with_no_days_to_the_first_due_date_allows_no_choice(db) -> None:
    debtor, offer, data = await _debtor_on_three_installments(days_to_first_due=0)
    assert not offer_flow.confirmation(offer)["can_move_first_due"]
    change = await offer_flow.change_first_due(debtor, data, 28)
    assert change.latest == debtor.today


async def test_accept_refuses_a_first_due_date_beyond_the_limit(db) -> None:
    debtor, offer, _ = await _debtor_on_three_installments()
    beyond = replace(offer.quote, first_due=date(2026, 12, 18))
    with pytest.raises(NotEligible, match="primeiro vencimento"):
        await accept(beyond, channel=Channel.TELEGRAM, today=debtor.today, settings=SETTINGS)
    assert not await Agreement.filter(customer_id=debtor.customer_id).exists()
