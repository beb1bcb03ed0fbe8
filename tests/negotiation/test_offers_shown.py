"""The offers a debtor is shown, on the demo's conditions: no duplicate and none dominated,
cheapest first, and a down payment priced on the offers shown."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from models import InstallmentOption, PaymentCondition
from models.clock import today_in
from negotiation.offers import find_offer, offer_terms, offers_for_customer
from quita.demo import CONDITIONS
from tests.factories import make_condition, make_customer, make_receivable


async def demo_conditions(copies: int = 1) -> list[PaymentCondition]:
    """The demo's conditions; the plain installments one `copies` times, as an ISP that
    created it twice would have it."""
    made = []
    for description, default, first_due, (low, high), minimum, options in CONDITIONS:
        for _ in range(copies if description == "Parcelado sem entrada" else 1):
            condition = await make_condition(
                tuple(options),
                description=description,
                is_default=default,
                days_to_first_due=first_due,
                amount_min=low,
                amount_max=high,
                min_installment_amount=minimum,
            )
            made.append(condition)
    return made


async def _debtor():
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="JOSUÉ ALVES")
    await make_receivable(customer, today - timedelta(days=40), "199.90")
    await make_receivable(customer, today - timedelta(days=10), "199.90")
    return customer, today


def _described(offers) -> list[tuple[int, bool]]:
    return [(o.offer.installments, o.offer.down_payment is not None) for o in offers]


async def test_the_demo_debtor_sees_no_dominated_offer_nor_duplicate(db) -> None:
    await demo_conditions(copies=2)
    customer, today = await _debtor()
    offers = await offers_for_customer(customer.id, today)
    # Before: à vista, 2x, 3x, 6x, entrada + 3x and entrada + 5x, the plain ones twice. The
    # plans with a down payment cost what 6x without one does; 2x costs what 3x does.
    assert _described(offers) == [(1, False), (3, False), (6, False)]
    totals = [o.offer.total for o in offers]
    assert totals == sorted(totals) and len(set(totals)) == 3
    terms = [offer_terms(o) for o in offers]
    assert not any(a.dominates(b) for a in terms for b in terms)
    # The copy of the condition created first is the one shown.
    plain = [o.condition for o in offers if o.offer.installments > 1]
    assert {c.description for c in plain} == {"Parcelado sem entrada"}
    assert len({c.id for c in plain}) == 1


async def test_a_plan_with_a_down_payment_is_shown_when_it_is_cheaper(db) -> None:
    await make_condition(((6, 30, "0", "0", "0"), (6, 20, "50", "0", "40")), is_default=True)
    customer, today = await _debtor()
    offers = await offers_for_customer(customer.id, today)
    assert _described(offers) == [(6, True), (6, False)]
    assert offers[0].offer.total < offers[1].offer.total


async def test_a_larger_down_payment_prices_the_offers_shown(db) -> None:
    await make_condition(
        ((4, 20, "0", "0", "30"), (6, 20, "0", "0", "30"), (3, 30, "50", "0", "0")),
        is_default=True,
    )
    customer, today = await _debtor()
    least = await offers_for_customer(customer.id, today)
    assert _described(least) == [(3, False), (6, True)]
    larger = await offers_for_customer(customer.id, today, down_payment=D("300.00"))
    assert _described(larger) == [(3, False), (6, True)]
    assert larger[1].offer.down_payment == D("300.00")
    # 6x with the same down payment dominates 4x; the hidden offer is still found when a
    # channel prices a pick again.
    four = await InstallmentOption.get(installments=4)
    hidden = await find_offer(customer.id, today, four.condition_id, four.id)
    assert hidden is not None and hidden.offer.installments == 4
