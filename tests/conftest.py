"""Real databases for the tests.

`db` is the backend the run is for: a fresh SQLite file by default, or a fresh PostgreSQL
database when QUITA_TEST_DATABASE_URL names a PostgreSQL server (`.ci/run` does both).
`pg_db` is always PostgreSQL (127.0.0.1:5432 unless QUITA_TEST_POSTGRES_URL says otherwise),
for what only a server with real concurrency can show. Each database is created and migrated
once per session and emptied before every test.
"""

from __future__ import annotations

import asyncio
import graphlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models import clock
from negotiation import contact_windows
from quita.db import close_db, migrate, open_db
from tests.fakes.pix_psp import pix_psp, pix_psp_server  # noqa: F401  (fixtures)
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.fakes.telegram_api import telegram_api  # noqa: F401  (fixture)
from tests.fakes.twilio_api import twilio_api, twilio_api_server  # noqa: F401  (fixtures)
from tests.quita.demo_server import demo_base, demo_folder  # noqa: F401  (fixtures)

POSTGRES_SERVER = os.environ.get(
    "QUITA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


# Where every test starts: a Friday at noon in São Paulo, inside every calling window. The
# clock runs on from there; a test that needs another instant calls clock.travel() itself.
TEST_NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[None]:
    """Every test runs on Quita's clock set to TEST_NOW, whatever the machine's calendar says
    (CI runs the suite a second time under faketime, years ahead)."""
    clock.travel(TEST_NOW)
    contact_windows.forget()  # the stored windows and holidays of the last test's database
    yield
    clock.reset()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class _Databases:
    """Creates each database once per session; drops the PostgreSQL ones at the end."""

    def __init__(self, tmp_dir: str, sqlite_template: Path) -> None:
        self.tmp_dir = tmp_dir
        self.sqlite_template = sqlite_template
        self.ready: dict[str, str] = {}
        self.created_pg: list[tuple[str, str]] = []

    async def url_for(self, backend: str) -> str:
        if backend in self.ready:
            return self.ready[backend]
        name = f"quita_test_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            url = f"sqlite://{self.tmp_dir}/{name}.db"
            shutil.copyfile(self.sqlite_template, f"{self.tmp_dir}/{name}.db")
        else:
            server = POSTGRES_SERVER if backend == "postgres" else backend
            conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            self.created_pg.append((server, name))
            url = _with_database(server, name)
            await migrate(url)
        self.ready[backend] = url
        return url

    async def drop_all(self) -> None:
        for server, name in self.created_pg:
            conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file for the whole run: migrating takes seconds, a copy of the file
    none. Every test that needs a fresh SQLite database of its own copies this one."""
    path = tmp_path_factory.mktemp("template") / "quita.db"
    asyncio.run(migrate(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
async def databases(tmp_path_factory, sqlite_template) -> AsyncIterator[_Databases]:
    dbs = _Databases(str(tmp_path_factory.mktemp("db")), sqlite_template)
    yield dbs
    await dbs.drop_all()


def _run_backend() -> str:
    url = os.environ.get("QUITA_TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "sqlite"
    # The usual PostgreSQL run names the same server as `pg_db`: one database serves both
    # (both are emptied before every test), so the run migrates one database, not two.
    same = urlsplit(url)._replace(scheme="") == urlsplit(POSTGRES_SERVER)._replace(scheme="")
    return "postgres" if same else url


def _tables_children_first() -> list[str]:
    """Every table of the models (many-to-many ones included), each before the tables it
    points to, so that plain DELETEs in this order never trip a foreign key."""
    points_to: dict[str, set[str]] = {}
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        table = meta.db_table
        points_to.setdefault(table, set())
        for name in meta.fk_fields | meta.o2o_fields:
            points_to[table].add(meta.fields_map[name].related_model._meta.db_table)
        for name in meta.m2m_fields:
            field = meta.fields_map[name]
            points_to.setdefault(field.through, set()).update(
                {table, field.related_model._meta.db_table}
            )
    for table, targets in points_to.items():
        targets.discard(table)  # a table pointing to itself is emptied by one DELETE
    # static_order() puts a table after those it points to; reversed, children come first.
    return list(reversed(list(graphlib.TopologicalSorter(points_to).static_order())))


async def _empty_all_tables(url: str) -> None:
    tables = _tables_children_first()
    conn = connections.get("default")
    if url.startswith("sqlite"):
        await conn.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "DELETE FROM sqlite_sequence;PRAGMA foreign_keys=ON;"
        )
        return
    # Not TRUNCATE: it makes a new file for every table and syncs them all at commit (half a
    # second on a busy 2-core machine, before each of a thousand tests); DELETE on tables
    # that are empty or hold a test's few rows took 10 ms on the same machine. As
    # TRUNCATE ... RESTART IDENTITY did, the id sequences a test used start again at 1 (the
    # CASE: SQL may test the conditions in any order, and the function fails on a table).
    # One script: one transaction, one commit.
    names = ", ".join(f"'{t}'" for t in tables)
    await conn.execute_script(
        "".join(f'DELETE FROM "{t}";' for t in tables)
        + f"""SELECT setval(seq.oid, 1, false)
              FROM pg_class seq
              JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i')
              JOIN pg_class tbl ON tbl.oid = dep.refobjid
              WHERE seq.relkind = 'S' AND tbl.relname IN ({names})
                AND CASE WHEN seq.relkind = 'S' THEN pg_sequence_last_value(seq.oid) END
                    IS NOT NULL"""
    )


async def _open(databases: _Databases, backend: str) -> AsyncIterator[str]:
    url = await databases.url_for(backend)
    # Tortoise caches each model's INSERT/UPDATE SQL by connection name, not dialect; the
    # tests switch dialects under the same name, so start every test with an empty cache.
    EXECUTOR_CACHE.clear()
    await open_db(url)
    await _empty_all_tables(url)
    try:
        yield url
    finally:
        await close_db()


@pytest.fixture
async def db(databases: _Databases) -> AsyncIterator[str]:
    """The run's backend, empty. Yields its URL."""
    async for url in _open(databases, _run_backend()):
        yield url


@pytest.fixture
async def pg_db(databases: _Databases) -> AsyncIterator[str]:
    """Always PostgreSQL, empty."""
    async for url in _open(databases, "postgres"):
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def each_db(request, databases: _Databases) -> AsyncIterator[str]:
    """The test runs once on SQLite and once on PostgreSQL."""
    async for url in _open(databases, request.param):
        yield url
