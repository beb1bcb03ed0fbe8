"""`quita rules run RULE_ID`: execute a collection rule from the shell (Executar)."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Annotated, NoReturn

import typer

rules_app = typer.Typer(
    help="Collection rules: run one now and write its call list (Executar).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@rules_app.callback()
def _group() -> None:
    """Collection rules: run one now and write its call list (Executar)."""
    # With a callback the app stays a group: `run` / `rules` is a sub-command even standalone.


def _fail(message: str) -> NoReturn:
    # Imported late: quita.cli registers this app, so importing it at the top would be circular.
    from quita.cli_support import fail

    fail(message)


def load_settings():
    from quita.cli_support import load_settings as settings

    return settings()


def _reference_date(text: str | None, timezone: str) -> date:
    from models.clock import today_in

    if text is None:
        return today_in(timezone)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--today: {text!r} is not a date as YYYY-MM-DD")


@rules_app.command("run")
def run(
    rule_id: Annotated[int, typer.Argument(help="The collection rule's id")],
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="YYYY-MM-DD",
            help="Reference date for days late (default: today in QUITA_TIMEZONE)",
        ),
    ] = None,
) -> None:
    """Run the rule now: select its debtors, write the campaign, print the run's log."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
    from tortoise.exceptions import ConfigurationError, DBConnectionError

    from negotiation.errors import QuitaError
    from negotiation.rule_run import run_rule
    from negotiation.stale_runs import fail_stale_runs
    from quita.db import database

    settings = load_settings()
    as_of = _reference_date(today, settings.timezone)
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,  # on error, stderr keeps only the one "error:" line
        disable=not console.is_terminal,
    )

    async def go():
        async with database(settings.database_url):
            await fail_stale_runs()  # a run a killed process left "running" ends as failed
            task = bar.add_task(f"regra {rule_id}", total=100)

            def advance(percent: int, message: str) -> None:
                bar.update(task, completed=percent, description=message[:60])

            with bar:
                return await run_rule(rule_id, as_of, progress=advance, timezone=settings.timezone)

    try:
        result = asyncio.run(go())
    except QuitaError as exc:
        _fail(str(exc))
    except (ConfigurationError, DBConnectionError) as exc:
        _fail(f"database: {exc}")
    except Exception as exc:  # recorded on the run as failed; say it in one line
        typer.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"execução {result.id} da regra {rule_id}: {result.status}")
    from negotiation.rendering import terminal_safe

    for line in result.log.splitlines():  # may quote imported data (names, ids)
        typer.echo(f"  {terminal_safe(line)}")
