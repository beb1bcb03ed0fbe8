"""`quita agreements check`: apply the break policy of every active agreement."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

agreements_app = typer.Typer(help="Agreements: their life after the deal.", no_args_is_help=True)


@agreements_app.command("check")
def check(
    today: Annotated[
        str | None, typer.Option(help="Reference date YYYY-MM-DD (default: today, ISP zone)")
    ] = None,
) -> None:
    """Move or break agreements whose installments are past their tolerance."""
    from models.clock import today_in
    from negotiation.breaks import check_agreements
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database

    settings = load_settings()
    try:
        day = date.fromisoformat(today) if today else today_in(settings.timezone)
    except ValueError:
        fail(f"--today: {today!r} is not a date as YYYY-MM-DD")

    async def go():
        async with database(settings.database_url):
            return await check_agreements(day)

    report = run_command(go())
    typer.echo(
        f"{day:%d/%m/%Y}: {len(report.moved)} parcelas movidas para o fim, "
        f"{len(report.broken)} acordos cancelados"
    )


@agreements_app.command("deliver-events")
def deliver_events() -> None:
    """Send the pending billing-system webhooks now (`quita serve` does it every minute)."""
    from negotiation.events import deliver_due
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database

    settings = load_settings()
    if not settings.billing_webhook_url or not settings.billing_webhook_secret:
        fail("QUITA_BILLING_WEBHOOK_URL and QUITA_BILLING_WEBHOOK_SECRET must be set")

    async def go():
        async with database(settings.database_url):
            return await deliver_due(settings.billing_webhook_url, settings.billing_webhook_secret)

    sent, failed = run_command(go())
    typer.echo(f"{sent} eventos enviados, {failed} tentativas falharam")
