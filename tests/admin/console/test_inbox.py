"""The console's inbox and conversation page: live lists (SSE), claim, reply through the real
Telegram relay (the fake Bot API server), the debtor's answer arriving live, hand back."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from models import Call, Conversation
from models.enums import CallDirection, CallStatus, Channel, Role
from negotiation import conversations as conv
from quita.app import create_app
from quita.settings import Settings
from tests.admin.conftest import PASSWORD
from tests.admin.console.conftest import csrf_of, login_form
from tests.factories import make_customer
from tests.fakes.telegram_api import FakeTelegramAPI

SP = ZoneInfo("America/Sao_Paulo")
OPEN_HOURS = datetime(2026, 11, 27, 10, tzinfo=SP)
SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)


@pytest.fixture
async def console_app(db, telegram_api: FakeTelegramAPI):
    """Overrides the console conftest's: the real app with its Telegram relay and bot, and
    short live streams so a test reading one ends."""
    app = create_app(
        Settings(
            database_url=db,
            secret_key="a-test-secret-of-at-least-32-bytes-long",
            jobs=False,
            telegram_token=telegram_api.token,
            telegram_api_server=telegram_api.url,
            telegram_chat_interval=0,
        )
    )
    app.state.console_sse_poll = 0.05
    app.state.console_sse_seconds = 1.0
    yield app
    await app.state.channels.aclose()
    await app.state.channels.aclose()


@pytest.fixture
async def second(console_app, users) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, signed in as the supervisor."""
    transport = httpx.ASGITransport(app=console_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        form = await login_form(client, username="supervisor", password=PASSWORD)
        answer = await client.post("/console/login", data=form)
        assert answer.status_code == 303
        client.headers["X-CSRF-Token"] = csrf_of((await client.get("/console")).text)
        yield client


async def _waiting(ref: str = "4242", at: datetime = OPEN_HOURS, **kwargs) -> Conversation:
    conversation = await conv.open_for(Channel.TELEGRAM, ref, **kwargs)
    await conv.record(
        conversation, "in", "debtor", "quero falar com alguém", channel_message_id="u1"
    )
    await conv.escalate(conversation, at, SETTINGS)
    return conversation


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


async def test_inbox_waiting_first_and_filters(browser, sign_in):
    customer = await make_customer(name="João Souza")
    in_bot = await conv.open_for(Channel.TELEGRAM, "1")
    late = await _waiting("2", OPEN_HOURS.replace(minute=30), customer_id=customer.id)
    early = await _waiting("3", OPEN_HOURS)
    await sign_in(Role.ATTENDANT)
    page = await browser.get("/console/inbox")
    assert page.status_code == 200, page.text
    assert _rows(page.text) == [early.id, late.id, in_bot.id]
    assert "João Souza" in page.text
    assert "Aguardando" in page.text and "Com o robô" in page.text
    assert 'href="/console/inbox"' in page.text and "Atualizar" in page.text
    assert '<label for="state">' in page.text
    fragment = await browser.get("/console/inbox/list", params={"state": "bot"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert _rows(fragment.text) == [in_bot.id]
    bad = await browser.get("/console/inbox", params={"state": "nope"})
    assert bad.status_code == 422


async def test_inbox_events_announce_a_change(browser, sign_in):
    await sign_in(Role.ATTENDANT)

    async def later():
        await asyncio.sleep(0.3)
        await _waiting("77")

    task = asyncio.create_task(later())
    answer = await asyncio.wait_for(browser.get("/console/inbox/events"), timeout=10)
    await task
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert ": conectado" in answer.text
    assert 'event: inbox\ndata: {"waiting": 1}' in answer.text


async def test_inbox_events_stream_can_be_read_incrementally(browser, sign_in):
    await sign_in(Role.ATTENDANT)
    async with browser.stream("GET", "/console/inbox/events") as answer:
        assert answer.status_code == 200
        first = await asyncio.wait_for(anext(answer.aiter_text()), timeout=10)
    assert first.startswith("retry:")


async def test_agency_is_refused(browser, sign_in):
    conversation = await _waiting()
    csrf = await sign_in(Role.AGENCY)
    assert (await browser.get("/console/inbox")).status_code == 403
    assert (await browser.get("/console/inbox/events")).status_code == 403
    assert (await browser.get(f"/console/conversations/{conversation.id}")).status_code == 403
    answer = await browser.post(
        f"/console/conversations/{conversation.id}/claim", data={"csrf_token": csrf}
    )
    assert answer.status_code == 403
    assert (await Conversation.get(id=conversation.id)).state == "waiting"
    for action, fields in (("messages", {"text": "Olá"}), ("hand-back", {}), ("close", {})):
        answer = await browser.post(
            f"/console/conversations/{conversation.id}/{action}",
            data={"csrf_token": csrf, **fields},
        )
        assert answer.status_code == 403
    assert (await Conversation.get(id=conversation.id)).state == "waiting"


async def test_claim_conflict_reply_live_answer_hand_back(
    browser, sign_in, second, telegram_api: FakeTelegramAPI
):
    conversation = await _waiting("4242")
    csrf = await sign_in(Role.ATTENDANT)
    base = f"/console/conversations/{conversation.id}"

    shown = await browser.get(base)
    assert shown.status_code == 200
    assert "quero falar com alguém" in shown.text
    assert ">Assumir</button>" in shown.text
    assert re.search(r"\d\d/\d\d \d\d:\d\d", shown.text)

    no_token = await browser.post(f"{base}/claim")
    assert no_token.status_code == 403

    claimed = await browser.post(f"{base}/claim", data={"csrf_token": csrf})
    assert claimed.status_code == 303
    assert claimed.headers["location"] == f"{base}?ok=claimed"
    page = await browser.get(claimed.headers["location"])
    assert "Conversa assumida." in page.text
    assert '<label for="reply-text">' in page.text and ">Enviar</button>" in page.text

    conflict = await second.post(f"{base}/claim")
    assert conflict.status_code == 409
    assert "Conversa já assumida por attendant" in conflict.text
    assert "<h1>Conversa" in conflict.text  # the conversation page, with the reason

    sent = await browser.post(
        f"{base}/messages", data={"csrf_token": csrf, "text": "Olá! Sou a atendente."}
    )
    assert sent.status_code == 303, sent.text
    (call,) = telegram_api.sent_to(4242)
    assert call.params["text"] == "Attendant, da Provedor Exemplo Ltda: Olá! Sou a atendente."

    empty = await browser.post(f"{base}/messages", data={"csrf_token": csrf, "text": "  "})
    assert empty.status_code == 422
    assert "Escreva a mensagem" in empty.text

    by_fetch = await browser.post(
        f"{base}/messages",
        data={"csrf_token": csrf, "text": ""},
        headers={"Accept": "application/json"},
    )
    assert by_fetch.status_code == 422
    assert "vazio" in by_fetch.json()["error"]

    # The debtor answers while the attendant's page listens.
    page = await browser.get(base)
    last = re.findall(r'data-id="(\d+)"', page.text)[-1]

    async def debtor_answers():
        await asyncio.sleep(0.3)
        await conv.record(
            conversation, "in", "debtor", "Oi, quero parcelar", channel_message_id="u9"
        )

    task = asyncio.create_task(debtor_answers())
    live = await asyncio.wait_for(browser.get(f"{base}/events", params={"after": last}), 10)
    await task
    assert live.status_code == 200
    events = live.text.split("\n\n")
    messages = [e for e in events if e.startswith("event: message")]
    assert len(messages) == 1
    assert "Oi, quero parcelar" in messages[0]
    assert "Olá! Sou a atendente." not in live.text  # already on the page

    back = await browser.post(f"{base}/hand-back", data={"csrf_token": csrf})
    assert back.status_code == 303
    assert back.headers["location"] == f"{base}?ok=handed_back"
    assert (await Conversation.get(id=conversation.id)).state == "bot"
    texts = [c.params.get("text", "") for c in telegram_api.sent_to(4242)]
    assert len(texts) >= 2  # the hand-back notice (and the bot's screen, resumed)

    closed = await browser.post(f"{base}/close", data={"csrf_token": csrf})
    assert closed.status_code == 303
    page = await browser.get(closed.headers["location"])
    assert "Encerrada" in page.text and ">Assumir</button>" not in page.text


async def test_an_unidentified_caller_shows_the_number_to_call_back(browser, sign_in):
    """A call's conversation is known by the call's SID; the attendant sees the number."""
    sid = "CA" + "7" * 32
    await Call.create(
        sid=sid,
        direction=CallDirection.INBOUND,
        status=CallStatus.COMPLETED,
        from_number="+5511900002222",
        to_number="+551933334444",
    )
    await conv.open_for(Channel.VOICE, sid)
    await sign_in(Role.ATTENDANT)
    page = await browser.get("/console/inbox")
    assert "não identificado (+5511900002222)" in page.text and sid not in page.text
