"""The background jobs' step for webhooks whose handling failed after they were recorded:
each source's handler, from the app's settings and channels (`negotiation.inbound_events`)."""

from __future__ import annotations

import logging

from bot.webhook import telegram_handler
from models import InboundSource
from negotiation import inbound_events
from quita.channels import Channels
from quita.settings import Settings
from telephony.call_status import call_status_handler
from telephony.sms_webhooks import sms_handler, sms_status_handler

log = logging.getLogger("quita.jobs")


def handlers(settings: Settings, channels: Channels | None) -> dict:
    kinds: dict = {
        InboundSource.SMS: sms_handler(settings),
        InboundSource.SMS_STATUS: sms_status_handler,
        InboundSource.CALL_STATUS: call_status_handler(settings),
    }
    # Telegram's updates wait for an instance whose bot is configured.
    if channels is not None and channels.bot is not None and channels.dispatcher is not None:
        kinds[InboundSource.TELEGRAM] = telegram_handler(channels)
    return kinds


async def retry_inbound(settings: Settings, channels: Channels | None = None) -> None:
    tally = await inbound_events.run_due(handlers(settings, channels))
    if tally.tried:
        log.info("inbound events: %d handled, %d failed tries", tally.done, tally.failed)
    await inbound_events.prune()
