"""`quita serve` on a fresh SQLite file migrates by itself and answers /healthz; a fresh
database gets the same schema as Tortoise's own migration executor builds."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate

from quita.db import migrate, tortoise_config
from tests.conftest import POSTGRES_SERVER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_a_fresh_sqlite_file_answers_healthz(tmp_path):
    port = _free_port()
    env = {**os.environ, "QUITA_DATABASE_URL": f"sqlite://{tmp_path / 'fresh.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "quita.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # a busy CI machine, as in _serve_until_healthy
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not come up in 180 s"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["info"]["title"] == "Quita"
        assert (tmp_path / "fresh.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _serve_until_healthy(folder, *args: str) -> None:
    """Run `quita serve ARGS` in `folder` with no database setting until /healthz answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUITA_")}
    env["QUITA_JOBS"] = "false"
    proc = subprocess.Popen(
        [sys.executable, "-m", "quita.cli", "serve", *args, "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # a busy CI machine; bench/bench_start.py times it
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
                return
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _every_row(path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


def test_serve_demo_in_an_empty_folder_loads_the_demo_base_once(tmp_path):
    _serve_until_healthy(tmp_path, "--demo")
    first = _every_row(tmp_path / "quita.db")
    counts = {t: len(first[t]) for t in ("customer", "receivable", "payment_condition", "user")}
    assert counts == {"customer": 220, "receivable": 1000, "payment_condition": 3, "user": 2}
    assert len(first["installment_option"]) == 6 and len(first["collection_rule"]) == 1

    _serve_until_healthy(tmp_path, "--demo")  # a restart: same command, same folder

    assert _every_row(tmp_path / "quita.db") == first  # nothing added, nothing rewritten


def test_bad_setting_exits_2_with_one_line(tmp_path):
    env = {**os.environ, "QUITA_TIMEZONE": "Mars/Olympus"}
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: QUITA_TIMEZONE: unknown time zone 'Mars/Olympus'"
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo", "error: QUITA_DATABASE_URL: 'foo' is not a Tortoise URL"),
        (
            "postgres://postgres@127.0.0.1:5432/quita_no_such_db",
            "error: database: Can't establish connection to database quita_no_such_db",
        ),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "serve", "demo"])
def test_unusable_database_exits_2_with_one_line(tmp_path, command, url, message):
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", command],
        cwd=tmp_path,
        env={**os.environ, "QUITA_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr


# --- Migrating a fresh database: quita.db's executor against Tortoise's own ----------------


async def _sqlite_schema(url: str) -> list[tuple]:
    path = url.removeprefix("sqlite://")
    with sqlite3.connect(path) as conn:
        schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        applied = conn.execute("SELECT app, name FROM tortoise_migrations").fetchall()
    return sorted(schema) + sorted(applied)


PG_SCHEMA = [
    """SELECT table_name, column_name, data_type, is_nullable, column_default,
              character_maximum_length, numeric_precision, numeric_scale
       FROM information_schema.columns WHERE table_schema = 'public'""",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "SELECT app, name FROM tortoise_migrations",
]


async def _pg_schema(url: str) -> list[tuple]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [sorted(tuple(r) for r in await conn.fetch(query)) for query in PG_SCHEMA]
    finally:
        await conn.close()


@pytest.fixture
async def two_fresh_databases(request, tmp_path) -> AsyncIterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield (f"sqlite://{tmp_path / 'ours.db'}", f"sqlite://{tmp_path / 'tortoise.db'}")
        return
    names = [f"quita_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    conn = await asyncpg.connect(POSTGRES_SERVER.replace("postgres://", "postgresql://", 1))
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
        yield tuple(POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}" for name in names)
    finally:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def _tortoise_migrate(url: str, target: str | None = None) -> None:
    try:
        await tortoise_migrate(config=tortoise_config(url), target=target)
    finally:
        await Tortoise.close_connections()


async def _copy_database(source: str, target: str) -> None:
    """Make `target` (an empty database) an exact copy of `source`, closed."""
    if source.startswith("sqlite://"):
        shutil.copyfile(source.removeprefix("sqlite://"), target.removeprefix("sqlite://"))
        return
    conn = await asyncpg.connect(POSTGRES_SERVER.replace("postgres://", "postgresql://", 1))
    try:
        name, template = target.rsplit("/", 1)[1], source.rsplit("/", 1)[1]
        await conn.execute(f'DROP DATABASE "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()


# Tortoise's own executor in a child process: it migrates one database on the other core while
# quita.db migrates the other one here (independent work, seconds each).
TORTOISE_MIGRATE = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from quita.db import tortoise_config

async def main():
    try:
        await migrate(config=tortoise_config(sys.argv[1]))
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""
ROOT = Path(__file__).resolve().parents[2]


# Each case migrates two databases from scratch (15-30 s): a fresh SQLite file, and a
# PostgreSQL database that already had migrations applied, cover both dialects and both paths.
@pytest.mark.parametrize(
    ("two_fresh_databases", "applied_before"),
    [("sqlite", None), ("postgres", "models.0003_deliveries")],
    indirect=["two_fresh_databases"],
)
async def test_migrating_builds_the_schema_tortoise_builds(two_fresh_databases, applied_before):
    """quita.db skips a copy of the migration state Tortoise makes before each operation
    (start-up time); on a fresh database or one with migrations already applied, the schema
    it builds must be exactly what Tortoise's own executor builds."""
    ours, theirs = two_fresh_databases
    if applied_before:
        # Both start from the very same database: Tortoise's executor migrates it once, and a
        # copy is the other (a second run would build the same thing, seconds later).
        await _tortoise_migrate(ours, applied_before)
        await _copy_database(ours, theirs)
    tortoise_run = subprocess.Popen(
        [sys.executable, "-c", TORTOISE_MIGRATE, theirs],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        await migrate(ours)
    finally:
        _, errors = await asyncio.to_thread(tortoise_run.communicate, timeout=600)
    assert tortoise_run.returncode == 0, errors
    schema = _sqlite_schema if ours.startswith("sqlite") else _pg_schema
    mine, tortoise = await schema(ours), await schema(theirs)
    assert mine == tortoise
    assert "uq_entry_open_per_rule" in str(mine)  # the last operation of 0001 ran
    assert "0005_calls_and_sessions" in str(mine)
