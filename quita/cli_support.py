"""What every `quita` command shares: one-line failures (exit code 2), the settings, and
running a coroutine with Quita's errors turned into such a failure. Its own module so that the
subcommand modules need nothing from `quita.cli`, which registers them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from tortoise.exceptions import ConfigurationError, DBConnectionError

from negotiation.errors import QuitaError


def fail(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit code 2, nothing written. The message often quotes
    the input (a file's header, a path): its control characters are shown as escapes."""
    from negotiation.rendering import terminal_safe

    typer.echo(f"error: {terminal_safe(message)}", err=True)
    raise typer.Exit(code=2)


def load_settings(*, with_secret: bool = False):
    """The configured settings; `with_secret` for commands that sign or run the service (the
    key kept in `.quita-secret` is made there, never by merely reading the settings)."""
    from quita.settings import get_settings, with_secret_key

    try:
        settings = get_settings()
        return with_secret_key(settings) if with_secret else settings
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        fail(f"QUITA_{str(err['loc'][0]).upper()}: {err['msg'].removeprefix('Value error, ')}")


def run_command(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coro)
    except QuitaError as exc:
        fail(str(exc))
    except (ConfigurationError, DBConnectionError) as exc:
        fail(f"database: {exc}")
