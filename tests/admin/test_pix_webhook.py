"""The Pix API webhook: authenticated, settles once, a replay changes nothing."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from models import Agreement, Payment, PaymentInstrument, Receivable
from models.enums import AgreementStatus, Channel, ReceivableStatus
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from quita.app import create_app
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

SECRET = "psp-shared-secret"


@pytest.fixture
async def psp(db):
    app = create_app(Settings(database_url=db, secret_key="x" * 40, pix_webhook_secret=SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _cash_agreement() -> Agreement:
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[0].quote
    return await accept(
        quote, channel=Channel.TELEGRAM, today=date(2026, 11, 27), settings=SETTINGS
    )


def _body(instrument: PaymentInstrument, amount: str, e2e: str = "E1234567820261130") -> dict:
    return {
        "pix": [
            {
                "endToEndId": e2e,
                "txid": instrument.txid,
                "valor": amount,
                "horario": "2026-11-30T10:15:00.00-03:00",
                "infoPagador": "acordo",
            }
        ]
    }


async def test_a_replayed_webhook_settles_the_installment_once(psp):
    agreement = await _cash_agreement()
    bill = await Receivable.get(agreement_id=agreement.id)
    instrument = await PaymentInstrument.get(receivable_id=bill.id)
    headers = {"X-Webhook-Secret": SECRET}

    first = await psp.post("/pix/webhook", headers=headers, json=_body(instrument, "91.71"))
    assert first.status_code == 200 and first.json()["settled"] == ["E1234567820261130"]
    again = await psp.post("/pix/webhook", headers=headers, json=_body(instrument, "91.71"))
    assert again.json()["replayed"] == ["E1234567820261130"] and again.json()["settled"] == []

    assert await Payment.all().count() == 1
    await bill.refresh_from_db()
    assert bill.status == ReceivableStatus.PAID
    await agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.FULFILLED


@pytest.mark.parametrize("headers", [{}, {"X-Webhook-Secret": "wrong"}])
async def test_unauthenticated_webhooks_change_nothing(psp, headers):
    agreement = await _cash_agreement()
    instrument = await PaymentInstrument.get(receivable__agreement_id=agreement.id)
    answer = await psp.post("/pix/webhook", headers=headers, json=_body(instrument, "91.71"))
    assert answer.status_code == 401
    assert await Payment.all().count() == 0


async def test_unreadable_or_wrong_bodies_are_4xx(psp):
    headers = {"X-Webhook-Secret": SECRET}
    assert (await psp.post("/pix/webhook", headers=headers, content=b"{nope")).status_code == 400
    answer = await psp.post("/pix/webhook", headers=headers, json={"pix": {"txid": "x"}})
    assert answer.status_code == 422 and "pix" in answer.json()["detail"]
    # An item without its fields is reported; a retry cannot fix it, so the answer is 200.
    answer = await psp.post("/pix/webhook", headers=headers, json={"pix": [{"txid": "x"}]})
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert item["outcome"] == "invalid" and "endToEndId" in item["detail"]


async def test_unknown_txids_are_reported_not_settled(psp):
    headers = {"X-Webhook-Secret": SECRET}
    body = {
        "pix": [
            {
                "endToEndId": "E9",
                "txid": "NOTOURS",
                "valor": "10.00",
                "horario": "2026-11-30T10:15:00Z",
            }
        ]
    }
    answer = await psp.post("/pix/webhook", headers=headers, json=body)
    assert answer.json()["unknown"] == ["NOTOURS"]
    assert await Payment.all().count() == 0
