"""Outbound Telegram: pacing of every Bot API call, the `Sender` of the deliveries, and the
sandbox's session that keeps what the bot sends instead of calling Telegram.

Telegram allows about 30 messages per second per bot and one per second per chat, and
answers 429 with `retry_after` beyond that. aiogram has no built-in flood limiter (it
only raises `TelegramRetryAfter`), so this is a small hand-written one: a session request
middleware, so every call of the bot goes through it, with pacing kept in this process or,
given a Redis URL, in Redis so that all instances of the app share one budget.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, Protocol

import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, InputFile

from models import SandboxChannel, clock
from negotiation import errors, sandbox

log = logging.getLogger("quita.telegram")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


class SendError(errors.SendError):
    """A Telegram send failed. `permanent`: retrying cannot help (bot blocked, no such chat).
    A `negotiation.errors.SendError`, so the deliveries handle it like any channel's."""


class Limiter:
    """In-process pacing: at most `per_second` calls in any second (sliding window) and one
    call per chat every `per_chat_interval` seconds. `clock` and `sleep` are injectable."""

    def __init__(
        self,
        *,
        per_second: int = 30,
        per_chat_interval: float = 1.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.sleep = sleep
        self._recent: deque[float] = deque(maxlen=per_second)
        self._last_by_chat: dict[str, float] = {}

    async def wait(self, chat_id: str | None) -> None:
        """Return when a call (to `chat_id`, if any) may go; it is then counted."""
        while (delay := await self._reserve(chat_id, self.clock())) > 0:
            await self.sleep(delay)

    async def _reserve(self, chat_id: str | None, now: float) -> float:
        """0 and the call is counted, or how long to wait before asking again. No await
        inside, so it is atomic within the event loop."""
        last = self._last_by_chat.get(chat_id) if chat_id else None
        if last is not None and (delay := last + self.per_chat_interval - now) > 0:
            return delay
        if len(self._recent) == self.per_second and (delay := self._recent[0] + 1 - now) > 0:
            return delay
        self._recent.append(now)
        if chat_id:
            if len(self._last_by_chat) > 10_000:  # forget chats that are free again
                cutoff = now - self.per_chat_interval
                self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > cutoff}
            self._last_by_chat[chat_id] = now
        return 0.0

    async def close(self) -> None:
        pass


# KEYS[1]: the calls of this second (fixed window); KEYS[2], if given: the chat's last call.
# ARGV: now (seconds), per-chat interval (seconds), calls per second. Returns the wait as a
# string ("0": go, counted), because Redis truncates Lua numbers to integers.
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
if #KEYS == 2 then
  local last = redis.call('GET', KEYS[2])
  if last and tonumber(last) + interval > now then
    return tostring(tonumber(last) + interval - now)
  end
end
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[3]) then
  return tostring(math.floor(now) + 1 - now)
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 2000)
if #KEYS == 2 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', math.ceil(interval * 1000) + 1000)
end
return '0'
"""


class RedisLimiter(Limiter):
    """The same limits shared by every instance through Redis: one Lua script checks and
    counts atomically (per-chat key with the last call's time, PX expiry; a counter per
    second). Times come from `clock`, the wall clock by default: instances must keep their
    clocks in sync (NTP), as any server does."""

    def __init__(
        self, client: aioredis.Redis, *, prefix: str = "quita:telegram:", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_RESERVE)

    async def _reserve(self, chat_id: str | None, now: float) -> float:
        keys = [f"{self.prefix}second:{int(now)}"]
        if chat_id:
            keys.append(f"{self.prefix}chat:{chat_id}")
        args = [repr(now), repr(float(self.per_chat_interval)), self.per_second]
        return float(await self._script(keys=keys, args=args))

    async def close(self) -> None:
        await self.client.aclose()


def make_limiter(redis_url: str | None = None, **kwargs: Any) -> Limiter:
    """In-process pacing, or shared through Redis when `redis_url` is given."""
    if redis_url:
        return RedisLimiter(aioredis.from_url(redis_url), **kwargs)
    return Limiter(**kwargs)


class PacingMiddleware(BaseRequestMiddleware):
    """Waits for the limiter before every call; on a 429 waits `retry_after` and tries again,
    `tries` times in all."""

    def __init__(self, limiter: Limiter, *, tries: int = 3) -> None:
        self.limiter = limiter
        self.tries = tries

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        chat = None if chat_id is None else str(chat_id)
        attempt = 1
        while True:
            await self.limiter.wait(chat)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt >= self.tries:
                    raise
                attempt += 1
                log.warning(
                    "%s: flood control, waiting %ss", method.__api_method__, error.retry_after
                )
                await self.limiter.sleep(error.retry_after)


class _Attachment(Protocol):
    filename: str
    content: bytes
    mime: str


class _Message(Protocol):
    recipient: str
    text: str
    attachments: Sequence[_Attachment]


_NO_CHAT = ("chat not found", "user not found", "peer_id_invalid")


def send_error(error: AiogramError) -> SendError:
    text = getattr(error, "message", str(error))
    if isinstance(error, TelegramForbiddenError):
        return SendError(
            f"o Telegram recusou a mensagem (o cliente bloqueou o bot?): {text}", permanent=True
        )
    if isinstance(error, TelegramBadRequest) and any(s in text.lower() for s in _NO_CHAT):
        return SendError(f"o chat do Telegram não existe: {text}", permanent=True)
    if isinstance(error, TelegramUnauthorizedError):
        return SendError("o Telegram recusou o token do bot (QUITA_TELEGRAM_TOKEN)")
    if isinstance(error, TelegramRetryAfter):
        return SendError(f"o Telegram pediu para esperar {error.retry_after}s antes de enviar")
    return SendError(f"falha ao enviar pelo Telegram: {text}")


class TelegramSender:
    """Sends a delivery: the text, each attachment (PNG as a photo, the rest as documents),
    then the follow-up texts, if the message has any. Returns the text message's id.
    A failure after the text leaves what already went; a retry sends it all again."""

    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: _Message) -> str:
        chat_id: int | str = message.recipient
        if re.fullmatch(r"-?\d+", message.recipient):
            chat_id = int(message.recipient)
        try:
            sent = await self.bot.send_message(chat_id, message.text)
            for attachment in message.attachments:
                file = BufferedInputFile(attachment.content, filename=attachment.filename)
                if attachment.mime == "image/png":
                    await self.bot.send_photo(chat_id, file)
                else:
                    await self.bot.send_document(chat_id, file)
            for text in getattr(message, "followups", ()):
                await self.bot.send_message(chat_id, text)
        except AiogramError as error:
            raise send_error(error) from error
        return str(sent.message_id)


# Bot API methods whose message the debtor would see, and the file parameters they carry.
_SHOWN = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
_FILES = {"photo": "image/png", "document": "application/octet-stream"}
_SANDBOX_BOT = {"id": 1000000, "is_bot": True, "first_name": "Quita", "username": "QuitaBot"}


class SandboxSession(BaseSession):
    """An aiogram session that talks to no server: what the bot would send is kept in the
    sandbox's outbox (`negotiation.sandbox`) and answered the way Telegram would, so every
    path that uses the bot (deliveries, rule actions, reminders, replies, attendants) works
    unchanged. The message ids are the outbox's."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        name = method.__api_method__
        files: dict[str, InputFile] = {}
        params = {
            key: self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            for key, value in method.model_dump(warnings=False).items()
        }
        params = {key: value for key, value in params.items() if value is not None}
        if name == "getMe":
            result: Any = _SANDBOX_BOT
        elif name in _SHOWN:
            result = await self._record(bot, name, params, files)
        else:
            result = True  # answerCallbackQuery, sendChatAction, setWebhook...
        response = Response[method.__returning__].model_validate(  # type: ignore[name-defined]
            {"ok": True, "result": result}, context={"bot": bot}
        )
        return response.result

    async def _record(
        self, bot: Bot, name: str, params: dict[str, Any], files: dict[str, InputFile]
    ) -> dict[str, Any]:
        kept = []
        for key, mime in _FILES.items():
            ref = str(params.get(key, ""))
            file = files.get(ref.removeprefix("attach://"))
            if file is not None:
                content = b"".join([chunk async for chunk in file.read(bot)])
                kept.append(sandbox.File(file.filename or key, mime_of(file, mime), content))
        markup = params.get("reply_markup")
        details: dict[str, Any] = {"method": name}
        if isinstance(markup, dict):
            details["reply_markup"] = markup
        if name.startswith("edit"):
            details["message_id"] = params.get("message_id")
        text = str(params.get("text") or params.get("caption") or "")
        chat_id = str(params.get("chat_id", ""))
        message = await sandbox.record(
            SandboxChannel.TELEGRAM, chat_id, text=text, details=details, files=kept
        )
        message_id = int(params.get("message_id") or 0) if name.startswith("edit") else message.id
        if not name.startswith("edit"):
            message.details = {**details, "message_id": message_id}
            await message.save(update_fields=["details"])
        chat_ref: int | str = int(chat_id) if re.fullmatch(r"-?\d+", chat_id) else chat_id
        result: dict[str, Any] = {
            "message_id": message_id,
            "from": _SANDBOX_BOT,
            "chat": {"id": chat_ref, "type": "private"},
            "date": int(clock.now().timestamp()),
        }
        if text:
            result["caption" if name in ("sendPhoto", "sendDocument") else "text"] = text
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            result["reply_markup"] = markup
        for n, file in enumerate(kept):
            ids = {"file_id": f"sandbox-{message.id}-{n}", "file_unique_id": f"s{message.id}{n}"}
            if name == "sendPhoto":
                result["photo"] = [{**ids, "width": 320, "height": 320}]
            else:
                result["document"] = {**ids, "file_name": file.filename, "mime_type": file.mime}
        return result

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""  # nothing to download: the sandbox keeps no files of the debtors

    async def close(self) -> None:
        pass


def mime_of(file: InputFile, default: str) -> str:
    guessed, _ = mimetypes.guess_type(file.filename or "")
    return guessed or default
