"""The attendants' inbox through the API, with replies going out through aiogram's real Bot to
the fake Telegram Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from models import AuditLog, Conversation, Message
from models.enums import Channel, MessageAuthor, Role
from negotiation import conversations as conv
from quita.app import create_app
from quita.settings import Settings
from tests.factories import make_customer
from tests.fakes.telegram_api import FakeTelegramAPI

SP = ZoneInfo("America/Sao_Paulo")
OPEN_HOURS = datetime(2026, 11, 27, 10, tzinfo=SP)
SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)


@pytest.fixture
async def app(db, telegram_api: FakeTelegramAPI) -> AsyncIterator[FastAPI]:
    """The real app: its own Telegram relay and bot, on the fake Bot API server."""
    settings = Settings(
        database_url=db,
        secret_key="a-test-secret-of-at-least-32-bytes-long",
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
        telegram_chat_interval=0,
    )
    app = create_app(settings)
    yield app
    await app.state.channels.aclose()
    await app.state.channels.aclose()


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    """Overrides tests/admin/conftest.py's: the same app, with the Telegram relay."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _waiting(ref: str = "4242", at: datetime = OPEN_HOURS, **kwargs) -> Conversation:
    conversation = await conv.open_for(Channel.TELEGRAM, ref, **kwargs)
    await conv.record(
        conversation, "in", "debtor", "quero falar com alguém", channel_message_id="u1"
    )
    await conv.escalate(conversation, at, SETTINGS)
    return conversation


async def test_agency_may_not_see_conversations(api, as_role):
    conversation = await _waiting()
    headers = await as_role(Role.AGENCY)
    assert (await api.get("/api/v1/conversations", headers=headers)).status_code == 403
    answer = await api.post(f"/api/v1/conversations/{conversation.id}/claim", headers=headers)
    assert answer.status_code == 403
    assert (await api.get("/api/v1/conversations")).status_code == 401


async def test_inbox_waiting_first_oldest_first(api, as_role):
    customer = await make_customer(name="João Souza")
    in_bot = await conv.open_for(Channel.TELEGRAM, "1")
    late = await _waiting("2", OPEN_HOURS.replace(minute=30), customer_id=customer.id)
    early = await _waiting("3", OPEN_HOURS)
    headers = await as_role(Role.ATTENDANT)
    answer = await api.get("/api/v1/conversations", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [c["id"] for c in body] == [early.id, late.id, in_bot.id]
    assert body[1]["customer_name"] == "João Souza"
    assert body[0]["state"] == "waiting"
    assert body[0]["last_message"]["author"] == "system"  # the escalation notice
    assert body[2]["last_message"] is None
    assert [c["contact"] for c in body] == ["3", "2", "1"]  # a chat's handle
    only = await api.get("/api/v1/conversations", params={"state": "bot"}, headers=headers)
    assert [c["id"] for c in only.json()] == [in_bot.id]
    bad = await api.get("/api/v1/conversations", params={"state": "nope"}, headers=headers)
    assert bad.status_code == 422


async def test_claim_reply_hand_back_close_end_to_end(
    api,
    as_role,
    users,
    telegram_api: FakeTelegramAPI,
):
    conversation = await _waiting("4242")
    attendant = await as_role(Role.ATTENDANT)
    other = await as_role(Role.SUPERVISOR)
    base = f"/api/v1/conversations/{conversation.id}"

    claimed = await api.post(f"{base}/claim", headers=attendant)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["state"] == "claimed"
    assert claimed.json()["assigned_to"] == "attendant"
    second = await api.post(f"{base}/claim", headers=other)
    assert second.status_code == 409
    assert second.json()["detail"] == "conversa já assumida por attendant"

    sent = await api.post(
        f"{base}/messages", json={"text": "Olá! Sou a atendente."}, headers=attendant
    )
    assert sent.status_code == 201, sent.text
    (call,) = telegram_api.sent_to(4242)
    assert call.params["text"] == "Attendant, da Provedor Exemplo Ltda: Olá! Sou a atendente."
    assert sent.json()["channel_message_id"] == f"out:{call.result['message_id']}"
    assert sent.json()["author"] == "attendant"
    assert sent.json()["author_user_id"] == users[Role.ATTENDANT].id

    empty = await api.post(f"{base}/messages", json={"text": "  "}, headers=attendant)
    assert empty.status_code == 422

    detail = await api.get(base, headers=attendant)
    assert detail.status_code == 200
    authors = [m["author"] for m in detail.json()["messages"]]
    assert authors == ["debtor", "system", "attendant"]

    back = await api.post(f"{base}/hand-back", headers=attendant)
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "bot" and back.json()["assigned_to"] is None
    texts = [c.params["text"] for c in telegram_api.sent_to(4242)]
    assert texts[-2].startswith("Você voltou ao atendimento automático.")
    assert "CPF" in texts[-1]  # the bot resumes: this debtor had not identified yet

    closed = await api.post(f"{base}/close", headers=attendant)
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    assert (await api.post(f"{base}/claim", headers=other)).status_code == 409
    actions = await AuditLog.filter(entity="conversation", entity_id=str(conversation.id))
    assert {"escalate", "claim", "reply", "hand_back", "close"} <= {a.action for a in actions}


async def test_reply_by_non_owner_refused_and_supervisor_allowed(
    api,
    as_role,
    users,
    telegram_api: FakeTelegramAPI,
):
    conversation = await _waiting("77")
    await conv.claim(conversation.id, users[Role.ADMIN])  # someone else took it
    base = f"/api/v1/conversations/{conversation.id}"
    refused = await api.post(
        f"{base}/messages", json={"text": "oi"}, headers=await as_role(Role.ATTENDANT)
    )
    assert refused.status_code == 403
    assert "admin" in refused.json()["detail"]
    assert telegram_api.sent_to(77) == []
    allowed = await api.post(
        f"{base}/messages", json={"text": "oi"}, headers=await as_role(Role.SUPERVISOR)
    )
    assert allowed.status_code == 201


async def test_reply_on_waiting_conversation_must_claim_first(api, as_role):
    conversation = await _waiting("5")
    answer = await api.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"text": "oi"},
        headers=await as_role(Role.ATTENDANT),
    )
    assert answer.status_code == 409


async def test_telegram_failure_is_502_and_nothing_stored(
    api,
    as_role,
    users,
    telegram_api: FakeTelegramAPI,
):
    conversation = await _waiting("66")
    await conv.claim(conversation.id, users[Role.ATTENDANT])
    telegram_api.block_next()
    answer = await api.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"text": "oi"},
        headers=await as_role(Role.ATTENDANT),
    )
    assert answer.status_code == 502
    assert not await Message.filter(
        conversation_id=conversation.id, author=MessageAuthor.ATTENDANT
    ).exists()


async def test_channel_without_relay_is_a_conflict(api, as_role, users):
    conversation = await conv.open_for(Channel.VOICE, "CA123")
    await conv.claim(conversation.id, users[Role.ATTENDANT])
    answer = await api.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"text": "oi"},
        headers=await as_role(Role.ATTENDANT),
    )
    assert answer.status_code == 409
    assert "canal sem envio configurado" in answer.json()["detail"]


async def test_unknown_conversation_is_404(api, as_role):
    headers = await as_role(Role.ATTENDANT)
    assert (await api.get("/api/v1/conversations/999", headers=headers)).status_code == 404
    assert (await api.post("/api/v1/conversations/999/claim", headers=headers)).status_code == 404
    assert (await api.post("/api/v1/conversations/999/close", headers=headers)).status_code == 404
    assert await Conversation.all().count() == 0
