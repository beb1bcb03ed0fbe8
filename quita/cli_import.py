"""`quita import customers|receivables FILE.csv`: data in from the ISP's billing system.

Register it on the main app with `app.add_typer(import_app, name="import")`. `quita.cli` is
imported lazily here, so either module may import the other first.

Exit codes: 0 everything imported; 1 some lines rejected (the good ones imported); 2 the file
(or the database) cannot be used at all, with one line "error: ..." on stderr.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer

from negotiation.errors import QuitaError

import_app = typer.Typer(
    help="Import customers and receivables from the billing system (CSV; see the README).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# How many rejected lines the summary shows; --report has them all.
SHOWN_REJECTIONS = 10

FileArg = Annotated[
    Path,
    typer.Argument(help="The CSV file (UTF-8, UTF-16 or Latin-1; ',', ';' or tab)"),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", help="Write every rejected line, with its reasons, to this CSV"),
]


def _fail(message: str) -> NoReturn:
    from quita.cli_support import fail

    fail(" ".join(message.split()))  # one line, whatever the database said


def _echo(message: str) -> None:
    typer.echo(_shown(message))


def _shown(message: str) -> str:
    """Text from the file (cells, header names, its path) for the terminal: control characters
    as escapes (`\\x1b`), so a cell cannot clear the screen or fake a line."""
    from negotiation.rendering import terminal_safe

    return terminal_safe(message)


@import_app.command("customers")
def customers(file: FileArg, report: ReportOpt = None) -> None:
    """Upsert customers (and their phones) by external_id."""
    from negotiation.importing import CUSTOMER_REQUIRED, import_customers

    _import(file, report, CUSTOMER_REQUIRED, import_customers, "clientes")


@import_app.command("receivables")
def receivables(file: FileArg, report: ReportOpt = None) -> None:
    """Upsert receivables (contas a receber) by external_id; the customers must exist."""
    from negotiation.importing import RECEIVABLE_REQUIRED, import_receivables
    from quita.cli_support import load_settings

    timezone = load_settings().timezone  # places a paid_at given without an offset

    async def run(rows, progress):
        return await import_receivables(rows, progress, timezone=timezone)

    _import(file, report, RECEIVABLE_REQUIRED, run, "contas a receber")


@import_app.command("payments")
def payments(file: FileArg, report: ReportOpt = None) -> None:
    """Settle installments from a list of payments (id_pagamento, txid or nosso_numero,
    valor, pago_em); importing the same file again settles nothing twice."""
    from negotiation.payment_import import PAYMENT_REQUIRED, import_payments
    from quita.cli_support import load_settings

    timezone = load_settings().timezone

    async def run(rows, progress):
        return await import_payments(rows, progress, timezone=timezone)

    _import(file, report, PAYMENT_REQUIRED, run, "pagamentos")


def _read(file: Path, required: Sequence[str]) -> list[Mapping[str, Any]]:
    from negotiation.importing import read_csv

    try:
        return list(read_csv(file, required))
    except FileNotFoundError:
        _fail(f"{file}: no such file")
    except IsADirectoryError:
        _fail(f"{file}: is a folder, not a file")
    except OSError as exc:
        _fail(f"{file}: cannot be read ({exc.strerror or exc.__class__.__name__})")
    except QuitaError as exc:
        _fail(f"{file}: {exc}")


def _open_report(report: Path | None) -> TextIO | None:
    """Open --report before importing: an unwritable path stops everything up front."""
    if report is None:
        return None
    try:
        # utf-8-sig: spreadsheet programs then read the accents right.
        return report.open("w", encoding="utf-8-sig", newline="")
    except OSError as exc:
        _fail(f"{report}: cannot be written ({exc.strerror or exc.__class__.__name__})")


def _import(
    file: Path,
    report_path: Path | None,
    required: Sequence[str],
    run: Callable[..., Any],
    what: str,
) -> None:
    from quita.cli_support import load_settings

    rows = _read(file, required)
    settings = load_settings()
    out = _open_report(report_path)
    try:
        result = _run_import(settings.database_url, run, rows, what)
    except BaseException:
        if out is not None and report_path is not None:  # nothing imported: no report either
            out.close()
            report_path.unlink(missing_ok=True)
        raise
    if out is not None:
        with out:
            out.write(result.rejections_csv())

    _echo(result.summary())
    for message in result.messages()[:SHOWN_REJECTIONS]:
        _echo(f"  {message}")
    hidden = len(result.rejected) - SHOWN_REJECTIONS
    if hidden > 0:
        where = f"em {report_path}" if report_path else "com --report ARQUIVO.csv"
        _echo(f"  … e mais {hidden} linhas rejeitadas (lista completa {where})")
    elif result.rejected and report_path:
        _echo(f"  relatório das linhas rejeitadas em {report_path}")
    if result.rejected:
        raise typer.Exit(code=1)


def _run_import(database_url: str, run: Callable[..., Any], rows: list[Any], what: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from tortoise.exceptions import BaseORMException

    from quita.db import database

    progress = Progress(
        TextColumn(f"importando {what}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        console=_stderr_console(),
    )

    async def go() -> Any:
        async with database(database_url):
            with progress:
                task = progress.add_task(what, total=len(rows))
                return await run(rows, lambda done: progress.update(task, completed=done))

    try:
        return asyncio.run(go())
    except QuitaError as exc:
        _fail(str(exc))
    except (BaseORMException, OSError) as exc:
        _fail(f"database: {exc}")


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
