"""The aiogram Dispatcher of the app: the debtor's router, state storage, settings."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.handlers import make_router
from bot.storage import make_storage
from quita.settings import Settings


def make_dispatcher(settings: Settings) -> Dispatcher:
    dispatcher = Dispatcher(storage=make_storage(settings))
    dispatcher["settings"] = settings  # handed to every handler as `settings`
    dispatcher.include_router(make_router())
    return dispatcher
