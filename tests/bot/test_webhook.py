"""POST /telegram/webhook: the secret, unreadable bodies, redeliveries, several instances,
Telegram's 429 — with the real app, aiogram and the fake Bot API server."""

from __future__ import annotations

import os
import socket
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from models import DialogState, InboundEvent, InboundSource, InboundStatus, Message, clock
from quita.app import create_app
from quita.channels import build_channels
from quita.jobs import tick
from tests.bot.conftest import SECRET, Chat, bot_settings
from tests.bot.test_dialog import CPF, _debtor


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_happens(new_chat, telegram_api):
    chat = new_chat(6001)
    wrong = await chat.post({"message": chat._message(text="/start")}, secret="errado")
    assert wrong.status_code == 401
    missing = await chat.clients[0].post("/telegram/webhook", json={"update_id": 1})
    assert missing.status_code == 401
    assert telegram_api.sent_to(6001) == [] and await InboundEvent.all().count() == 0


async def test_garbage_gets_400_without_a_traceback(bot_app):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}'):
        answer = await bot_app.post("/telegram/webhook", content=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json() == {"detail": "corpo do webhook ilegível"}


async def test_a_redelivered_update_gets_one_reply(new_chat, telegram_api):
    chat = new_chat(6002)
    update = {"update_id": 424242, "message": chat._message(text="/ajuda")}
    first = await chat.post(dict(update))
    again = await chat.post(dict(update))
    assert first.json() == {"ok": True} and again.json()["duplicate"] is True
    assert len(telegram_api.sent_to(6002)) == 1
    assert await Message.filter(direction="in").count() == 1


async def test_a_429_from_telegram_is_waited_out(new_chat, telegram_api):
    chat = new_chat(6003)
    telegram_api.rate_limit_next(times=1, retry_after=1)
    replies = await chat.say("/ajuda")
    assert replies and "/divida" in replies[0]
    assert [c.status for c in telegram_api.calls_of("sendMessage")][:2] == [429, 200]


@pytest.fixture
async def second_instance(db, telegram_api):
    app = create_app(bot_settings(db, telegram_api))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client
    await app.state.channels.aclose()
    await app.state.channels.aclose()


async def test_two_instances_serve_one_conversation(new_chat, bot_app, second_instance):
    await _debtor()
    chat = new_chat(6004, bot_app, second_instance)  # updates alternate between the two
    await chat.say(CPF)
    shown = " ".join(await chat.say("17/05/1980"))
    assert "Total hoje" in shown
    assert "Propostas" in " ".join(await chat.press("offers"))
    assert await DialogState.filter(key__contains="6004").count() == 1


def _own_redis_db() -> str:
    """A Redis database for this test process alone: the suite's workers (gw0, gw1, ...) run
    at once, and each empties its own database (7, 8, ...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{7 + int(worker.removeprefix('gw'))}"


@pytest.fixture
async def redis_apps(db, telegram_api):
    """Two instances sharing dialog state through Redis (a database of its own, emptied)."""
    url = _own_redis_db()
    await Redis.from_url(url).flushdb()
    apps = [create_app(bot_settings(db, telegram_api, redis_url=url)) for _ in range(2)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://test")
        for a in apps
    ]
    yield clients
    for client, app in zip(clients, apps, strict=True):
        await client.aclose()
        await app.state.channels.aclose()
        await app.state.channels.aclose()
    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()


async def test_with_redis_the_state_lives_there_per_chat(new_chat, redis_apps):
    await _debtor()
    maria = new_chat(6005, *redis_apps)
    stranger = new_chat(6006, *redis_apps)
    await maria.say(CPF)
    assert "Obrigado" not in " ".join(await stranger.say("17/05/1980"))  # not Maria's step
    assert "Total hoje" in " ".join(await maria.say("17/05/1980"))
    assert await DialogState.all().count() == 0
    redis = Redis.from_url(_own_redis_db())
    keys = sorted(k.decode() for k in await redis.keys("quita:fsm:*"))
    await redis.aclose()
    assert any(":6005:6005:" in k for k in keys) and any(":6006:6006:" in k for k in keys)


async def test_an_update_id_beyond_64_bits_is_refused_not_a_crash(bot_app, new_chat):
    chat = new_chat(6007)
    for update_id in (2**63, -1):
        answer = await chat.post({"update_id": update_id, "message": chat._message(text="oi")})
        assert answer.status_code == 400 and answer.json() == {
            "detail": "corpo do webhook ilegível"
        }
    assert await InboundEvent.all().count() == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


async def test_an_update_whose_handling_failed_is_handled_once_by_the_jobs(db, telegram_api):
    # The dialog state lives in a Redis that is down: the update is on record, its handling
    # fails, Telegram is answered 200 (a redelivery would hold up the chat).
    down = bot_settings(db, telegram_api, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    app = create_app(down)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        chat = Chat([client], telegram_api, 6008)
        update = {"update_id": 737373, "message": chat._message(text="/ajuda")}
        answer = await chat.post(dict(update))
        assert answer.status_code == 200
        event = await InboundEvent.get(source=InboundSource.TELEGRAM, provider_id="737373")
        assert event.status == InboundStatus.PENDING and event.attempts == 1
        assert "ConnectionError" in event.last_error and telegram_api.sent_to(6008) == []
    await app.state.channels.aclose()

    # The jobs of an instance whose storage works: not before the pause, then exactly once.
    working = bot_settings(db, telegram_api)
    channels = build_channels(working)
    try:
        await tick(working, clock.today_in(working.timezone), channels)
        assert telegram_api.sent_to(6008) == []
        clock.travel(clock.now() + timedelta(minutes=2))
        await tick(working, clock.today_in(working.timezone), channels)
        await tick(working, clock.today_in(working.timezone), channels)
    finally:
        await channels.aclose()
    replies = telegram_api.sent_to(6008)
    assert len(replies) == 1 and "/divida" in replies[0].params["text"]
    event = await InboundEvent.get(id=event.id)
    assert event.status == InboundStatus.DONE and event.attempts == 2

    # Telegram delivering it again changes nothing.
    async with _app(working) as client:
        again = await Chat([client], telegram_api, 6008).post(dict(update))
    assert again.json() == {"ok": True, "duplicate": True}
    assert len(telegram_api.sent_to(6008)) == 1


@asynccontextmanager
async def _app(settings):
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await app.state.channels.aclose()
