"""`quita pix parse PAYLOAD` and `quita pix build ...`: PIX BR Codes from the shell."""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer

from negotiation.errors import InvalidInput

pix_app = typer.Typer(
    help="PIX BR Codes (copia e cola): read one, or build a static one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@pix_app.callback()
def _group() -> None:
    """PIX BR Codes (copia e cola): read one, or build a static one."""
    # With a callback the app stays a group: `parse` / `build` are sub-commands standalone too.


def _fail(message: str) -> NoReturn:
    # Imported late: quita.cli registers this app, so importing it at the top would be circular.
    from quita.cli_support import fail

    fail(message)


@pix_app.command("parse")
def parse_command(
    payload: Annotated[str, typer.Argument(help="The BR Code (PIX copia e cola)")],
) -> None:
    """Check the CRC and layout of a BR Code and print its fields as JSON."""
    from negotiation.payments.pix import parse

    try:
        fields = parse(payload).as_dict()
    except InvalidInput as exc:
        _fail(str(exc))
    typer.echo(json.dumps(fields, ensure_ascii=False, indent=2))


@pix_app.command("build")
def build_command(
    key: Annotated[
        str, typer.Option("--key", help="PIX key: CPF, CNPJ, e-mail, +55 phone or random key")
    ],
    name: Annotated[str, typer.Option("--name", help="Receiver's name (up to 25 characters)")],
    city: Annotated[str, typer.Option("--city", help="Receiver's city (up to 15 characters)")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Amount in reais, e.g. 123.45 (none: open)")
    ] = None,
    txid: Annotated[
        str | None, typer.Option("--txid", help="Up to 25 letters and digits (none: ***)")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Message shown to the payer")
    ] = None,
    shorten: Annotated[
        bool,
        typer.Option("--shorten", help="Shorten a long name or city at a word boundary"),
    ] = False,
) -> None:
    """Print a static BR Code for the key, amount and txid."""
    from negotiation.payments.pix import build_static

    try:
        payload = build_static(key, name, city, amount, txid, description, shorten=shorten)
    except InvalidInput as exc:
        _fail(str(exc))
    typer.echo(payload)
