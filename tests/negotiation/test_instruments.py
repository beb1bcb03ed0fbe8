"""Each installment of a new agreement gets a boleto and a PIX that a bank app would accept."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import PaymentInstrument, Receivable
from models.enums import BreakAction, Channel, PaymentSource
from negotiation.accept import accept
from negotiation.breaks import check_agreements
from negotiation.offers import offers_for_customer
from negotiation.payments import boleto, pix
from negotiation.reconcile import record_payment
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)


async def _agreement(option=2, **condition):
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True, **condition)
    quote = (await offers_for_customer(customer.id, TODAY))[option].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY)


async def test_every_installment_has_a_valid_boleto_and_pix(each_db):
    agreement = await _agreement()
    installments = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    assert len(installments) == 4
    for bill in installments:
        instrument = await PaymentInstrument.get(receivable_id=bill.id)
        slip = boleto.parse(instrument.line, TODAY)
        assert slip.barcode == instrument.barcode
        assert (slip.amount, slip.due_date, slip.bank) == (bill.amount, bill.due_date, "001")
        code = pix.parse(instrument.pix_payload)
        assert code.amount == bill.amount and code.txid == instrument.txid
        assert code.key == "11222333000181"  # the ISP's own key: its CNPJ
    assert len({i.txid for i in await PaymentInstrument.all()}) == 4


async def test_a_broken_agreement_cancels_the_unpaid_instruments(each_db):
    agreement = await _agreement(option=1, break_action=BreakAction.CANCEL)
    first, *rest = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    await record_payment(
        first.id, first.amount, datetime(2026, 11, 30, tzinfo=UTC), PaymentSource.API
    )
    await check_agreements(date(2027, 1, 10))
    cancelled = await PaymentInstrument.filter(cancelled_at__isnull=False).values_list(
        "receivable_id", flat=True
    )
    assert sorted(cancelled) == sorted(r.id for r in rest)
