"""Database wiring: the Tortoise config, opening/closing, and applying migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations import operations as ops
from tortoise.migrations.executor import MigrationExecutor
from tortoise.migrations.migration import Migration
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State
from tortoise.transactions import in_transaction

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


# Operations whose `database_forward` (Tortoise 1.1) reads only the state after them (these
# exact classes: a subclass may read more).
_NEEDS_NO_OLD_STATE = {ops.CreateModel, ops.AddField, ops.AddIndex, ops.AddConstraint, ops.RunSQL}


async def _apply(migration: Migration, state: State, editor: BaseSchemaEditor) -> None:
    """`Migration.apply` of Tortoise 1.1 without its copy of the state before each operation.

    Tortoise clones the whole migration state (rendering every model class again) before each
    operation so that `database_forward` can look at the schema as it was; creating, adding
    and raw SQL never look. That copy was half the time of migrating a fresh database (about
    130 operations, each copying some 40 models). Any other operation still gets its copy;
    the SQL run is the same (tests/quita/test_serve.py compares the schemas it builds with
    those of Tortoise's own executor).
    """
    transactions = editor.client.capabilities.supports_transactions
    for operation in migration.operations:
        # None, not the live state: should a later Tortoise read it, it fails loudly.
        needs_old = type(operation) not in _NEEDS_NO_OLD_STATE
        old_state = state.clone() if needs_old else None
        operation.state_forward(migration.app_label, state)
        await migration._run_database_forward(operation, old_state, state, editor, transactions)
    state.validate_relations_initialized()


class _Executor(MigrationExecutor):
    """Tortoise's executor, forward to the latest migrations only (what Quita ever does)."""

    async def migrate(self, *args: Any, **kwargs: Any) -> None:
        assert not args and not kwargs, "quita.db migrates forward to the latest only"
        await self.loader.build_graph()
        await self.recorder.ensure_schema(self._schema_editor(atomic=False))
        applied = set(await self.recorder.applied_migrations())
        plan = self._migration_plan(None, applied, self.loader.graph)
        if not plan:
            return
        assert not any(step.backward for step in plan)
        state = await self._project_state(applied)
        for step in plan:
            migration = step.migration
            editor = self._schema_editor(atomic=migration.atomic)
            if editor.atomic_migration:
                async with in_transaction(self.connection.connection_name) as client:
                    editor.client = client
                    await _apply(migration, state, editor)
            else:
                await _apply(migration, state, editor)
            await self.recorder.record_applied(migration.app_label, migration.name)


async def migrate(database_url: str) -> None:
    """Apply every pending migration (what `quita migrate` and `quita serve` do)."""
    config = tortoise_config(database_url)
    try:
        # As tortoise.migrations.api.migrate does, with the executor above.
        await Tortoise.init(config=config, init_connections=False)
        await _Executor(get_connection("default"), config["apps"]).migrate()
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
