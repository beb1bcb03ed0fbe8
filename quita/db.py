"""Database wiring: the Tortoise config, opening/closing, and applying migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate

APP_LABEL = "models"


def _tuned(database_url: str) -> str:
    """SQLite in WAL mode (Tortoise's default) with synchronous=NORMAL: a commit no longer
    waits for the disk, which makes webhook answers several times faster. An app crash loses
    nothing; a power cut may lose the last commits, which is SQLite's documented trade-off
    for WAL. PostgreSQL is left as configured."""
    if not database_url.startswith("sqlite") or "synchronous=" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "synchronous=NORMAL"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _tuned(database_url)},
        "apps": {
            APP_LABEL: {
                "models": ["models"],
                "migrations": "models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(database_url: str) -> None:
    """Apply every pending migration (what `quita migrate` and `quita serve` do)."""
    try:
        await tortoise_migrate(config=tortoise_config(database_url))
    finally:
        # An open aiosqlite thread would keep the process alive after an error.
        await Tortoise.close_connections()


async def open_db(database_url: str) -> None:
    # The global fallback lets tasks that did not call init (uvicorn's request tasks,
    # background jobs, test tasks) see the same connections.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


@asynccontextmanager
async def database(database_url: str, *, apply_migrations: bool = True) -> AsyncIterator[None]:
    """Migrate (by default), open, and close at the end: for CLI commands and jobs."""
    if apply_migrations:
        await migrate(database_url)
    await open_db(database_url)
    try:
        yield
    finally:
        await close_db()
