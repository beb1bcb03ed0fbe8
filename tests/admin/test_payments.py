"""Payments through the API: settle, replay, permission."""

from __future__ import annotations

from datetime import date

from models import Payment, Receivable
from models.enums import Channel, ReceivableStatus, Role
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable


async def _installment() -> Receivable:
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[0].quote
    agreement = await accept(quote, channel=Channel.CONSOLE, today=date(2026, 11, 27))
    return await Receivable.get(agreement_id=agreement.id)


async def test_payment_settles_and_a_replay_changes_nothing(api, as_role):
    bill = await _installment()
    body = {
        "receivable_id": bill.id,
        "amount": str(bill.amount),
        "paid_at": "2026-11-30T10:00:00-03:00",
        "external_id": "extrato-77",
    }
    headers = await as_role(Role.SUPERVISOR)
    first = await api.post("/api/v1/payments", headers=headers, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["agreement_fulfilled"] is True  # à vista: one installment
    again = await api.post("/api/v1/payments", headers=headers, json=body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert await Payment.all().count() == 1
    await bill.refresh_from_db()
    assert bill.status == ReceivableStatus.PAID


async def test_attendants_do_not_record_payments(api, as_role):
    bill = await _installment()
    body = {"receivable_id": bill.id, "amount": "1.00", "paid_at": "2026-11-30T10:00:00Z"}
    answer = await api.post("/api/v1/payments", headers=await as_role(Role.ATTENDANT), json=body)
    assert answer.status_code == 403


async def test_naive_dates_are_422(api, as_role):
    bill = await _installment()
    body = {"receivable_id": bill.id, "amount": "1.00", "paid_at": "2026-11-30T10:00:00"}
    answer = await api.post("/api/v1/payments", headers=await as_role(Role.ADMIN), json=body)
    assert answer.status_code == 422 and "paid_at" in answer.text


async def test_agreement_detail_shows_each_installments_instruments(api, as_role):
    bill = await _installment()
    answer = await api.get(
        f"/api/v1/agreements/{bill.agreement_id}", headers=await as_role(Role.ATTENDANT)
    )
    assert answer.status_code == 200
    (only,) = answer.json()["installments"]
    assert only["amount"] == str(bill.amount)
    assert only["boleto_line"].startswith("00190.")
    assert (
        only["pix_copy_paste"].startswith("000201") and "br.gov.bcb.pix" in only["pix_copy_paste"]
    )
    hidden = await api.get(
        f"/api/v1/agreements/{bill.agreement_id}", headers=await as_role(Role.AGENCY)
    )
    assert hidden.status_code == 403
