"""`quita boleto parse|build`: read and make FEBRABAN boleto codes from the shell."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, NoReturn

import typer

boleto_app = typer.Typer(
    help="Boleto (FEBRABAN): check a linha digitável or barcode, or build one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@boleto_app.callback()
def _group() -> None:
    """Boleto (FEBRABAN): check a linha digitável or barcode, or build one."""
    # With a callback the app stays a group: `parse` / `build` are sub-commands even standalone.


def _fail(message: str) -> NoReturn:
    # Imported late: quita.cli registers the sub-apps, so importing it at the top is circular.
    from quita.cli_support import fail

    fail(message)


def _date(text: str, option: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: {text!r} is not a date as YYYY-MM-DD")


def _today(text: str | None) -> date:
    if text is not None:
        return _date(text, "--today")
    from models.clock import today_in
    from quita.cli_support import load_settings  # a bad QUITA_* setting fails in one line there

    return today_in(load_settings().timezone)


@boleto_app.command("parse")
def parse_command(
    code: Annotated[
        str,
        typer.Argument(
            metavar="LINE_OR_BARCODE",
            help="47-digit linha digitável or 44-digit barcode; spaces and dots are fine",
        ),
    ],
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="YYYY-MM-DD",
            help="Reference date that decodes the due-date factor (default: today)",
        ),
    ] = None,
) -> None:
    """Check the code's digits and print its bank, amount and due date as JSON."""
    from negotiation.errors import QuitaError
    from negotiation.payments.boleto import parse

    reference = _today(today)
    try:
        boleto = parse(code, reference)
    except QuitaError as exc:
        _fail(str(exc))
    typer.echo(
        json.dumps(
            {
                "valid": True,
                "bank": boleto.bank,
                "barcode": boleto.barcode,
                "line": boleto.formatted_line,
                "amount": str(boleto.amount),
                "due_date": boleto.due_date.isoformat() if boleto.due_date else None,
            },
            ensure_ascii=False,
        )
    )


@boleto_app.command("build")
def build_command(
    bank: Annotated[str, typer.Option("--bank", help="Bank code, 3 digits (001, 237, 756)")],
    amount: Annotated[str, typer.Option("--amount", help="Amount in reais, as 1234.56")],
    due: Annotated[
        str,
        typer.Option("--due", metavar="YYYY-MM-DD", help="Due date, or 'none' for no due date"),
    ],
    free_field: Annotated[
        str, typer.Option("--free-field", help="The bank's 25-digit campo livre")
    ],
) -> None:
    """Print the barcode and the formatted linha digitável."""
    from negotiation.errors import QuitaError
    from negotiation.payments.boleto import build

    due_date = None if due.strip().lower() == "none" else _date(due, "--due")
    try:
        boleto = build(bank, amount, due_date, free_field)
    except QuitaError as exc:
        _fail(str(exc))
    typer.echo(f"barcode: {boleto.barcode}")
    typer.echo(f"line: {boleto.formatted_line}")
