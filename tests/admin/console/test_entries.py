"""Working an entry in the console: the page, results, negotiation, the agreement page,
sends; the agency's view; the customer statement."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import Agreement, CampaignEntry, CustomerPhone, Delivery, ServiceTicket, clock
from models.enums import (
    Channel,
    DeliveryChannel,
    DeliveryStatus,
    EntryState,
    ReceivableStatus,
    Role,
)
from negotiation import debt_pauses
from quita.settings import Settings
from tests.admin.console.conftest import csrf_of, negotiate
from tests.admin.console.test_campaigns import build_call_list
from tests.factories import make_receivable


@pytest.fixture
async def call_list(db, users):
    return await build_call_list()


async def csrf_token(browser) -> str:
    return csrf_of((await browser.get("/console")).text)


async def test_attendant_sees_record_history_and_offers(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    await CustomerPhone.create(customer_id=entry.customer_id, number="+5519999990000")
    await sign_in(Role.ATTENDANT)
    answer = await browser.get(f"/console/entries/{entry.id}")
    assert answer.status_code == 200
    html = answer.text
    await entry.fetch_related("customer")
    assert entry.customer.document in html and "+5519999990000" in html
    assert f'href="/console/customers/{entry.customer_id}"' in html
    assert entry.oldest_due_date.strftime("%d/%m/%Y") in html and "R$\xa099,90" in html
    assert html.count(">Negociar</button>") == 3  # the seed's three options
    assert "Iniciar ligação" in html and "Registrar resultado" in html
    for field in ("r-type", "r-status", "r-date", "r-time", "r-notes", "r-subject"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert (await browser.get("/console/entries/999999")).status_code == 404


async def test_work_an_entry_to_an_agreement(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][3]
    started = await browser.post(f"/console/entries/{entry.id}/start", data={"csrf_token": token})
    assert started.status_code == 303
    await entry.refresh_from_db()
    assert entry.state == EntryState.IN_PROGRESS

    html = (await browser.get(f"/console/entries/{entry.id}")).text
    forms = re.findall(
        r'name="condition_id" value="(\d+)">\s*<input type="hidden" name="option_id" '
        r'value="(\d+)"',
        html,
    )
    condition_id, option_id = forms[1]  # three installments, no down payment
    answer = await negotiate(
        browser,
        entry.id,
        {"csrf_token": token, "condition_id": condition_id, "option_id": option_id},
    )
    assert answer.status_code == 303, answer.text
    agreement = await Agreement.get(customer_id=entry.customer_id)
    assert answer.headers["location"] == f"/console/agreements/{agreement.id}?ok=agreement"
    await entry.refresh_from_db()
    assert entry.state == EntryState.DONE and entry.agreement_id == agreement.id

    page = await browser.get(answer.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert "Acordo registrado." in html and f"Acordo nº {agreement.id}" in html
    assert agreement.installments_count == 3
    assert len(re.findall(r'<code id="line-\d+">\d[\d. ]+</code>', html)) == 3
    assert len(re.findall(r'<code id="pix-\d+">000201', html)) == 3
    assert html.count('data-copy="pix-') == 3
    assert "Página de pagamento" in html
    # The agreement's date and time, in the ISP's zone.
    local = agreement.created_at.astimezone(_tz())
    assert f"<td>{local:%d/%m/%Y %H:%M}</td>" in html
    # The customer may not be contacted through an unconfigured channel: said on the page.
    sent = await browser.post(
        f"/console/agreements/{agreement.id}/send",
        data={"csrf_token": token, "channels": ["email"]},
    )
    assert sent.status_code == 409 and "o envio por e-mail não está configurado" in sent.text
    assert await Delivery.all().count() == 0
    nothing = await browser.post(
        f"/console/agreements/{agreement.id}/send", data={"csrf_token": token}
    )
    assert nothing.status_code == 422 and "escolha ao menos um canal" in nothing.text
    again = await browser.post(
        f"/console/entries/{entry.id}/negotiate",
        data={"csrf_token": token, "condition_id": condition_id, "option_id": option_id},
    )
    assert again.status_code == 422 and "já foi encerrada" in again.text
    assert await Agreement.filter(customer_id=entry.customer_id).count() == 1


async def test_a_failed_send_can_be_tried_again(browser, sign_in, call_list, console_app):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][4]
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    condition_id, option_id = re.findall(
        r'name="condition_id" value="(\d+)">\s*<input type="hidden" name="option_id" '
        r'value="(\d+)"',
        html,
    )[0]
    await negotiate(
        browser,
        entry.id,
        {"csrf_token": token, "condition_id": condition_id, "option_id": option_id},
    )
    agreement = await Agreement.get(customer_id=entry.customer_id)
    failed = await Delivery.create(
        agreement=agreement,
        channel=DeliveryChannel.EMAIL,
        recipient="devedor4@example.com",
        status=DeliveryStatus.FAILED,
        attempts=3,
        last_error="caixa cheia",
    )
    page = (await browser.get(f"/console/agreements/{agreement.id}")).text
    assert "caixa cheia" in page and "Tentar de novo" in page
    assert f'action="/console/deliveries/{failed.id}/retry"' in page

    class Mailbox:
        channel = "email"
        sent: list = []

        async def send(self, message):
            self.sent.append(message)
            return "msg-1"

    console_app.state.senders = {"email": Mailbox()}
    retried = await browser.post(
        f"/console/deliveries/{failed.id}/retry", data={"csrf_token": token}
    )
    assert retried.status_code == 303
    await failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT and len(Mailbox.sent) == 1
    assert "Enviado" in (await browser.get(retried.headers["location"])).text


async def test_reschedule_with_date_and_time(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][1]
    day = (clock.now() + timedelta(days=2)).date()
    answer = await browser.post(
        f"/console/entries/{entry.id}/result",
        data={
            "csrf_token": token,
            "result_type_id": call_list["reschedule"].id,
            "collection_status_id": call_list["receipt"].id,
            "reschedule_date": day.isoformat(),
            "reschedule_time": "14:30",
            "notes": "pediu para ligar depois",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/console/entries/{entry.id}?ok=result"
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED and entry.attempts == 1
    local = entry.reschedule_at.astimezone(_tz())
    assert (local.date(), local.hour, local.minute) == (day, 14, 30)
    page = (await browser.get(answer.headers["location"])).text
    assert "Resultado registrado." in page and f"{day.strftime('%d/%m/%Y')} 14:30" in page
    assert "pediu para ligar depois" in page


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Sao_Paulo")


async def test_bad_result_form_says_what_is_wrong_next_to_the_field(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][1]
    answer = await browser.post(
        f"/console/entries/{entry.id}/result",
        data={
            "csrf_token": token,
            "result_type_id": call_list["reschedule"].id,
            "notes": "sem data",
            "ticket_subject": "Não deveria abrir",
        },
    )
    assert answer.status_code == 422
    assert re.search(
        r'id="r-date-error" role="alert">&#39;Reagendar&#39; pede a data do novo contato',
        answer.text,
    )
    assert ">sem data</textarea>" in answer.text  # what was typed stays
    await entry.refresh_from_db()
    assert entry.state == EntryState.PENDING and entry.attempts == 0
    assert await ServiceTicket.all().count() == 0

    no_type = await browser.post(f"/console/entries/{entry.id}/result", data={"csrf_token": token})
    assert no_type.status_code == 422 and 'id="r-type-error">escolha o resultado' in no_type.text


async def test_no_negotiation_opens_a_ticket(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][2]
    answer = await browser.post(
        f"/console/entries/{entry.id}/result",
        data={
            "csrf_token": token,
            "result_type_id": call_list["nothing"].id,
            "collection_status_id": call_list["no_receipt"].id,
            "ticket_subject": "Contestação de cobrança",
            "ticket_description": "diz que pagou",
        },
    )
    assert answer.status_code == 303
    ticket = await ServiceTicket.get(entry_id=entry.id)
    assert ticket.subject == "Contestação de cobrança"
    page = (await browser.get(f"/console/entries/{entry.id}")).text
    assert "Concluída" in page and "Registrar resultado" not in page


async def test_agency_works_its_entry_without_the_customer_record(
    browser, sign_in, call_list, agency
):
    entry, other = call_list["entries"][0], call_list["entries"][1]
    await CampaignEntry.filter(id=entry.id).update(
        state=EntryState.EXPORTED, agency_id=agency.id, exported_at=clock.now()
    )
    await CustomerPhone.create(customer_id=entry.customer_id, number="+5519988887777")
    await entry.fetch_related("customer")
    await sign_in(Role.AGENCY)
    listed = await browser.get("/console/campaigns")
    assert re.findall(r'href="/console/entries/(\d+)"', listed.text) == [str(entry.id)]
    answer = await browser.get(f"/console/entries/{entry.id}")
    assert answer.status_code == 200
    html = answer.text
    assert entry.customer.name in html and "R$\xa099,90" in html
    assert entry.customer.document not in html and "+5519988887777" not in html
    assert entry.customer.email not in html
    assert "/console/customers" not in html
    assert "não tem acesso ao cadastro" in html
    assert ">Negociar</button>" in html
    token = await csrf_token(browser)
    condition_id, option_id = re.findall(
        r'name="condition_id" value="(\d+)">\s*<input type="hidden" name="option_id" '
        r'value="(\d+)"',
        html,
    )[0]
    made = await negotiate(
        browser,
        entry.id,
        {"csrf_token": token, "condition_id": condition_id, "option_id": option_id},
    )
    # The agreement page shows where the debtor receives mail: the agency stays on the entry.
    assert made.headers["location"] == f"/console/entries/{entry.id}?ok=agreement"
    agreement = await Agreement.get(customer_id=entry.customer_id)
    assert agreement.channel == "agency"
    assert (await browser.get(f"/console/agreements/{agreement.id}")).status_code == 403
    assert (await browser.get(f"/console/entries/{other.id}")).status_code == 404
    refused = await browser.get(f"/console/customers/{entry.customer_id}")
    assert refused.status_code == 403
    assert entry.customer.document not in refused.text


async def test_the_statement_shows_the_agency(browser, sign_in, call_list, agency):
    entry = call_list["entries"][0]
    await CampaignEntry.filter(id=entry.id).update(
        state=EntryState.EXPORTED, agency_id=agency.id, exported_at=clock.now()
    )
    await entry.fetch_related("customer")
    await sign_in(Role.SUPERVISOR)
    answer = await browser.get(f"/console/customers/{entry.customer_id}")
    assert answer.status_code == 200
    html = answer.text
    assert "escritório de cobrança <strong>Escritório Teste</strong>" in html
    assert entry.customer.document in html and "R$\xa099,90" in html
    assert "Recibo (PDF)" not in html  # nothing paid
    assert (await browser.get("/console/customers/999999")).status_code == 404


async def test_receipts_only_for_paid_bills_whose_status_allows_them(browser, sign_in, call_list):
    entry = call_list["entries"][5]
    customer = await entry.customer
    paid = await make_receivable(
        customer,
        entry.oldest_due_date - timedelta(days=30),
        "80.00",
        status=ReceivableStatus.PAID,
        paid_at=clock.now(),
        collection_status=call_list["receipt"],
    )
    refused = await make_receivable(
        customer,
        entry.oldest_due_date - timedelta(days=60),
        "70.00",
        status=ReceivableStatus.PAID,
        paid_at=clock.now(),
        collection_status=call_list["no_receipt"],
    )
    await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/customers/{customer.id}")).text
    assert f'href="/console/receipts/{paid.id}.pdf"' in html
    assert f"/console/receipts/{refused.id}.pdf" not in html and html.count("Recibo (PDF)") == 1
    pdf = await browser.get(f"/console/receipts/{paid.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    no = await browser.get(f"/console/receipts/{refused.id}.pdf")
    assert no.status_code == 422 and "não permite gerar recibo" in no.text


async def test_a_paused_debt_shows_on_the_entry_page(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    today = clock.today_in("America/Sao_Paulo")
    settings = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)
    claim = await debt_pauses.claim_paid(
        entry.customer_id, Channel.TELEGRAM, clock.now(), today, settings
    )
    await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    assert "Cobrança pausada" in html and "cliente diz que já pagou" in html
    assert f"chamado nº {claim.pause.ticket_id}" in html


async def test_an_attendant_ends_a_pause_from_the_entry_page(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    today = clock.today_in("America/Sao_Paulo")
    settings = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)
    await debt_pauses.dispute(entry.customer_id, Channel.TELEGRAM, today, settings)
    token = await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    assert f'action="/console/entries/{entry.id}/pause/end"' in html
    assert '<label for="pause_reason">' in html
    url = f"/console/entries/{entry.id}/pause/end"
    no_token = await browser.post(url, data={"pause_reason": "pago"})
    assert no_token.status_code == 403
    blank = await browser.post(url, data={"csrf_token": token, "pause_reason": "  "})
    assert blank.status_code == 422 and "informe o motivo" in blank.text
    assert await debt_pauses.paused(entry.customer_id, today) is not None
    done = await browser.post(url, data={"csrf_token": token, "pause_reason": "acordo fechado"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/entries/{entry.id}?ok=pause_ended"
    assert await debt_pauses.paused(entry.customer_id, today) is None
    page = (await browser.get(done.headers["location"])).text
    assert "Pausa encerrada" in page and "Cobrança pausada" not in page
    again = await browser.post(url, data={"csrf_token": token, "pause_reason": "de novo"})
    assert again.status_code == 409 and "não está pausada" in again.text


async def test_the_agency_may_not_end_a_pause(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    today = clock.today_in("America/Sao_Paulo")
    settings = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)
    await debt_pauses.dispute(entry.customer_id, Channel.TELEGRAM, today, settings)
    token = await sign_in(Role.AGENCY)
    answer = await browser.post(
        f"/console/entries/{entry.id}/pause/end",
        data={"csrf_token": token, "pause_reason": "pago"},
    )
    assert answer.status_code == 403
    assert await debt_pauses.paused(entry.customer_id, today) is not None


async def test_negotiated_result_without_an_agreement_is_refused(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][2]
    answer = await browser.post(
        f"/console/entries/{entry.id}/result",
        data={"csrf_token": token, "result_type_id": call_list["negotiated"].id},
    )
    assert answer.status_code == 422
    assert "não há acordo feito para este devedor" in answer.text
    await entry.refresh_from_db()
    assert entry.state == EntryState.PENDING and entry.result_type_id is None


async def test_negociar_asks_for_confirmation_showing_what_goes_out(browser, sign_in, call_list):
    token = await sign_in(Role.ATTENDANT)
    entry = call_list["entries"][1]
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    condition_id, option_id = re.findall(
        r'name="condition_id" value="(\d+)">\s*<input type="hidden" name="option_id" '
        r'value="(\d+)"',
        html,
    )[1]  # three installments
    data = {"csrf_token": token, "condition_id": condition_id, "option_id": option_id}
    review = await browser.post(f"/console/entries/{entry.id}/negotiate", data=data)
    assert review.status_code == 200
    page = review.text
    assert await Agreement.filter(customer_id=entry.customer_id).count() == 0
    rows = re.findall(
        r'<tr><td class="num">(\d)</td><td>\d\d/\d\d/\d{4}</td><td class="num">R\$', page
    )
    assert rows == ["1", "2", "3"]
    assert "Total do acordo: R$" in page and "Desconto: R$" in page
    settings = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)
    assert f"<td>{settings.email_subject}</td>" in page
    assert f"<td>{settings.email_sender}</td>" in page
    assert "E-mail" in page and "SMS" in page and "Telegram" in page
    assert ">Confirmar acordo</button>" in page
    assert f'href="/console/entries/{entry.id}">Voltar</a>' in page

    # The debt changes before the confirmation: the shown offer is not made behind their back.
    await make_receivable(await entry.customer, entry.oldest_due_date, "50.00")
    confirmed = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page))
    changed = await browser.post(f"/console/entries/{entry.id}/negotiate", data=confirmed)
    assert changed.status_code == 409 and "a oferta mudou desde a confirmação" in changed.text
    assert await Agreement.filter(customer_id=entry.customer_id).count() == 0
