"""Receipts of paid agreement installments: on the agreement and customer pages, and the API,
under the same Status Serasa rule as any bill (Permite Gerar Recibo)."""

from __future__ import annotations

import pytest

from models import CampaignEntry, Receivable, clock
from models.enums import Channel, ReceivableStatus, Role
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from quita.settings import Settings
from tests.admin.console.test_campaigns import build_call_list

SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)


@pytest.fixture
async def call_list(db, users):
    return await build_call_list()


async def _agreement_with_first_paid(entry: CampaignEntry, status):
    today = clock.today_in("America/Sao_Paulo")
    quote = (await offers_for_customer(entry.customer_id, today))[1].quote  # three installments
    agreement = await accept(quote, channel=Channel.CONSOLE, today=today, settings=SETTINGS)
    await CampaignEntry.filter(id=entry.id).update(
        agreement_id=agreement.id, collection_status_id=status.id
    )
    await Receivable.filter(agreement_id=agreement.id, installment_number=1).update(
        status=ReceivableStatus.PAID, paid_at=clock.now()
    )
    return agreement


async def test_a_paid_installment_has_its_receipt(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    agreement = await _agreement_with_first_paid(entry, call_list["receipt"])
    await sign_in(Role.ATTENDANT)
    link = f"/console/agreements/{agreement.id}/installments/1/receipt.pdf"
    html = (await browser.get(f"/console/agreements/{agreement.id}")).text
    assert f'href="{link}"' in html and html.count("Recibo (PDF)") == 1
    pdf = await browser.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    unpaid = await browser.get(f"/console/agreements/{agreement.id}/installments/2/receipt.pdf")
    assert unpaid.status_code == 422 and "não está paga" in unpaid.text
    missing = await browser.get(f"/console/agreements/{agreement.id}/installments/9/receipt.pdf")
    assert missing.status_code == 404
    paid = await Receivable.get(agreement_id=agreement.id, installment_number=1)
    customer = (await browser.get(f"/console/customers/{entry.customer_id}")).text
    assert f'href="/console/receipts/{paid.id}.pdf"' in customer


async def test_no_receipt_when_the_status_allows_none(browser, sign_in, call_list):
    entry = call_list["entries"][1]
    agreement = await _agreement_with_first_paid(entry, call_list["no_receipt"])
    await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/agreements/{agreement.id}")).text
    assert "Recibo (PDF)" not in html
    refused = await browser.get(f"/console/agreements/{agreement.id}/installments/1/receipt.pdf")
    assert refused.status_code == 422 and "não permite gerar recibo" in refused.text


async def test_the_api_gives_the_installment_receipt(api, as_role, call_list):
    entry = call_list["entries"][2]
    agreement = await _agreement_with_first_paid(entry, call_list["receipt"])
    headers = await as_role(Role.ATTENDANT)
    detail = (await api.get(f"/api/v1/agreements/{agreement.id}", headers=headers)).json()
    assert [i["receipt_allowed"] for i in detail["installments"]] == [True, False, False]
    url = f"/api/v1/agreements/{agreement.id}/installments/1/receipt.pdf"
    pdf = await api.get(url, headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (await api.get(url, headers=await as_role(Role.AGENCY))).status_code == 403
    too_big = f"/api/v1/agreements/{agreement.id}/installments/99999999999/receipt.pdf"
    assert (await api.get(too_big, headers=headers)).status_code == 422
