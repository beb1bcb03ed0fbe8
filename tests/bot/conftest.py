"""The real app with the real aiogram Dispatcher, fed through POST /telegram/webhook, talking
to the fake Bot API server; helpers to write updates as Telegram sends them."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from quita.app import create_app
from quita.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI

SECRET = "segredo-do-webhook-de-teste"
_ids = itertools.count(1000)


def bot_settings(db: str, telegram_api: FakeTelegramAPI, **extra) -> Settings:
    values = {
        "database_url": db,
        "secret_key": "a-test-secret-of-at-least-32-bytes-long",
        "telegram_token": telegram_api.token,
        "telegram_api_server": telegram_api.url,
        "telegram_webhook_secret": SECRET,
        "telegram_chat_interval": 0,
        "public_base_url": "https://quita.example",
        "jobs": False,
    }
    values.update(extra)
    return Settings(**values)


@dataclass
class Chat:
    """One debtor's Telegram chat, posting updates to one or more app instances."""

    clients: list[httpx.AsyncClient]
    telegram_api: FakeTelegramAPI
    chat_id: int
    turn: int = 0

    def _client(self) -> httpx.AsyncClient:
        # Alternate between instances: state must not live in any one of them.
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        return client

    def _user(self) -> dict:
        return {"id": self.chat_id, "is_bot": False, "first_name": "Maria"}

    def _message(self, **fields) -> dict:
        return {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
            "from": self._user(),
            **fields,
        }

    async def post(self, update: dict, secret: str = SECRET) -> httpx.Response:
        update.setdefault("update_id", next(_ids))
        return await self._client().post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )

    async def say(self, text: str) -> list[str]:
        before = len(self.telegram_api.sent_to(self.chat_id))
        answer = await self.post({"message": self._message(text=text)})
        assert answer.status_code == 200, answer.text
        return self.texts(since=before)

    async def share_contact(self, phone: str, own: bool = True) -> list[str]:
        before = len(self.telegram_api.sent_to(self.chat_id))
        contact = {
            "phone_number": phone,
            "first_name": "Maria",
            "user_id": self.chat_id if own else self.chat_id + 1,
        }
        await self.post({"message": self._message(contact=contact)})
        return self.texts(since=before)

    async def press(self, action: str) -> list[str]:
        before = len(self.telegram_api.sent_to(self.chat_id))
        query = {
            "id": str(next(_ids)),
            "from": self._user(),
            "chat_instance": "ci",
            "message": self._message(text="..."),
            "data": f"q:{action}",
        }
        answer = await self.post({"callback_query": query})
        assert answer.status_code == 200, answer.text
        return self.texts(since=before)

    def calls(self, since: int = 0):
        return self.telegram_api.sent_to(self.chat_id)[since:]

    def texts(self, since: int = 0) -> list[str]:
        return [
            c.params.get("text") or c.params.get("caption") or f"<{c.method}>"
            for c in self.calls(since)
        ]

    def buttons(self) -> list[tuple[str, str]]:
        """(label, action) of the inline keyboard of the last message that had one."""
        for call in reversed(self.calls()):
            markup = call.params.get("reply_markup") or {}
            if isinstance(markup, str):
                import json

                markup = json.loads(markup)
            rows = markup.get("inline_keyboard")
            if rows:
                return [(b["text"], b["callback_data"][2:]) for row in rows for b in row]
        return []


@pytest.fixture
async def bot_app(db, telegram_api) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(bot_settings(db, telegram_api))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        client.app = app
        yield client
    await app.state.channels.aclose()
    await app.state.channels.aclose()


@pytest.fixture
def new_chat(bot_app, telegram_api):
    def make(chat_id: int, *clients: httpx.AsyncClient) -> Chat:
        return Chat(list(clients) or [bot_app], telegram_api, chat_id)

    return make
