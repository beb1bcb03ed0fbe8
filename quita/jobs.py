"""Background jobs of `quita serve`: deliver billing events, retry the sends of payment
instruments, and once a day apply the break policy. State lives in the database, so a restart
or a second instance loses nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from models.clock import today_in
from negotiation import outreach
from negotiation.breaks import check_agreements
from negotiation.delivery import deliver_due as retry_deliveries
from negotiation.events import deliver_due as deliver_events
from quita.channels import Channels, telegram_chat_send
from quita.settings import Settings

log = logging.getLogger("quita.jobs")
TICK_SECONDS = 60


async def tick(
    settings: Settings, last_check: date | None, channels: Channels | None = None
) -> date:
    """One round of the jobs; returns the day the break policy last ran."""
    if settings.billing_webhook_url and settings.billing_webhook_secret:
        await deliver_events(settings.billing_webhook_url, settings.billing_webhook_secret)
    if channels is not None:
        await retry_deliveries(senders=channels.senders, settings=settings)
        if channels.bot is not None:
            report = await outreach.run_all(telegram_chat_send(channels), settings)
            if report.sent or report.failed:
                log.info("telegram outreach: %s", report)
    today = today_in(settings.timezone)
    if last_check != today:
        report = await check_agreements(today)
        log.info(
            "agreements check %s: %d moved, %d broken", today, len(report.moved), len(report.broken)
        )
    return today


async def run_forever(settings: Settings, channels: Channels | None = None) -> None:
    last_check: date | None = None
    while True:
        try:
            last_check = await tick(settings, last_check, channels)
        except Exception:
            log.exception("background jobs failed; trying again in %s s", TICK_SECONDS)
        await asyncio.sleep(TICK_SECONDS)
