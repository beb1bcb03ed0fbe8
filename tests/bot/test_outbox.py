"""The Telegram outbound plumbing: aiogram's real client against the fake Bot API over HTTP.
Waits are checked through an injected clock and sleep, never by timing."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis
from aiogram import Bot

from bot.client import close_bot, make_bot
from bot.outbox import Limiter, RedisLimiter, SendError, TelegramSender
from quita.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI

REDIS_URL = "redis://127.0.0.1:6379/0"
PDF = b"%PDF-1.4\n% boleto\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class FakeTime:
    """Clock and sleep in one: sleeping only moves the clock, and is recorded."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime: str


@dataclass
class Message:
    recipient: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def settings_for(api: FakeTelegramAPI, token: str | None = None) -> Settings:
    return Settings(
        telegram_token=token or api.token,
        telegram_api_server=api.url,
        secret_key="test-secret",
        database_url="sqlite://:memory:",
    )


class Recorder:
    """A request middleware registered after the pacing one: sees when each call leaves."""

    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str | None]] = []

    async def __call__(self, make_request, bot, method):
        chat_id = getattr(method, "chat_id", None)
        self.sent.append((self.clock(), None if chat_id is None else str(chat_id)))
        return await make_request(bot, method)


@pytest.fixture
async def bots(telegram_api: FakeTelegramAPI):
    made: list[Bot] = []

    def make(limiter: Limiter, token: str | None = None) -> Bot:
        bot = make_bot(settings_for(telegram_api, token), limiter=limiter)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await close_bot(bot)


def paced(clock: FakeTime, **kwargs) -> Limiter:
    return Limiter(clock=clock, sleep=clock.sleep, **kwargs)


async def test_plain_text_bot_on_the_configured_server(telegram_api, bots):
    bot = bots(paced(FakeTime()))
    assert bot.default.parse_mode is None
    me = await bot.get_me()
    assert me.username == "QuitaBot"
    await bot.send_message(42, "Olá, *Maria_Silva* [teste]")
    (call,) = telegram_api.sent_to(42)
    assert call.params["text"] == "Olá, *Maria_Silva* [teste]"
    assert "parse_mode" not in call.params


async def test_sender_sends_text_pdf_and_png(telegram_api, bots):
    clock = FakeTime()
    sender = TelegramSender(bots(paced(clock)))
    assert sender.channel == "telegram"
    message = Message(
        recipient="42",
        text="Seu acordo: 3 parcelas de R$ 50,00",
        attachments=[
            Attachment("boleto.pdf", PDF, "application/pdf"),
            Attachment("pix.png", PNG, "image/png"),
        ],
    )

    external_id = await sender.send(message)

    text, document, photo = telegram_api.sent_to(42)
    assert (text.method, document.method, photo.method) == (
        "sendMessage",
        "sendDocument",
        "sendPhoto",
    )
    assert external_id == str(text.result["message_id"])
    assert text.params["text"] == message.text
    assert document.files["document"].filename == "boleto.pdf"
    assert document.files["document"].content == PDF
    assert photo.files["photo"].content == PNG
    assert clock.sleeps == [1.0, 1.0]  # one message per second to the same chat


async def test_retry_after_is_waited_out(telegram_api, bots):
    clock = FakeTime()
    sender = TelegramSender(bots(paced(clock)))
    telegram_api.rate_limit_next(retry_after=1)

    external_id = await sender.send(Message("42", "Olá"))

    first, second = telegram_api.calls_of("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert external_id == str(second.result["message_id"])
    assert clock.sleeps == [1]  # retry_after, and the chat's second is over by then


async def test_retry_after_gives_up_after_the_tries(telegram_api, bots):
    clock = FakeTime()
    sender = TelegramSender(bots(paced(clock)))
    telegram_api.rate_limit_next(times=3, retry_after=2)

    with pytest.raises(SendError) as error:
        await sender.send(Message("42", "Olá"))

    assert not error.value.permanent
    assert len(telegram_api.calls_of("sendMessage")) == 3
    assert clock.sleeps == [2, 2]


async def test_one_message_per_second_per_chat(telegram_api, bots):
    clock = FakeTime()
    bot = bots(paced(clock))
    recorder = Recorder(clock)
    bot.session.middleware(recorder)

    for chat in (42, 43, 42):
        await bot.send_message(chat, "Olá")

    start = 1_000_000.0
    assert recorder.sent == [(start, "42"), (start, "43"), (start + 1.0, "42")]
    assert clock.sleeps == [1.0]


async def test_thirty_messages_per_second_overall(telegram_api, bots):
    clock = FakeTime()
    bot = bots(paced(clock))
    recorder = Recorder(clock)
    bot.session.middleware(recorder)

    for chat in range(1, 32):
        await bot.send_message(chat, "Olá")

    times = [t for t, _ in recorder.sent]
    assert times[:30] == [1_000_000.0] * 30
    assert times[30] == 1_000_001.0
    assert clock.sleeps == [1.0]
    assert len(telegram_api.calls_of("sendMessage")) == 31


@pytest.fixture
async def redis_prefix():
    prefix = f"quita-test:{uuid.uuid4().hex}:"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def shared(clock: FakeTime, prefix: str) -> RedisLimiter:
    return RedisLimiter(aioredis.from_url(REDIS_URL), prefix=prefix, clock=clock, sleep=clock.sleep)


async def test_redis_limiters_share_a_chats_budget(telegram_api, bots, redis_prefix):
    clock = FakeTime()
    bot_a = bots(shared(clock, redis_prefix))
    bot_b = bots(shared(clock, redis_prefix))

    await bot_a.send_message(42, "de A")
    await bot_b.send_message(43, "de B, outro chat")
    assert clock.sleeps == []
    await bot_b.send_message(42, "de B")

    assert clock.sleeps == [1.0]  # B waited for A's message to chat 42
    assert [c.params["text"] for c in telegram_api.sent_to(42)] == ["de A", "de B"]


async def test_redis_limiters_share_the_global_budget(redis_prefix):
    clock = FakeTime()
    a, b = shared(clock, redis_prefix), shared(clock, redis_prefix)
    try:
        for chat in range(15):
            await a.wait(f"a{chat}")
            await b.wait(f"b{chat}")
        assert clock.sleeps == []
        await b.wait("b-last")
        assert clock.sleeps == [1.0]  # the 31st call of the second waits for the next
    finally:
        await a.close()
        await b.close()


async def test_blocked_bot_is_a_permanent_failure(telegram_api, bots):
    sender = TelegramSender(bots(paced(FakeTime())))
    telegram_api.block_next()

    with pytest.raises(SendError) as error:
        await sender.send(Message("42", "Olá"))

    assert error.value.permanent
    assert "bloqueou" in str(error.value)


async def test_unknown_chat_is_a_permanent_failure(telegram_api, bots):
    sender = TelegramSender(bots(paced(FakeTime())))
    telegram_api.fail_next(400, "Bad Request: chat not found")

    with pytest.raises(SendError) as error:
        await sender.send(Message("42", "Olá"))

    assert error.value.permanent


async def test_wrong_token_is_a_send_error(telegram_api, bots):
    sender = TelegramSender(bots(paced(FakeTime()), token="42:WRONG-token"))

    with pytest.raises(SendError) as error:
        await sender.send(Message("42", "Olá"))

    assert not error.value.permanent  # fixing the token makes the retries work
    (call,) = telegram_api.calls
    assert call.status == 401
    assert telegram_api.sent_to(42) == []


async def test_fake_api_speaks_the_rest_of_the_bot_api(telegram_api, bots):
    bot = bots(paced(FakeTime()))
    await bot.set_webhook("https://quita.example/telegram", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://quita.example/telegram"
    assert await bot.delete_webhook()

    first = telegram_api.push_update(
        {
            "message": {
                "message_id": 7,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "/start",
            }
        }
    )
    (update,) = await bot.get_updates(timeout=1)
    assert update.message.text == "/start"
    assert await bot.get_updates(offset=first["update_id"] + 1, timeout=0) == []

    sent = await bot.send_message(42, "Escolha:")
    edited = await bot.edit_message_text("Escolhido", chat_id=42, message_id=sent.message_id)
    assert edited.message_id == sent.message_id
    await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
    assert await bot.answer_callback_query("cb-1", text="ok")
    assert await bot.send_chat_action(42, "typing")


def test_fake_api_answers_outside_the_tests_loop(telegram_api):
    """A sync test (or a TestClient's thread) reaches it too; a wrong token gets 401."""
    request = urllib.request.Request(
        f"{telegram_api.url}/bot1:wrong/getMe", data=b"", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 401
    assert json.loads(error.value.read()) == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    body = json.dumps({"chat_id": 42, "text": "Olá"}).encode()
    request = urllib.request.Request(
        f"{telegram_api.url}/bot{telegram_api.token}/sendMessage",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        result = json.loads(response.read())["result"]
    assert result["chat"]["id"] == 42
    assert result["text"] == "Olá"
