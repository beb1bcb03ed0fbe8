"""Twilio's call status callback: POST /twilio/voice/status.

Signed like every Twilio webhook (403 otherwise). Twilio may repeat a callback or send them
out of order: `negotiation.call_outcomes.apply_status` only moves a call forward, so the
answer is always an empty 204 and a late or repeated callback changes nothing.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from models import clock
from negotiation import ivr
from negotiation.call_outcomes import apply_status
from telephony.security import verified_form
from telephony.twilio_form import call_request, is_machine, timestamp, whole_number

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])


@router.post("/twilio/voice/status", status_code=204, response_class=Response)
async def call_status(request: Request) -> Response:
    form = await verified_form(request)
    settings = request.app.state.settings
    # An inbound call that ended during its first question has no row yet: it gets one here,
    # so every call is on record (and its greeting on the timeline).
    at = timestamp(form.get("Timestamp"))
    await ivr.call_of(call_request(form), settings, at or clock.now())
    changed = await apply_status(
        form.get("CallSid", ""),
        form.get("CallStatus", ""),
        duration=whole_number(form.get("CallDuration")),
        answered_by=form.get("AnsweredBy") or None,
        machine=is_machine(form.get("AnsweredBy")),
        at=at,
        settings=settings,
    )
    if not changed:
        log.debug(
            "call status %s of %s changed nothing", form.get("CallStatus"), form.get("CallSid")
        )
    return Response(status_code=204)
