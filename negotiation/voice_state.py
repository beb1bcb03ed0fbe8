"""The voice dialog's state store: the `Call` row (step, data, silences, keys), so any app
instance can answer any of Twilio's webhooks.

A request takes its step with one compare-and-set UPDATE (`claim`: the row holds "<step>*"
while it works), so a repeated webhook cannot act twice, and gives it back when it fails
(`release`). A call is found by its CallSid; an inbound call has no row before its first
answer (`CallRequest`: what a webhook says of the call, already out of the provider's form).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import DoesNotExist

from models import Call, Customer
from models.enums import CallDirection, CallStatus
from models.hot_path import fetch_one, insert

log = logging.getLogger("quita.ivr")

# The columns a dialog step changes (the status callback and the dialer own the others).
_FIELDS = [
    "step",
    "data",
    "silences",
    "keys",
    "outcome",
    "agreement_id",
    "answered_by",
    "answered_at",
    "customer_id",
    "updated_at",
]


@dataclass(frozen=True)
class CallRequest:
    """What a voice webhook says of its call."""

    sid: str
    direction: CallDirection
    from_number: str = ""
    to_number: str = ""
    row_id: int | None = None  # the dialer's row, named on the answer URL


async def call_by_sid(sid: str) -> Call | None:
    """The call of a CallSid (a point read: every webhook of a call starts with it)."""
    if not sid:
        return None
    return await fetch_one(Call, 'SELECT * FROM "call" WHERE sid = ?', sid)


def new_call(request: CallRequest, now: datetime) -> Call:
    """A Call for the request, not saved."""
    return Call(
        sid=request.sid or None,
        direction=request.direction,
        status=CallStatus.IN_PROGRESS,
        from_number=request.from_number[:20],
        to_number=request.to_number[:20],
        answered_at=now,
    )


async def call_for(request: CallRequest, now: datetime) -> Call:
    """The Call of an answer URL: found by CallSid (the dialer stores it when it creates the
    call; or the row the answer URL names), or a new one, not saved (an inbound call)."""
    sid = request.sid
    # An inbound call has no row before its first answer: only an outbound one is looked up.
    if request.direction == CallDirection.OUTBOUND or request.row_id is not None or not sid:
        call = await call_by_sid(sid)
        if call is not None:
            return call
    if request.row_id is not None:
        updated = await Call.filter(id=request.row_id, sid__isnull=True).update(sid=sid)
        call = await Call.get_or_none(sid=sid) if updated else None
        if call is not None:
            return call
    return new_call(request, now)


async def customer_of(customer_id: int) -> Customer:
    """The call's customer (a point read, like the call's)."""
    customer = await fetch_one(Customer, "SELECT * FROM customer WHERE id = ?", customer_id)
    if customer is None:
        raise DoesNotExist(Customer)
    return customer


async def claim(call: Call, step: str) -> bool:
    """Take the step for this request: one guarded UPDATE, so a repeat cannot act twice. The
    row must also be as this request read it: a request that read it before another one saved
    it, or before the status callback took its transcript, would save stale data back."""
    taken = await Call.filter(id=call.id, step=step, updated_at=call.updated_at).update(
        step=f"{step}*"
    )
    return bool(taken)


async def release(call: Call, step: str) -> None:
    """A request that failed gives its step back, so the next one can act on it."""
    try:
        await Call.filter(id=call.id, step=f"{step}*").update(step=step)
    except Exception:
        log.warning("call %s: could not release step %s", call.id, step)


async def save(call: Call) -> None:
    if call.id is None:  # a new call's first answer: one INSERT with its state
        await insert(call)
        return
    await call.save(update_fields=_FIELDS)
