"""Offers for a stored customer: load the debt and the conditions that apply, run the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from models import CollectionRule, Customer, PaymentCondition, Receivable
from models.enums import ReceivableStatus
from negotiation.dominance import Terms, undominated
from negotiation.engine import (
    Bill,
    Negotiation,
    Offer,
    included_bills,
    is_payable,
    largest_down_payment,
    negotiate,
)
from negotiation.errors import NotFound
from negotiation.first_due import allowed, terms_due_on
from negotiation.rendering import brl
from negotiation.terms import bill_of, condition_terms


@dataclass(frozen=True)
class Quote:
    """What a channel holds between showing an offer and accepting it.

    It pins the debt and the terms that were shown, so `accept` can refuse an offer whose debt,
    condition or date changed in the meantime. Small and plain, so a channel can keep it in its
    dialog state.
    """

    customer_id: int
    condition_id: int
    option_id: int
    as_of: date
    receivable_ids: tuple[int, ...]
    principal: Decimal
    total: Decimal
    down_payment: Decimal | None
    # The first due date the debtor chose (`negotiation.first_due`); None: the condition's.
    first_due: date | None = None


def quote_data(quote: Quote) -> dict[str, Any]:
    """The quote as plain JSON, for a channel's dialog state."""
    return {
        "customer_id": quote.customer_id,
        "condition_id": quote.condition_id,
        "option_id": quote.option_id,
        "as_of": quote.as_of.isoformat(),
        "receivable_ids": list(quote.receivable_ids),
        "principal": str(quote.principal),
        "total": str(quote.total),
        "down_payment": None if quote.down_payment is None else str(quote.down_payment),
        "first_due": None if quote.first_due is None else quote.first_due.isoformat(),
    }


def quote_of(data: dict[str, Any]) -> Quote:
    return Quote(
        customer_id=int(data["customer_id"]),
        condition_id=int(data["condition_id"]),
        option_id=int(data["option_id"]),
        as_of=date.fromisoformat(data["as_of"]),
        receivable_ids=tuple(int(i) for i in data["receivable_ids"]),
        principal=Decimal(data["principal"]),
        total=Decimal(data["total"]),
        down_payment=None if data["down_payment"] is None else Decimal(data["down_payment"]),
        # Absent from a dialog state stored before the debtor could choose the date.
        first_due=date.fromisoformat(data["first_due"]) if data.get("first_due") else None,
    )


@dataclass(frozen=True)
class CustomerOffer:
    quote: Quote
    offer: Offer
    condition: PaymentCondition
    negotiation: Negotiation


async def open_bills(customer_id: int, using_db: BaseDBAsyncClient | None = None):
    rows = await Receivable.filter(customer_id=customer_id, status=ReceivableStatus.OPEN).using_db(
        using_db
    )
    return [bill_of(r) for r in rows]


@dataclass(frozen=True)
class Debt:
    total: Decimal
    receivables_count: int


async def debt_now(customer_id: int, as_of: date) -> Debt:
    """The debt a negotiation takes in on `as_of`: the customer's open bills at least a day
    late (DESIGN §3, rule 1), read now. A call list keeps the debt of when it was built; this
    is what "Negociar" will negotiate."""
    included = included_bills(await open_bills(customer_id), as_of, None)
    return Debt(sum((b.amount for b in included), Decimal(0)), len(included))


def _debt_text(debt: Debt) -> str:
    n = debt.receivables_count
    return f"{brl(debt.total)} em {n} {'conta' if n == 1 else 'contas'}"


def debt_change_note(listed: Debt, now: Debt) -> str | None:
    """What to tell the attendant when the debt is no longer the call list's (None: same)."""
    if listed == now:
        return None
    return f"A dívida mudou desde a geração da lista: {_debt_text(listed)} → {_debt_text(now)}"


async def applicable_conditions(
    rule_id: int | None = None, using_db: BaseDBAsyncClient | None = None
) -> list[PaymentCondition]:
    """The default condition always; the rule's linked ones; with no rule, every active one."""
    if rule_id is None:
        query = PaymentCondition.filter(active=True)
    else:
        rule = await CollectionRule.get_or_none(id=rule_id).using_db(using_db)
        if rule is None:
            raise NotFound(f"regra de cobrança {rule_id} não existe")
        linked = await rule.conditions.all().using_db(using_db).values_list("id", flat=True)
        query = PaymentCondition.filter(Q(id__in=list(linked)) | Q(is_default=True), active=True)
    return await query.using_db(using_db).prefetch_related("options").order_by("id")


def quote_for(
    customer_id: int,
    condition: PaymentCondition,
    result: Negotiation,
    offer: Offer,
    first_due: date | None = None,
):
    option = list(condition.options)[offer.option_index]
    return Quote(
        customer_id=customer_id,
        condition_id=condition.id,
        option_id=option.id,
        as_of=result.as_of,
        receivable_ids=tuple(sorted(int(i) for i in result.receivable_ids)),
        principal=result.principal,
        total=offer.total,
        down_payment=offer.down_payment,
        first_due=first_due,
    )


def _condition_offers(
    customer_id: int,
    bills: list[Bill],
    condition: PaymentCondition,
    as_of: date,
    down_payment: Decimal | None = None,
    first_due: date | None = None,
) -> list[CustomerOffer]:
    """The condition's payable offers; `first_due` must be within its limit."""
    terms = terms_due_on(condition_terms(condition, condition.options), as_of, first_due)
    result = negotiate(bills, terms, as_of, down_payment)
    return [
        CustomerOffer(
            quote=quote_for(customer_id, condition, result, offer, first_due),
            offer=offer,
            condition=condition,
            negotiation=result,
        )
        for offer in result.offers
        if is_payable(offer)
    ]


def _key(o: CustomerOffer) -> tuple[int, int]:
    return o.quote.condition_id, o.quote.option_id


def offer_terms(o: CustomerOffer) -> Terms:
    """What a debtor compares between offers (`negotiation.dominance`), at the least down
    payment the offer asks."""
    return Terms(o.offer.total, o.offer.down_payment or Decimal(0), o.offer.installments)


def _preference(o: CustomerOffer) -> tuple:
    """Among offers with identical terms, the one kept: the longest between payments, then
    the latest first due date the condition allows, then the first condition and option."""
    terms = offer_terms(o)
    return (
        terms.total,
        terms.down_payment,
        -terms.installments,
        -o.offer.option.days_between,
        -o.condition.days_to_first_due,
        o.condition.id,
        o.offer.option_index,
    )


def shown(offers: list[CustomerOffer]) -> list[CustomerOffer]:
    """The offers worth showing: no duplicate and none dominated (`dominance.undominated`),
    cheapest first."""
    kept = undominated(sorted(offers, key=_preference), offer_terms)
    return sorted(kept, key=lambda o: (o.offer.total, o.offer.installments, o.condition.id))


async def offers_for_customer(
    customer_id: int,
    as_of: date,
    *,
    rule_id: int | None = None,
    down_payment: Decimal | None = None,
) -> list[CustomerOffer]:
    """The offers a debtor is shown for their open debt, on every channel, cheapest first:
    every eligible and payable offer except duplicates and dominated ones (`shown`).

    Which offers are shown is decided at their least down payment; `down_payment` prices the
    shown ones with that down payment instead."""
    if not await Customer.exists(id=customer_id):
        raise NotFound(f"cliente {customer_id} não existe")
    bills = await open_bills(customer_id)
    conditions = await applicable_conditions(rule_id)
    least = [o for c in conditions for o in _condition_offers(customer_id, bills, c, as_of)]
    listed = shown(least)
    if down_payment is None:
        return listed
    priced = {
        _key(o): o
        for c in conditions
        for o in _condition_offers(customer_id, bills, c, as_of, down_payment)
    }
    return [priced[_key(o)] for o in listed if _key(o) in priced]


async def find_offer(
    customer_id: int,
    as_of: date,
    condition_id: int,
    option_id: int,
    down_payment: Decimal | None = None,
    first_due: date | None = None,
) -> CustomerOffer | None:
    """The offer a debtor picked on a channel, computed again now (None: not offered any
    more, or `first_due` is beyond its condition's limit)."""
    if not await Customer.exists(id=customer_id):
        raise NotFound(f"cliente {customer_id} não existe")
    condition = next((c for c in await applicable_conditions() if c.id == condition_id), None)
    if condition is None:
        return None
    if first_due is not None and not allowed(first_due, as_of, condition.days_to_first_due):
        return None
    bills = await open_bills(customer_id)
    offers = _condition_offers(customer_id, bills, condition, as_of, down_payment, first_due)
    return next((o for o in offers if o.quote.option_id == option_id), None)


def offer_view(o: CustomerOffer) -> dict[str, Any]:
    """What every channel says of an offer: installments, amounts, discount, first due date."""
    schedule = o.offer.schedule
    return {
        "installments": o.offer.installments,
        "total": o.offer.total,
        "discount": o.negotiation.discount_on(o.offer),
        "down_payment": o.offer.down_payment,
        "first": schedule[0].amount,
        "later": schedule[1].amount if len(schedule) > 1 else schedule[0].amount,
        "first_due": schedule[0].due_date,
    }


def down_payment_range(o: CustomerOffer) -> tuple[Decimal, Decimal]:
    """The least and the most a debtor may put down on this offer (it has a down payment)."""
    return o.offer.down_payment, largest_down_payment(o.offer)


def down_payment_problem(amount: Decimal | None, minimum: Decimal, maximum: Decimal) -> str | None:
    """Why a typed down payment cannot be used (pt-BR), or None when it can."""
    if amount is None:
        return "não é um valor em reais"
    if amount < minimum:
        return "é menor que a entrada mínima"
    if amount > maximum:
        return "é maior que o valor possível"
    return None
