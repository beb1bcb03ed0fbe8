"""Twilio's call status callback: POST /twilio/voice/status.

Signed like every Twilio webhook (403 otherwise). Twilio may repeat a callback or send them
out of order: `negotiation.call_outcomes.apply_status` only moves a call forward, so the
answer is always an empty 204 and a late or repeated callback changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from fastapi import APIRouter, Request, Response

from models import clock
from negotiation import ivr
from negotiation.call_outcomes import apply_status
from telephony.security import verified_form

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])


def _timestamp(value: str | None) -> datetime | None:
    """Twilio's `Timestamp` (RFC 2822, e.g. "Mon, 16 Nov 2026 17:00:12 +0000")."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@router.post("/twilio/voice/status", status_code=204, response_class=Response)
async def call_status(request: Request) -> Response:
    form = await verified_form(request)
    settings = request.app.state.settings
    # An inbound call that ended during its first question has no row yet: it gets one here,
    # so every call is on record (and its greeting on the timeline).
    await ivr.call_of(form, settings, _timestamp(form.get("Timestamp")) or clock.now())
    changed = await apply_status(
        form.get("CallSid", ""),
        form.get("CallStatus", ""),
        duration=_int(form.get("CallDuration")),
        answered_by=form.get("AnsweredBy") or None,
        at=_timestamp(form.get("Timestamp")),
        settings=settings,
    )
    if not changed:
        log.debug(
            "call status %s of %s changed nothing", form.get("CallStatus"), form.get("CallSid")
        )
    return Response(status_code=204)
