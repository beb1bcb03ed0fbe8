"""Escalation and takeover across the bot and the admin API, with the real aiogram client and
the fake Bot API server."""

from __future__ import annotations

from admin.passwords import hash_password
from models import Conversation, Message, User
from models.enums import ConversationState, Role
from tests.bot.test_dialog import CPF, _debtor


async def _attendant_headers(client, username="ana") -> dict[str, str]:
    await User.create(
        username=username, role=Role.ATTENDANT, password_hash=hash_password("senha-123")
    )
    token = (
        await client.post(
            "/api/v1/auth/token", data={"username": username, "password": "senha-123"}
        )
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def test_claim_reply_and_hand_back_resumes_where_the_debtor_was(bot_app, new_chat):
    await _debtor()
    chat = new_chat(7001)
    await chat.say(CPF)
    await chat.say("17/05/1980")
    await chat.press("offers")
    escalation = await chat.press("human")
    assert "atendente" in escalation[0]

    headers = await _attendant_headers(bot_app)
    inbox = (await bot_app.get("/api/v1/conversations", headers=headers)).json()
    conversation_id = (
        inbox[0]["conversation"]["id"] if "conversation" in inbox[0] else inbox[0]["id"]
    )
    claimed = await bot_app.post(f"/api/v1/conversations/{conversation_id}/claim", headers=headers)
    assert claimed.status_code == 200

    # While claimed the bot says nothing, to messages or to buttons; all is on the timeline.
    assert await chat.say("posso pagar dia 10?") == []
    assert await chat.press("offers") == []

    before = len(chat.calls())
    sent = await bot_app.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"text": "Pode sim, vou ajustar para você."},
        headers=headers,
    )
    assert sent.status_code == 201
    # Signed with the attendant's and the creditor's names (CDC art. 42-A).
    signed = "Ana, da Provedor Exemplo Ltda: Pode sim, vou ajustar para você."
    assert chat.texts(since=before) == [signed]

    before = len(chat.calls())
    back = await bot_app.post(f"/api/v1/conversations/{conversation_id}/hand-back", headers=headers)
    assert back.status_code == 200
    after = chat.texts(since=before)
    assert after[0].startswith("Você voltou ao atendimento automático")
    assert "Propostas" in after[1]  # the screen the debtor was on when they asked for a person
    assert (await Conversation.get(id=conversation_id)).state == ConversationState.BOT

    authors = await Message.filter(conversation_id=conversation_id).values_list("author", flat=True)
    assert {"debtor", "bot", "attendant", "system"} <= set(authors)
    texts = await Message.filter(conversation_id=conversation_id).values_list("text", flat=True)
    assert "posso pagar dia 10?" in texts and signed in texts
