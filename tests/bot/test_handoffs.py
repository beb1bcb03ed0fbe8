"""Handoffs that never strand the debtor, on Telegram through the fake Bot API and the admin
API: waiting keeps self-service, the person's reply arrives whatever the debtor did, hand-back
resumes the very step, closing keeps the customer, an expired link keeps the identification;
and the creditor is named on the debt's screens and on the attendant's messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Conversation, Message, clock
from models.enums import ConversationState
from negotiation.deep_links import make_link_token
from tests.bot.test_dialog import CPF, _debtor
from tests.bot.test_takeover import _attendant_headers

ISP = "Provedor Exemplo Ltda"
CNPJ = "11.222.333/0001-81"
# A Friday at 23:00 in São Paulo: the attendants (08:00-18:00) are gone.
NIGHT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def _identified(new_chat, chat_id: int):
    chat = new_chat(chat_id)
    await chat.say(CPF)
    await chat.say("17/05/1980")
    return chat


async def _conversation(chat_id: int) -> Conversation:
    return (
        await Conversation.filter(external_ref=str(chat_id))
        .exclude(state=ConversationState.CLOSED)
        .get()
    )


async def test_waiting_for_a_person_outside_hours_keeps_self_service(bot_app, new_chat):
    clock.travel(NIGHT)
    await _debtor()
    chat = await _identified(new_chat, 7101)
    told = await chat.press("human")
    assert "fechado agora" in told[0] and "continue comigo" in told[0]

    # Commands and buttons still answer, as the bot just promised.
    debt = " ".join(await chat.say("/divida"))
    assert "Total hoje" in debt and "Um atendente já foi chamado" not in debt
    offers = " ".join(await chat.press("offers"))
    assert "Propostas" in offers
    # What the bot does not understand was likely meant for the person: it is kept for them.
    held = await chat.say("vocês aceitam cartão?")
    assert len(held) == 1 and "atendente já foi chamado" in held[0]
    assert "Sua mensagem ficou registrada" in held[0]

    conversation = await _conversation(7101)
    assert conversation.state == ConversationState.WAITING
    headers = await _attendant_headers(bot_app)
    waiting = (
        await bot_app.get("/api/v1/conversations", params={"state": "waiting"}, headers=headers)
    ).json()
    assert [c["id"] for c in waiting] == [conversation.id]


async def test_the_persons_reply_arrives_after_the_debtor_went_on_with_the_bot(bot_app, new_chat):
    clock.travel(NIGHT)
    await _debtor()
    chat = await _identified(new_chat, 7102)
    await chat.press("human")
    await chat.press("offers")  # the debtor goes on alone meanwhile
    await chat.press(next(a for label, a in chat.buttons() if "x de" in label))

    clock.travel(NIGHT + timedelta(days=2, hours=10))  # Monday, 09:00: someone is in
    conversation = await _conversation(7102)
    headers = await _attendant_headers(bot_app)
    claimed = await bot_app.post(f"/api/v1/conversations/{conversation.id}/claim", headers=headers)
    assert claimed.status_code == 200
    before = len(chat.calls())
    sent = await bot_app.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"text": "Bom dia! Vi que você pediu ajuda."},
        headers=headers,
    )
    assert sent.status_code == 201
    assert chat.texts(since=before) == [f"Ana, da {ISP}: Bom dia! Vi que você pediu ajuda."]


async def test_hand_back_on_the_confirmation_screen_resumes_it(bot_app, new_chat):
    customer = await _debtor()
    chat = await _identified(new_chat, 7103)
    await chat.press("offers")
    confirm = " ".join(await chat.press(next(a for label, a in chat.buttons() if "x de" in label)))
    assert "Confira o acordo" in confirm
    total = confirm.split("Total: ")[1].split("\n")[0]
    await chat.press("human")

    conversation = await _conversation(7103)
    headers = await _attendant_headers(bot_app)
    await bot_app.post(f"/api/v1/conversations/{conversation.id}/claim", headers=headers)
    before = len(chat.calls())
    back = await bot_app.post(f"/api/v1/conversations/{conversation.id}/hand-back", headers=headers)
    assert back.status_code == 200
    after = chat.texts(since=before)
    assert after[0].startswith("Você voltou ao atendimento automático")
    # The same offer's confirmation screen, priced again, not the offers list.
    assert "Confira o acordo" in after[1] and f"Total: {total}" in after[1]
    assert "Propostas" not in after[1]
    done = await chat.press("confirm")
    assert "Acordo nº" in done[0]
    assert await customer.agreements.all().count() == 1


async def test_hand_back_while_typing_a_down_payment_asks_for_it_again(bot_app, new_chat):
    await _debtor()
    chat = await _identified(new_chat, 7104)
    await chat.press("offers")
    await chat.press(next(a for label, a in chat.buttons() if "Entrada" in label))
    typing = " ".join(await chat.press("d.other"))
    await chat.say("/atendente")

    conversation = await _conversation(7104)
    headers = await _attendant_headers(bot_app)
    await bot_app.post(f"/api/v1/conversations/{conversation.id}/claim", headers=headers)
    before = len(chat.calls())
    await bot_app.post(f"/api/v1/conversations/{conversation.id}/hand-back", headers=headers)
    assert chat.texts(since=before)[1] == typing
    confirm = " ".join(await chat.say("100,00"))
    assert "Confira o acordo" in confirm and "R$\xa0100,00" in confirm


async def test_encerrar_keeps_the_customer_on_the_next_conversation(bot_app, new_chat):
    customer = await _debtor()
    chat = await _identified(new_chat, 7105)
    await chat.press("human")
    first = await _conversation(7105)
    headers = await _attendant_headers(bot_app)
    await bot_app.post(f"/api/v1/conversations/{first.id}/claim", headers=headers)
    closed = await bot_app.post(f"/api/v1/conversations/{first.id}/close", headers=headers)
    assert closed.status_code == 200

    shown = " ".join(await chat.say("/divida"))
    assert "Total hoje" in shown  # still identified
    second = await _conversation(7105)
    assert second.id != first.id and second.customer_id == customer.id
    listed = (await bot_app.get("/api/v1/conversations", headers=headers)).json()
    assert any(c["id"] == second.id and c["customer_id"] == customer.id for c in listed)


async def test_an_expired_link_keeps_an_identified_chat_identified(bot_app, new_chat):
    customer = await _debtor()
    secret = bot_app.app.state.settings.secret_key
    expired = make_link_token(customer.id, secret, now=clock.now() - timedelta(days=4))
    chat = await _identified(new_chat, 7106)

    answer = await chat.say(f"/start {expired}")
    assert "não vale mais" in answer[0] and "continua identificado" in answer[0]
    assert "CPF" not in answer[0]
    assert "Total hoje" in " ".join(await chat.say("/divida"))

    stranger = new_chat(7107)
    asked = await stranger.say(f"/start {expired}")
    assert "não vale mais" in asked[0] and "CPF" in asked[0]
    assert "Total hoje" not in " ".join(await stranger.say("/divida"))


async def test_the_debt_screens_name_the_creditor(bot_app, new_chat):
    await _debtor()
    chat = new_chat(7108)
    await chat.say(CPF)
    debt = await chat.say("17/05/1980")
    offers = await chat.press("offers")
    confirm = await chat.press(next(a for label, a in chat.buttons() if "x de" in label))
    for screen in (debt[-1], offers[-1], confirm[-1]):
        assert f"Credor: {ISP}, CNPJ {CNPJ}." in screen


async def test_typed_identification_is_masked_on_the_timeline_and_the_api(bot_app, new_chat):
    await _debtor()
    chat = new_chat(7109)
    await chat.say("529.982.247-25")
    await chat.say("17/05/1980")
    conversation = await _conversation(7109)
    texts = await Message.filter(conversation_id=conversation.id).values_list("text", flat=True)
    assert "CPF 529.***.***-25" in texts and "[data de nascimento informada]" in texts
    assert not any("982.247" in t or "52998224725" in t or "17/05/1980" in t for t in texts)

    headers = await _attendant_headers(bot_app)
    detail = await bot_app.get(f"/api/v1/conversations/{conversation.id}", headers=headers)
    body = detail.text
    assert "529.***.***-25" in body and "data de nascimento informada" in body
    assert "982.247" not in body and "17/05/1980" not in body
