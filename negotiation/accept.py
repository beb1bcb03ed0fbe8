"""Accepting an offer: the agreement, its installments and the originals, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import (
    Agreement,
    AgreementReceivable,
    Customer,
    InstallmentOption,
    PaymentCondition,
    Receivable,
    User,
)
from models.enums import Channel, ReceivableStatus
from negotiation import audit, events
from negotiation.config import InstrumentConfig
from negotiation.engine import Negotiation, Offer, is_payable, negotiate
from negotiation.errors import AlreadyNegotiated, DebtChanged, NotEligible, NotFound
from negotiation.first_due import allowed, terms_due_on
from negotiation.instruments import issue_instruments
from negotiation.offers import Quote, open_bills
from negotiation.terms import condition_terms


def _offer_for(result: Negotiation, option_index: int) -> Offer | None:
    return next((o for o in result.offers if o.option_index == option_index), None)


def _check_unchanged(quote: Quote, today: date, result: Negotiation, offer: Offer) -> None:
    if quote.as_of != today:
        raise DebtChanged(
            f"a oferta foi calculada em {quote.as_of:%d/%m/%Y}; calcule de novo para hoje"
        )
    same = (
        tuple(sorted(int(i) for i in result.receivable_ids)) == quote.receivable_ids
        and result.principal == quote.principal
        and offer.total == quote.total
        and offer.down_payment == quote.down_payment
    )
    if not same:
        raise DebtChanged("a dívida ou a condição mudou desde a oferta; calcule as ofertas de novo")


async def _explain_missing(quote: Quote, using_db) -> None:
    """The quoted bills are no longer all open: say whether someone negotiated them first."""
    negotiated = await Receivable.filter(
        id__in=quote.receivable_ids, status=ReceivableStatus.NEGOTIATED
    ).using_db(using_db)
    if negotiated:
        raise AlreadyNegotiated("esta dívida já foi negociada em outro acordo")


async def accept(
    quote: Quote,
    *,
    channel: Channel,
    today: date,
    user: User | None = None,
    notes: str | None = None,
    also: Callable[[BaseDBAsyncClient, Agreement], Awaitable[None]] | None = None,
    settings: InstrumentConfig,
) -> Agreement:
    """Create the agreement for `quote`, or fail without writing anything.

    Concurrency: the customer's row is locked first (PostgreSQL `SELECT ... FOR UPDATE`;
    SQLite serialises transactions), so a second accept for the same debt waits and then sees
    the bills already negotiated. The guarded update at the end is the last line of defence:
    it only flips bills that are still open and aborts if any was not.
    `also` runs inside the same transaction (e.g. to close the campaign entry with it).
    """
    async with in_transaction() as conn:
        customer = (
            await Customer.select_for_update().using_db(conn).get_or_none(id=quote.customer_id)
        )
        if customer is None:
            raise NotFound(f"cliente {quote.customer_id} não existe")
        condition = await PaymentCondition.get_or_none(id=quote.condition_id).using_db(conn)
        if condition is None:
            raise DebtChanged("a condição de pagamento da oferta não existe mais")
        options = await InstallmentOption.filter(condition_id=condition.id).using_db(conn)
        index = next((i for i, o in enumerate(options) if o.id == quote.option_id), None)
        if index is None:
            raise DebtChanged("o parcelamento da oferta não existe mais")

        bills = await open_bills(customer.id, using_db=conn)
        terms = condition_terms(condition, options)
        # A quote of another day is refused below (`_check_unchanged`) whatever its date.
        first_due = quote.first_due if quote.as_of == today else None
        if first_due is not None and not allowed(first_due, today, terms.days_to_first_due):
            raise NotEligible(
                f"o primeiro vencimento escolhido ({first_due:%d/%m/%Y}) "
                "não é mais permitido por esta condição"
            )
        terms = terms_due_on(terms, today, first_due)
        result = negotiate(bills, terms, today, quote.down_payment)
        if not set(quote.receivable_ids) <= {int(b.id) for b in bills}:
            await _explain_missing(quote, conn)
            raise DebtChanged("uma conta da oferta não está mais em aberto")
        if not result.eligible:
            raise NotEligible(f"a dívida não se enquadra mais na condição ({result.reason})")
        offer = _offer_for(result, index)
        if offer is None or not is_payable(offer):
            raise NotEligible("este parcelamento não é oferecido para esta dívida e esta entrada")
        _check_unchanged(quote, today, result, offer)

        agreement = await _write_agreement(
            conn,
            quote,
            customer,
            condition,
            options[index],
            result,
            offer,
            channel,
            today,
            user,
            notes,
            settings,
        )
        flipped = (
            await Receivable.filter(id__in=quote.receivable_ids, status=ReceivableStatus.OPEN)
            .using_db(conn)
            .update(status=ReceivableStatus.NEGOTIATED)
        )
        if flipped != len(quote.receivable_ids):
            raise AlreadyNegotiated("esta dívida já foi negociada em outro acordo")
        if also is not None:
            await also(conn, agreement)
    return agreement


async def _write_agreement(
    conn, quote, customer, condition, option, result, offer, channel, today, user, notes, settings
) -> Agreement:
    interest_discount = result.interest - offer.interest
    debt_discount = result.principal + result.fine + offer.interest - offer.total
    agreement = await Agreement.create(
        using_db=conn,
        customer=customer,
        condition=condition,
        option=option,
        as_of=today,
        installments_count=offer.installments,
        days_between=option.days_between,
        interest_discount_pct=option.interest_discount_pct,
        debt_discount_pct=option.debt_discount_pct,
        principal=result.principal,
        fine=result.fine,
        interest=result.interest,
        interest_discount=interest_discount,
        debt_discount=debt_discount,
        total=offer.total,
        down_payment=offer.down_payment,
        channel=channel,
        created_by=user,
        notes=notes,
    )
    await AgreementReceivable.bulk_create(
        [
            AgreementReceivable(
                agreement=agreement,
                receivable_id=int(c.bill.id),
                amount=c.bill.amount,
                days_late=c.days_late,
                fine=c.fine,
                interest=c.interest,
            )
            for c in result.charges
        ],
        using_db=conn,
    )
    await Receivable.bulk_create(
        [
            Receivable(
                customer=customer,
                issue_date=today,
                due_date=p.due_date,
                amount=p.amount,
                billing_method=condition.billing_method_generate,
                agreement=agreement,
                installment_number=p.number,
            )
            for p in offer.schedule
        ],
        using_db=conn,
    )
    installments = await Receivable.filter(agreement_id=agreement.id).using_db(conn)
    await issue_instruments(conn, list(installments), settings)
    await events.emit(
        conn,
        "agreement.created",
        {
            "agreement_id": agreement.id,
            "customer_external_id": customer.external_id,
            "total": agreement.total,
            "down_payment": agreement.down_payment,
            "channel": channel,
            "installments": [
                {"number": p.number, "due_date": p.due_date, "amount": p.amount}
                for p in offer.schedule
            ],
        },
    )
    await audit.record(
        using_db=conn,
        user=user,
        actor=None if user else str(channel),
        action="agreement.create",
        entity="agreement",
        entity_id=agreement.id,
        after=_agreement_summary(agreement, quote),
    )
    return agreement


def _agreement_summary(agreement: Agreement, quote: Quote) -> dict[str, Any]:
    return {
        "customer_id": quote.customer_id,
        "condition_id": quote.condition_id,
        "option_id": quote.option_id,
        "receivable_ids": list(quote.receivable_ids),
        "total": str(agreement.total),
        "down_payment": None if agreement.down_payment is None else str(agreement.down_payment),
        "installments": agreement.installments_count,
        "channel": str(agreement.channel),
    }
