"""`quita bench ...`: the benchmarks of bench/ (rules, outreach, webhooks, start)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated, NoReturn

import typer

bench_app = typer.Typer(
    help="Benchmarks (they build their own data in a fresh database).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"


class Profile(StrEnum):
    ISP = "isp"
    STRESS = "stress"


@bench_app.callback()
def _group() -> None:
    """Benchmarks (they build their own data in a fresh database)."""
    # With a callback the app stays a group: `run` / `rules` is a sub-command even standalone.


def _fail(message: str) -> NoReturn:
    from quita.cli_support import fail

    fail(message)


# Where a bench builds its base (every bench takes it).
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="PostgreSQL server URL (a new database is created there and dropped at the"
        " end) or sqlite:// (a temporary file); default QUITA_DATABASE_URL",
    ),
]


def _database_url(database: str | None) -> str:
    """--database, else QUITA_DATABASE_URL; exit 2 with one line when it is not a usable URL."""
    if database is None:
        from pydantic import ValidationError

        from quita.settings import get_settings

        try:
            database = get_settings().database_url
        except ValidationError as exc:
            _fail(f"settings: {exc.errors(include_url=False)[0]['msg']}")
    if not database.startswith(("sqlite", "postgres://", "asyncpg://")):
        _fail(f"--database: {database!r} is neither sqlite:// nor postgres://user@host:port/db")
    return database


def _load(name: str) -> ModuleType:
    """bench/ is not an installed package: load the script from the project's checkout."""
    path = BENCH_DIR / f"{name}.py"
    if not path.is_file():
        _fail(f"{path} not found: benchmarks run from a checkout of the project")
    spec = importlib.util.spec_from_file_location(f"quita_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@bench_app.command("rules")
def rules(
    receivables: Annotated[
        int, typer.Option("--receivables", min=5, help="Receivables to generate (N/5 customers)")
    ] = 100_000,
    database: DatabaseOption = None,
    profile: Annotated[
        Profile,
        typer.Option(
            help="isp: five monthly bills per customer, 30 % of customers owing;"
            " stress: about 3/4 of all receivables open and overdue"
        ),
    ] = Profile.ISP,
) -> None:
    """Time a rule run against the bare GROUP BY of its selection; print one JSON line."""
    from asyncpg import PostgresError
    from tortoise.exceptions import ConfigurationError, DBConnectionError

    database = _database_url(database)
    module = _load("bench_rules")

    def log(message: str) -> None:
        typer.echo(message, err=True)

    try:
        result = asyncio.run(
            module.run_bench(receivables, database, profile=profile.value, log=log)
        )
    except (ConfigurationError, DBConnectionError, OSError, PostgresError) as exc:
        _fail(f"database: {exc}")
    typer.echo(json.dumps(result))


@bench_app.command("outreach")
def outreach(
    debtors: Annotated[
        int, typer.Option("--debtors", min=10, help="Debtors in the rule's campaign")
    ] = 2_000,
    database: DatabaseOption = None,
) -> None:
    """Contacts per minute of one `quita outreach` pass against the bare sender; one JSON line."""
    from asyncpg import PostgresError
    from tortoise.exceptions import ConfigurationError, DBConnectionError

    database = _database_url(database)
    module = _load("bench_outreach")
    try:
        result = asyncio.run(
            module.run_bench(debtors, database, log=lambda m: typer.echo(m, err=True))
        )
    except (ConfigurationError, DBConnectionError, OSError, PostgresError) as exc:
        _fail(f"database: {exc}")
    typer.echo(json.dumps(result))


@bench_app.command("webhooks")
def webhooks(
    requests: Annotated[
        int,
        typer.Option(
            min=100,
            help="Distinct signed first answers (new calls) prepared per server; past them,"
            " requests repeat",
        ),
    ] = 40000,
    concurrency: Annotated[int, typer.Option(min=1, max=500, help="Requests in flight")] = 50,
    seconds: Annotated[int, typer.Option(min=1, max=300, help="Load time per server (wrk)")] = 15,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Tortoise URL of an empty database for the demo base; default a temporary"
            " SQLite file",
        ),
    ] = None,
) -> None:
    """Signed POST /twilio/voice under load against a bare FastAPI endpoint; one JSON line."""
    if database is not None and not database.startswith(("sqlite", "postgres://")):
        _fail(f"--database: {database!r} is neither sqlite:// nor postgres://user@host:port/db")
    module = _load("bench_webhooks")
    try:
        result = asyncio.run(module.run(requests, concurrency, database, seconds))
    except OSError as exc:
        _fail(f"bench: {exc}")
    typer.echo(json.dumps(result))


@bench_app.command("start")
def start(
    runs: Annotated[int, typer.Option(min=1, max=20, help="Repetitions (median kept)")] = 3,
) -> None:
    """Time `quita serve --demo` to /healthz: first start and restart; one JSON line."""
    module = _load("bench_start")
    try:
        result = module.run(runs)
    except OSError as exc:
        _fail(f"bench: {exc}")
    typer.echo(json.dumps(result))
