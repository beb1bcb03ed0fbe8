"""Payments through the API: settle, replay, permission."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest

from models import Payment, Receivable, clock
from models.enums import Channel, ReceivableStatus, Role
from negotiation.accept import accept
from negotiation.errors import NotFound
from negotiation.offers import offers_for_customer
from negotiation.payment_links import GRACE_DAYS, make_token, read_token
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

# 01/12/2026 22:05 in São Paulo, when UTC already says 02/12.
LATE_EVENING = datetime(2026, 12, 2, 1, 5, tzinfo=UTC)


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def _installment() -> Receivable:
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[0].quote
    agreement = await accept(
        quote, channel=Channel.CONSOLE, today=date(2026, 11, 27), settings=SETTINGS
    )
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


async def test_the_payment_page_shows_pix_qr_and_boleto_without_login(api, as_role):
    bill = await _installment()
    detail = await api.get(
        f"/api/v1/agreements/{bill.agreement_id}", headers=await as_role(Role.ATTENDANT)
    )
    url = detail.json()["payment_url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = await api.get(f"/{path}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    instrument = detail.json()["installments"][0]
    assert instrument["pix_copy_paste"] in html and instrument["boleto_line"] in html
    assert "data:image/png;base64," in html and "Copiar código PIX" in html
    assert "11.222.333/0001-81" in html  # the ISP's CNPJ (CDC 42-A)
    pdf = await api.get(f"/{path}/boleto/1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f"/{path}/boleto/1.pdf" in html
    assert (await api.get(f"/{path}/boleto/9.pdf")).status_code == 404
    assert (await api.get(f"/{path[:-3]}abc")).status_code == 404
    assert (await api.get("/p/not-a-token")).status_code == 404


async def test_the_payment_page_dates_the_agreement_in_the_isp_zone(api, as_role):
    clock.travel(LATE_EVENING, tick=False)
    bill = await _installment()
    detail = await api.get(
        f"/api/v1/agreements/{bill.agreement_id}", headers=await as_role(Role.ATTENDANT)
    )
    path = detail.json()["payment_url"].split("://", 1)[1].split("/", 1)[1]
    html = (await api.get(f"/{path}")).text
    assert f"Acordo nº {bill.agreement_id} de 01/12/2026 —" in html


def test_expired_links_are_refused():
    today = date(2026, 12, 1)
    token = make_token(7, date(2020, 1, 1), "k" * 40)
    with pytest.raises(NotFound):
        read_token(token, "k" * 40, today)
    fresh = make_token(7, date(2099, 1, 1), "k" * 40)
    assert read_token(fresh, "k" * 40, today) == 7
    with pytest.raises(NotFound):
        read_token(fresh, "other-key" * 5, today)


async def test_a_link_opens_until_the_end_of_its_last_day_in_the_isp_zone(api, as_role):
    bill = await _installment()
    detail = await api.get(
        f"/api/v1/agreements/{bill.agreement_id}", headers=await as_role(Role.ATTENDANT)
    )
    path = detail.json()["payment_url"].split("://", 1)[1].split("/", 1)[1]
    last_due = max(date.fromisoformat(i["due_date"]) for i in detail.json()["installments"])
    last_day = last_due + timedelta(days=GRACE_DAYS)
    # 22:05 on its last day in São Paulo is already the next day in UTC: still open.
    evening = datetime.combine(last_day, time(22, 5), ZoneInfo("America/Sao_Paulo"))
    clock.travel(evening, tick=False)
    assert (await api.get(f"/{path}")).status_code == 200
    clock.advance(timedelta(hours=2))  # 00:05 the day after, there
    assert (await api.get(f"/{path}")).status_code == 404
