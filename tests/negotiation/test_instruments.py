"""Each installment of a new agreement gets a boleto and a PIX that a bank app would accept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models import Agreement, PaymentInstrument, Receivable
from models.enums import BreakAction, Channel, PaymentSource
from negotiation.accept import accept
from negotiation.breaks import check_agreements
from negotiation.errors import ProviderUnavailable
from negotiation.offers import offers_for_customer
from negotiation.payments import boleto, pix
from negotiation.reconcile import record_payment
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)


async def _agreement(option=2, **condition):
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True, **condition)
    quote = (await offers_for_customer(customer.id, TODAY))[option].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)


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


def _psp_settings(pix_psp) -> Settings:
    from tests.fakes.pix_psp import CLIENT_ID, CLIENT_SECRET

    return Settings(
        database_url="sqlite://:memory:",
        secret_key="k" * 40,
        pix_provider="api",
        pix_api_url=pix_psp.url,
        pix_api_client_id=CLIENT_ID,
        pix_api_client_secret=CLIENT_SECRET,
    )


async def _quote(option=2):
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    return (await offers_for_customer(customer.id, TODAY))[option].quote


async def test_with_a_psp_each_installment_gets_a_due_date_charge(db, pix_psp):
    quote = await _quote()
    agreement = await accept(
        quote, channel=Channel.CONSOLE, today=TODAY, settings=_psp_settings(pix_psp)
    )
    bills = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    puts = [r for r in pix_psp.api_requests if r.method == "PUT"]
    assert len(puts) == len(bills) == 4
    for bill, put in zip(bills, puts, strict=True):
        instrument = await PaymentInstrument.get(receivable_id=bill.id)
        assert put.path.endswith(f"/cobv/{instrument.txid}") and len(instrument.txid) >= 26
        assert put.json["valor"]["original"] == f"{bill.amount:.2f}"
        assert put.json["calendario"]["dataDeVencimento"] == bill.due_date.isoformat()
        code = pix.parse(instrument.pix_payload)
        assert code.dynamic and code.url.startswith("pix.example.com/")
        assert boleto.parse(instrument.line, TODAY).amount == bill.amount


async def test_a_psp_failure_makes_no_agreement(db, pix_psp):
    quote = await _quote()
    pix_psp.fail_next(503, times=10)
    with pytest.raises(ProviderUnavailable, match="PSP"):
        await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=_psp_settings(pix_psp))
    assert await Agreement.all().count() == 0
    assert await Receivable.filter(status="negotiated").count() == 0
    assert await PaymentInstrument.all().count() == 0
