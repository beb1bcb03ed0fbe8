"""The offer flow shared by chat and voice: picking, the down payment's bounds, confirming
and accepting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from models import Agreement
from models.clock import today_in
from models.enums import Channel
from negotiation import offer_flow
from negotiation.errors import Conflict
from negotiation.offers import offers_for_customer
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

SETTINGS = Settings(
    database_url="sqlite://:memory:",
    secret_key="x" * 40,
    public_base_url="https://quita.example",
)


def test_by_number_names_only_listed_offers() -> None:
    listed = [[1, 10], [1, 11]]
    assert offer_flow.by_number(listed, "2") == [1, 11]
    assert offer_flow.by_number(listed, "3") is None
    assert offer_flow.by_number(listed, "0") is None
    assert offer_flow.by_number(listed, "12") is None
    assert offer_flow.by_number([], "1") is None


def test_down_range_checks_and_gives_an_example() -> None:
    bounds = offer_flow.DownRange.of({"down_range": ["100.00", "300.50"]})
    assert bounds.problem(D("100.00")) is None and bounds.problem(D("300.50")) is None
    assert bounds.problem(D("99.99")) == "é menor que a entrada mínima"
    assert bounds.problem(D("300.51")) == "é maior que o valor possível"
    assert bounds.problem(None) == "não é um valor em reais"
    assert bounds.example == "200,25"


async def _customer_with_offers():
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="ANA LIMA")
    await make_receivable(customer, today - timedelta(days=30), "1234.56")
    await make_condition(SEED_OPTIONS, is_default=True)
    offers = await offers_for_customer(customer.id, today)
    debtor = offer_flow.Debtor(customer.id, Channel.VOICE, today, SETTINGS)
    return debtor, offers


async def test_an_offer_with_a_down_payment_asks_for_it_within_its_bounds(db) -> None:
    debtor, offers = await _customer_with_offers()
    with_down = next(o for o in offers if o.offer.down_payment is not None)
    choice = [with_down.quote.condition_id, with_down.quote.option_id]
    picked = await offer_flow.pick(debtor, {}, choice)
    assert picked.down is not None and "quote" not in picked.data
    assert picked.down.minimum == with_down.offer.down_payment
    assert picked.down.maximum > picked.down.minimum
    assert offer_flow.DownRange.of(picked.data) == picked.down
    larger = await offer_flow.priced(debtor, picked.data, picked.down.maximum)
    assert larger is not None and larger.offer.down_payment == picked.down.maximum


async def test_an_offer_without_a_down_payment_goes_to_confirmation(db) -> None:
    debtor, offers = await _customer_with_offers()
    one_shot = next(o for o in offers if o.offer.installments == 1)
    choice = [one_shot.quote.condition_id, one_shot.quote.option_id]
    picked = await offer_flow.pick(debtor, {}, choice)
    assert picked.down is None and picked.data["choice"] == choice
    again = await offer_flow.quoted(debtor, picked.data)
    summary = offer_flow.confirmation(again)
    assert summary["total"] == one_shot.offer.total
    assert summary["discount"] == one_shot.negotiation.gross - one_shot.offer.total > 0
    assert await offer_flow.pick(debtor, {}, [choice[0], 999999]) == (offer_flow.Picked(None, {}))


async def test_accepting_is_for_the_quoted_customer_and_once(db) -> None:
    debtor, offers = await _customer_with_offers()
    one_shot = next(o for o in offers if o.offer.installments == 1)
    picked = await offer_flow.pick(
        debtor, {}, [one_shot.quote.condition_id, one_shot.quote.option_id]
    )
    other = await make_customer()
    someone_else = offer_flow.Debtor(other.id, Channel.VOICE, debtor.today, SETTINGS)
    assert await offer_flow.accept_quote(someone_else, picked.data) is None
    agreement = await offer_flow.accept_quote(debtor, picked.data)
    assert agreement is not None and agreement.total == one_shot.offer.total
    with pytest.raises(Conflict):
        await offer_flow.accept_quote(debtor, picked.data)
    assert await Agreement.filter(customer_id=debtor.customer_id).count() == 1
