"""POST /telegram/webhook: Telegram's updates, authenticated and handled once.

Telegram sends the secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token; anything
else is refused before the body is read. aiogram does not deduplicate in webhook mode, and
Telegram redelivers an update it thinks failed, so the update_id is recorded first
(models.ProcessedUpdate): the same update again changes nothing.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from tortoise.exceptions import IntegrityError

from models import ProcessedUpdate
from negotiation.webhook_secret import secret_matches

log = logging.getLogger("quita.bot")
router = APIRouter(tags=["telegram"])


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
    dispatcher = channels.dispatcher
    if dispatcher is None or channels.bot is None:
        return JSONResponse({"detail": "bot do Telegram não configurado"}, status_code=503)
    try:
        update = Update.model_validate(
            json.loads(await request.body()), context={"bot": channels.bot}
        )
    except (ValueError, ValidationError):
        return JSONResponse({"detail": "corpo do webhook ilegível"}, status_code=400)
    try:
        await ProcessedUpdate.create(update_id=update.update_id)
    except IntegrityError:
        return JSONResponse({"ok": True, "duplicate": True})
    try:
        await dispatcher.feed_update(channels.bot, update)
    except Exception:
        # Answered 200 all the same: a redelivery would fail the same way and hold up the
        # chat's next updates. The debtor got an apology from the handler if it got that far.
        log.exception("update %s failed", update.update_id)
    return JSONResponse({"ok": True})
