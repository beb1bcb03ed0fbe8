"""The aiogram `Bot` the whole app uses, and how to close it.

Every request goes to `{QUITA_TELEGRAM_API_SERVER}/bot{token}/{method}` (a local Bot API
server, a proxy or the tests' fake) and through the pacing middleware of `bot.outbox`; in the
sandbox (QUITA_SANDBOX) nowhere: the sandbox's session keeps it in the outbox.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.outbox import Limiter, PacingMiddleware, SandboxSession, make_limiter
from quita.settings import Settings


def make_bot(settings: Settings, *, limiter: Limiter | None = None) -> Bot:
    """A Bot on the configured API server, paced by `limiter` (default: from `redis_url`).
    Close it with `close_bot`."""
    if not settings.telegram_token:
        raise ValueError("QUITA_TELEGRAM_TOKEN is not set")
    if settings.sandbox:  # nothing leaves, so Telegram's flood limits do not apply
        return Bot(
            token=settings.telegram_token,
            session=SandboxSession(),
            default=DefaultBotProperties(parse_mode=None),
        )
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_server))
    limiter = limiter or make_limiter(
        settings.redis_url, per_chat_interval=settings.telegram_chat_interval
    )
    session.middleware(PacingMiddleware(limiter))
    # No parse mode: we send plain text, and a debtor's name or an ISP's address may hold
    # `*`, `_`, `[` or `<`, which Markdown/HTML would mangle or reject ("can't parse entities").
    return Bot(
        token=settings.telegram_token,
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )


async def close_bot(bot: Bot) -> None:
    """Close the HTTP session and the pacing limiter (its Redis connection, if any)."""
    try:
        await bot.session.close()
    finally:
        for middleware in bot.session.middleware:
            if isinstance(middleware, PacingMiddleware):
                await middleware.limiter.close()
