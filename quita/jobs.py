"""Background jobs of `quita serve`: deliver billing events, retry the sends of payment
instruments, run the rules' message actions (also `quita outreach`), send agreement reminders
and thanks, handle again the webhooks whose handling failed, and once a day apply the break
policy. State lives in the database, so a restart or a second instance loses nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import httpx

from models.clock import today_in
from negotiation import delivery, events, outreach, retry_queue, rule_actions
from negotiation.breaks import check_agreements
from quita.channels import Channels, action_outlets, telegram_chat_send
from quita.inbound import retry_inbound
from quita.recovery import recover
from quita.settings import Settings

log = logging.getLogger("quita.jobs")
TICK_SECONDS = 60


async def tick(
    settings: Settings, last_check: date | None, channels: Channels | None = None
) -> date:
    """One round of the jobs; returns the day the break policy last ran."""
    await retry_inbound(settings, channels)  # webhooks recorded but not yet handled
    async with httpx.AsyncClient(timeout=10) as http:
        for name, queue, work in _retried(settings, channels, http):
            tally = await retry_queue.run_due(queue, work)
            if tally.tried:
                log.info("%s: %d sent, %d failed tries", name, tally.sent, tally.failed)
    if channels is not None:
        tally = await rule_actions.run_actions(action_outlets(channels), settings)
        if tally != rule_actions.Tally():
            log.info("rule actions: %s", tally.line())
    if channels is not None and channels.bot is not None:
        report = await outreach.run_all(telegram_chat_send(channels), settings)
        if report.sent or report.failed:
            log.info("telegram outreach: %s", report)
    today = today_in(settings.timezone)
    if last_check != today:
        report = await check_agreements(today)
        log.info(
            "agreements check %s: %d moved, %d broken", today, len(report.moved), len(report.broken)
        )
    await recover(settings)  # stale rule runs and calls without a final status
    return today


def _retried(settings: Settings, channels: Channels | None, http: httpx.AsyncClient) -> list:
    """Each kind of row the retry queue sends, with its work, when it is configured."""
    kinds = []
    if settings.billing_webhook_url and settings.billing_webhook_secret:
        post = events.poster(settings.billing_webhook_url, settings.billing_webhook_secret, http)
        kinds.append(("billing events", events.QUEUE, post))
    if channels is not None:
        send = delivery.sending(channels.senders, settings)
        kinds.append(("deliveries", delivery.retries(settings), send))
    return kinds


async def run_forever(settings: Settings, channels: Channels | None = None) -> None:
    last_check: date | None = None
    while True:
        try:
            last_check = await tick(settings, last_check, channels)
        except Exception:
            log.exception("background jobs failed; trying again in %s s", TICK_SECONDS)
        await asyncio.sleep(TICK_SECONDS)
