"""Where the dialog state of each chat lives: Redis when QUITA_REDIS_URL is set (aiogram's own
RedisStorage), else the database. Never process memory, so any app instance can serve the next
update of a chat.

aiogram ships no SQL storage, hence `DatabaseStorage`: one row per storage key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from models import DialogState
from quita.settings import Settings

KEYS = DefaultKeyBuilder(prefix="quita:fsm", with_bot_id=True)
# A dialog idle this long starts over (and Redis forgets it).
DIALOG_TTL = timedelta(days=30)


def _state_name(state: StateType) -> str | None:
    return state.state if isinstance(state, State) else state


class DatabaseStorage(BaseStorage):
    def __init__(self) -> None:
        self.keys = KEYS

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = self.keys.build(key)
        updated = await DialogState.filter(key=name).update(state=_state_name(state))
        if not updated:
            await DialogState.update_or_create(
                key=name, defaults={"state": _state_name(state), "data": {}}
            )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await DialogState.get_or_none(key=self.keys.build(key))
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: dict[str, Any]) -> None:
        name = self.keys.build(key)
        updated = await DialogState.filter(key=name).update(data=dict(data))
        if not updated:
            await DialogState.update_or_create(key=name, defaults={"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await DialogState.get_or_none(key=self.keys.build(key))
        return dict(row.data or {}) if row else {}

    async def close(self) -> None:
        return None


def make_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        return RedisStorage.from_url(
            settings.redis_url, key_builder=KEYS, state_ttl=DIALOG_TTL, data_ttl=DIALOG_TTL
        )
    return DatabaseStorage()
