"""The chat simulator: the debtor's dialog (negotiation.chat) in the browser, no Telegram."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from models import Agreement, Conversation, Customer, DialogState, Message
from models.clock import today_in
from models.enums import AgreementStatus, Role
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

CPF = "52998224725"


async def _debtor():
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(
        name="MARIA DA SILVA", document=CPF, birth_date=date(1980, 5, 17)
    )
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_receivable(customer, today - timedelta(days=10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    return customer


def _buttons(page: str) -> list[tuple[str, str]]:
    found = re.findall(
        r'<button type="submit" name="action" value="([^"]+)"[^>]*>([^<]+)</button>', page
    )
    return [(html.unescape(label), action) for action, label in found]


async def test_simulated_dialog_to_an_agreement(browser, sign_in):
    customer = await _debtor()
    csrf = await sign_in(Role.ATTENDANT)

    start = await browser.get("/console/simulator")
    assert start.status_code == 200, start.text
    assert '<label for="sim-text">' in start.text and ">Enviar</button>" in start.text
    assert ">Reiniciar</button>" in start.text
    assert await Conversation.all().count() == 0  # opening the page writes nothing

    sent = await browser.post(
        "/console/simulator/send", data={"csrf_token": csrf, "text": "/start"}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/console/simulator"
    page = (await browser.get("/console/simulator")).text
    assert "CPF" in page and "99,90" not in page
    assert '<label for="sim-phone">' in page  # the dialog asked for a phone or CPF

    # With fetch: the chat area alone comes back.
    fetched = await browser.post(
        "/console/simulator/send",
        data={"text": "529.982.247-25"},
        headers={"X-Requested-With": "fetch", "X-CSRF-Token": csrf},
    )
    assert fetched.status_code == 200
    assert "<html" not in fetched.text and "Obrigado" in fetched.text

    await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": "17/05/1980"})
    page = (await browser.get("/console/simulator")).text
    assert "Maria" in page and "R$\xa099,90" in page
    assert ("Ver propostas de acordo", "offers") in _buttons(page)

    await browser.post("/console/simulator/press", data={"csrf_token": csrf, "action": "offers"})
    page = (await browser.get("/console/simulator")).text
    assert "[botão: Ver propostas de acordo]" in page
    buttons = _buttons(page)
    assert any("À vista" in label for label, _ in buttons)
    plain = next(action for label, action in buttons if "x de" in label)
    await browser.post("/console/simulator/press", data={"csrf_token": csrf, "action": plain})
    page = (await browser.get("/console/simulator")).text
    assert "Confira o acordo" in page
    await browser.post("/console/simulator/press", data={"csrf_token": csrf, "action": "confirm"})

    agreement = await Agreement.get(customer_id=customer.id)
    assert agreement.status == AgreementStatus.ACTIVE and str(agreement.channel) == "console"
    page = (await browser.get("/console/simulator")).text
    assert f"Acordo nº {agreement.id}" in page
    assert 'src="data:image/png;base64,' in page  # the PIX QR code, inline
    assert 'href="data:application/pdf;base64,' in page  # the boleto, to download

    # Everything is on the conversation's timeline, the dialog state in the database.
    conversation = await Conversation.get(channel="console")
    assert conversation.external_ref.startswith("sim-") and conversation.customer_id == customer.id
    authors = {m.author for m in await Message.filter(conversation_id=conversation.id)}
    assert {"debtor", "bot"} <= {str(a) for a in authors}
    assert await DialogState.exists(key=f"console:{conversation.external_ref}")

    # Reiniciar: a new simulated conversation, from the start.
    restarted = await browser.post("/console/simulator/restart", data={"csrf_token": csrf})
    assert restarted.status_code == 303
    page = (await browser.get("/console/simulator")).text
    assert "envie /start para começar" in page
    await conversation.refresh_from_db()
    assert conversation.state == "closed"
    await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": "/start"})
    assert await Conversation.filter(channel="console").count() == 2
    page = (await browser.get("/console/simulator")).text
    assert "Maria" not in page and "CPF" in page


async def test_simulator_identifies_without_touching_telegram_columns(browser, sign_in):
    customer = await _debtor()
    await Customer.filter(id=customer.id).update(telegram_chat_id=5001)
    other = await make_customer(name="JOAO SOUZA")
    csrf = await sign_in(Role.ATTENDANT)

    for text in ("/start", "529.982.247-25", "17/05/1980"):
        await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": text})
    page = (await browser.get("/console/simulator")).text
    assert "Maria" in page and "R$\xa099,90" in page  # identified

    conversation = await Conversation.get(channel="console")
    assert conversation.customer_id == customer.id
    # The simulator links no channel address: the debtor's Telegram chat stays theirs.
    await customer.refresh_from_db()
    await other.refresh_from_db()
    assert customer.telegram_chat_id == 5001 and other.telegram_chat_id is None


async def test_simulator_needs_the_permission_and_the_token(browser, sign_in):
    csrf = await sign_in(Role.AGENCY)
    assert (await browser.get("/console/simulator")).status_code == 403
    refused = await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": "oi"})
    assert refused.status_code == 403
    await sign_in(Role.ATTENDANT)
    no_token = await browser.post("/console/simulator/send", data={"text": "oi"})
    assert no_token.status_code == 403
    assert await Message.all().count() == 0


async def test_typed_identification_is_masked_on_the_console(browser, sign_in):
    await _debtor()
    csrf = await sign_in(Role.ATTENDANT)
    for text in ("/start", "529.982.247-25", "17/05/1980"):
        await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": text})
    conversation = await Conversation.get(channel="console")
    assert conversation.customer_id is not None  # identified all the same

    for page in (
        (await browser.get(f"/console/conversations/{conversation.id}")).text,
        (await browser.get("/console/simulator")).text,
    ):
        assert "CPF 529.***.***-25" in page and "[data de nascimento informada]" in page
        assert "982.247" not in page and CPF not in page and "17/05/1980" not in page


async def test_a_closed_simulated_chat_goes_on_as_the_same_debtor(browser, sign_in):
    customer = await _debtor()
    csrf = await sign_in(Role.ATTENDANT)
    for text in ("/start", CPF, "17/05/1980", "/atendente"):
        await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": text})
    first = await Conversation.get(channel="console")
    closed = await browser.post(
        f"/console/conversations/{first.id}/close", data={"csrf_token": csrf}
    )
    assert closed.status_code == 303

    await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": "/divida"})
    second = await Conversation.filter(channel="console").exclude(id=first.id).get()
    assert second.customer_id == customer.id
    page = (await browser.get("/console/simulator")).text
    assert "Total hoje" in page


async def test_a_handed_back_simulated_chat_shows_the_step_the_debtor_was_on(browser, sign_in):
    await _debtor()
    csrf = await sign_in(Role.ATTENDANT)
    for text in ("/start", CPF, "17/05/1980"):
        await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": text})
    await browser.post("/console/simulator/press", data={"csrf_token": csrf, "action": "offers"})
    offers = _buttons((await browser.get("/console/simulator")).text)
    assert any("À vista" in label for label, _ in offers)
    await browser.post("/console/simulator/send", data={"csrf_token": csrf, "text": "/atendente"})
    assert _buttons((await browser.get("/console/simulator")).text) != offers

    conversation = await Conversation.get(channel="console")
    back = await browser.post(
        f"/console/conversations/{conversation.id}/hand-back", data={"csrf_token": csrf}
    )
    assert back.status_code == 303
    page = (await browser.get("/console/simulator")).text
    # After the hand-back notice, the offers again, their buttons working.
    last = await Message.filter(conversation_id=conversation.id).order_by("-id").first()
    assert str(last.author) == "bot"
    assert _buttons(page) == offers
