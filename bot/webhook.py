"""POST /telegram/webhook: Telegram's updates, authenticated, recorded and handled once.

Telegram sends the secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token; anything
else is refused before the body is read. aiogram does not deduplicate in webhook mode, and
Telegram redelivers an update it thinks failed, so the update is recorded first by its
update_id (`negotiation.inbound_events`): 503 when that is impossible (Telegram delivers it
again later), and a redelivery of a handled update changes nothing. A handling that fails
after the record (Redis down, say) is tried again by the background jobs.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from models import InboundEvent, InboundSource
from negotiation import inbound_events
from negotiation.webhook_secret import secret_matches

if TYPE_CHECKING:
    from quita.channels import Channels

log = logging.getLogger("quita.bot")
router = APIRouter(tags=["telegram"])

# Telegram's update ids are positive and fit a signed 64-bit integer; anything else is not
# an update of theirs.
MAX_UPDATE_ID = 2**63 - 1
UNREADABLE = {"detail": "corpo do webhook ilegível"}


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
    if not secret_matches(settings.telegram_webhook_secret, given):
        return JSONResponse({"detail": "segredo do webhook inválido"}, status_code=401)
    # aiogram is imported here, not with the app: it is most of the app's start-up time
    # (quita/channels.py), and the app warms it up in the background once it answers.
    from aiogram.types import Update

    channels = request.app.state.channels
    if channels.dispatcher is None or channels.bot is None:
        return JSONResponse({"detail": "bot do Telegram não configurado"}, status_code=503)
    try:
        payload = json.loads(await request.body())
        update = Update.model_validate(payload, context={"bot": channels.bot})
    except (ValueError, ValidationError):
        return JSONResponse(UNREADABLE, status_code=400)
    if not 0 <= update.update_id <= MAX_UPDATE_ID:
        return JSONResponse(UNREADABLE, status_code=400)
    outcome = await inbound_events.receive(
        InboundSource.TELEGRAM, str(update.update_id), payload, telegram_handler(channels)
    )
    if outcome.duplicate or outcome.busy:
        return JSONResponse({"ok": True, "duplicate": True})
    # A failed handling is answered 200 all the same: it is on record and the jobs try it
    # again, while a redelivery would hold up the chat's next updates.
    return JSONResponse({"ok": True})


def telegram_handler(channels: Channels) -> inbound_events.Handler:
    """An update's handling from its record, by the app's dispatcher and bot."""

    async def handle(event: InboundEvent) -> None:
        from aiogram.types import Update

        update = Update.model_validate(event.payload, context={"bot": channels.bot})
        await channels.dispatcher.feed_update(channels.bot, update)

    return handle
