"""Payments settle installments, a replay changes nothing, the last one fulfils the agreement."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models import Agreement, Payment, Receivable
from models.enums import AgreementStatus, Channel, PaymentSource, ReceivableStatus
from negotiation.accept import accept
from negotiation.errors import InvalidInput
from negotiation.offers import offers_for_customer
from negotiation.reconcile import record_payment
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)
PAID = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


async def _agreement(option: int = 1) -> Agreement:
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    offers = await offers_for_customer(customer.id, TODAY)
    return await accept(
        offers[option].quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS
    )


async def _installments(agreement: Agreement) -> list[Receivable]:
    return await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")


async def test_paying_every_installment_fulfils_the_agreement(each_db):
    agreement = await _agreement()
    first, *rest = await _installments(agreement)
    settled = await record_payment(first.id, first.amount, PAID, PaymentSource.API)
    assert not settled.replayed and not settled.agreement_fulfilled
    await agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE

    for n, bill in enumerate(rest):
        settled = await record_payment(
            bill.id, bill.amount, PAID, PaymentSource.PIX, external_id=f"E{n}"
        )
    assert settled.agreement_fulfilled
    await agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.FULFILLED
    originals = await Receivable.filter(customer_id=agreement.customer_id, agreement_id=None)
    assert {(r.status, r.paid_at) for r in originals} == {(ReceivableStatus.PAID, PAID)}
    assert all(r.status == ReceivableStatus.PAID for r in await _installments(agreement))


async def test_a_replayed_payment_settles_once(each_db):
    agreement = await _agreement()
    bill = (await _installments(agreement))[0]
    first = await record_payment(bill.id, bill.amount, PAID, PaymentSource.PIX, external_id="E1")
    again = await record_payment(bill.id, bill.amount, PAID, PaymentSource.PIX, external_id="E1")
    assert again.replayed and again.payment.id == first.payment.id
    assert await Payment.all().count() == 1


async def test_concurrent_deliveries_of_one_payment_settle_once(pg_db):
    agreement = await _agreement()
    bill = (await _installments(agreement))[0]
    results = await asyncio.gather(
        *(
            record_payment(bill.id, bill.amount, PAID, PaymentSource.PIX, external_id="E9")
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    assert await Payment.all().count() == 1
    assert [r.replayed for r in results].count(False) == 1, results
    assert [r.replayed for r in results].count(True) == 3, results


@pytest.mark.parametrize(
    ("amount", "words"),
    [("0", "maior que zero"), ("10.00", "pagamento parcial")],
)
async def test_bad_payments_are_refused_and_write_nothing(each_db, amount, words):
    agreement = await _agreement()
    bill = (await _installments(agreement))[0]
    with pytest.raises(InvalidInput, match=words):
        await record_payment(bill.id, Decimal(amount), PAID, PaymentSource.API)
    assert await Payment.all().count() == 0
    await bill.refresh_from_db()
    assert bill.status == ReceivableStatus.OPEN


async def test_a_negotiated_bill_cannot_be_paid_directly(each_db):
    agreement = await _agreement()
    original = await Receivable.get(customer_id=agreement.customer_id, agreement_id=None)
    with pytest.raises(InvalidInput, match="não está em aberto"):
        await record_payment(original.id, original.amount, PAID, PaymentSource.API)
