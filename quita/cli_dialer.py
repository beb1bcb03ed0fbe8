"""`quita dialer`: the robot dialer as its own process (several may run against PostgreSQL)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

dialer_app = typer.Typer(
    help="The robot dialer: calls the due entries of robot-call campaigns through Twilio.",
    add_completion=False,
    pretty_exceptions_enable=False,
    invoke_without_command=True,
)


@dialer_app.callback()
def dialer(
    once: Annotated[
        bool, typer.Option("--once", help="Dial what is due now, then exit (no waiting)")
    ] = False,
    worker: Annotated[
        str, typer.Option("--worker", help="This process's name in the logs")
    ] = "dialer",
) -> None:
    """Lease due entries, check the calling rules, and place the calls at QUITA_TWILIO_CPS."""
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database
    from telephony.dialer import DialerNotConfigured, check_settings, run

    # A service process: the sandbox's stand-ins need the kept key, as under `quita serve`.
    settings = load_settings(with_secret=True)
    try:
        check_settings(settings)
    except DialerNotConfigured as exc:
        fail(str(exc))

    async def go() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with database(settings.database_url):
            return await run(settings, once=once, stop=stop, worker=worker)

    placed = run_command(go())
    typer.echo(f"{worker}: {placed} calls placed")
