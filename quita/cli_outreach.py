"""`quita outreach`: the rules' message actions (e-mail, SMS, Telegram) as their own process,
like `quita dialer`; several may run against PostgreSQL (each send is claimed in the database).
`quita serve` runs the same passes in its background jobs."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

outreach_app = typer.Typer(
    help="The rules' message actions: e-mail, SMS and Telegram to the debtors of each rule's run.",
    add_completion=False,
    pretty_exceptions_enable=False,
    invoke_without_command=True,
)


@outreach_app.callback()
def outreach(
    once: Annotated[
        bool, typer.Option("--once", help="One pass over every action, then exit")
    ] = False,
    every: Annotated[
        int, typer.Option("--every", min=5, help="Seconds between passes (without --once)")
    ] = 60,
) -> None:
    """Send what each active action is due to send now, through the contact rules; one line
    per pass says how many were sent, postponed, refused, skipped (no address) and failed."""
    from negotiation.rule_actions import run_actions
    from quita.channels import action_outlets, build_channels
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database

    # A service process: the sandbox's stand-ins need the kept key, as under `quita serve`.
    settings = load_settings(with_secret=True)
    channels = build_channels(settings)
    outlets = action_outlets(channels)
    if not outlets.senders and outlets.chat_send is None:
        fail(
            "no channel to send with: set QUITA_SMTP_URL, the Twilio SMS settings or "
            "QUITA_TELEGRAM_TOKEN (or QUITA_SANDBOX=1)"
        )

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            async with database(settings.database_url):
                while not stop.is_set():
                    tally = await run_actions(outlets, settings)
                    typer.echo(f"outreach: {tally.line()}")
                    if once:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), every)
        finally:
            await channels.aclose()

    run_command(go())
