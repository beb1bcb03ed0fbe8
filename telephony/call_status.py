"""Twilio's call status callback: POST /twilio/voice/status.

Signed like every Twilio webhook (403 otherwise). Each callback is recorded first, by CallSid,
status and sequence number (`negotiation.inbound_events`): when that is impossible (database
down) or its handling fails, the answer is 503 and Twilio's redelivery (or the jobs) applies
it later. Twilio may repeat a callback or send them out of order:
`negotiation.call_outcomes.apply_status` only moves a call forward, so the answer is an empty
204 and a late or repeated callback changes nothing.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from models import InboundEvent, InboundSource
from negotiation import inbound_events, ivr
from negotiation.call_outcomes import apply_status
from negotiation.errors import TemporarilyUnavailable
from quita.settings import Settings
from telephony.security import verified_form
from telephony.twilio_form import call_request, is_machine, timestamp, whole_number

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])


@router.post("/twilio/voice/status", status_code=204, response_class=Response)
async def call_status(request: Request) -> Response:
    form = await verified_form(request)
    event_id = inbound_events.provider_id(
        form.get("CallSid"), form.get("CallStatus"), form.get("SequenceNumber")
    )
    handle = call_status_handler(request.app.state.settings)
    outcome = await inbound_events.receive(InboundSource.CALL_STATUS, event_id, form, handle)
    if not outcome.handled:  # kept: a redelivery or the jobs apply it
        raise TemporarilyUnavailable(inbound_events.UNAVAILABLE)
    return Response(status_code=204)


def call_status_handler(settings: Settings) -> inbound_events.Handler:
    """A status callback's handling from its record."""

    async def handle(event: InboundEvent) -> None:
        form = event.payload
        # An inbound call that ended during its first question has no row yet: it gets one
        # here, so every call is on record (and its greeting on the timeline).
        at = timestamp(form.get("Timestamp"))
        await ivr.call_of(call_request(form), settings, at or event.received_at)
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

    return handle
