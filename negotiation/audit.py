"""The audit log: who changed what, when, before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from models import AuditLog, User


def plain(value: Any) -> Any:
    """JSON-safe: Decimal and dates as text, enums as their value, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def snapshot(instance: Model | None, **extra: Any) -> dict[str, Any] | None:
    """The row's own columns as JSON-safe values (plus any related data passed in)."""
    if instance is None:
        return None
    data = {name: getattr(instance, name) for name in instance._meta.db_fields}
    data.update(extra)
    return plain(data)


async def record(
    *,
    user: User | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditLog:
    return await AuditLog.create(
        using_db=using_db,
        user=user,
        actor=actor or (user.username if user else "system"),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=plain(before),
        after=plain(after),
    )
