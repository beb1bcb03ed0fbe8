"""Webhooks in from Telegram and Twilio, kept before they are acted on.

A webhook is verified, then its event is recorded once by the provider's id (`receive`): if
the record cannot be written (the database is down) the sender is told to try again later
(TemporarilyUnavailable, 503) instead of being told all went well. Once recorded, the event is
handled from the record by its source's handler and marked done, with what the handler
answered kept for a redelivery. A handling that fails leaves the event pending: a redelivery
handles it again at once, and the background jobs (`run_due`) try it after a growing pause, up
to MAX_ATTEMPTS tries; then it is failed and logged. A redelivery of a done event changes
nothing and gets the same answer.

One request or job at a time handles an event: taking it sets `locked_until` (compare and
set); a worker that dies mid-handling lets the lock lapse, and the jobs take the event over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models import InboundEvent, InboundSource, InboundStatus, clock
from negotiation.errors import InvalidInput, TemporarilyUnavailable
from negotiation.retry_queue import Backoff, lease

log = logging.getLogger("quita.inbound")

# One handling of one event, from its recorded payload; what it returns is kept as the
# event's result (an SMS's reply) and given to a redelivery.
Handler = Callable[[InboundEvent], Awaitable[dict[str, Any] | None]]

LOCK = timedelta(minutes=5)  # longer than any handling takes
BACKOFF = Backoff(first=timedelta(minutes=1), cap=timedelta(hours=1))
MAX_ATTEMPTS = 8  # about 4 hours of tries in all
MAX_ID_LENGTH = 200  # the column's size
# Telegram redelivers for a day at most, Twilio for hours: a done event older than this is
# no longer needed to tell a redelivery apart.
KEEP_DONE = timedelta(days=30)
UNAVAILABLE = "serviço temporariamente indisponível; tente novamente em instantes"


@dataclass
class Outcome:
    """What became of one delivery of an event."""

    handled: bool  # handled now, or done before
    duplicate: bool = False  # done before: nothing happened now
    busy: bool = False  # another request or job is handling it right now
    result: dict[str, Any] = field(default_factory=dict)


def provider_id(*parts: object) -> str:
    """The event's id at its provider, from one or more of its fields (`CallSid:status:seq`).
    InvalidInput when it is missing or longer than the record allows."""
    text = ":".join(str(p) for p in parts if p not in (None, ""))
    if not text or len(text) > MAX_ID_LENGTH:
        raise InvalidInput("identificador do evento ausente ou longo demais")
    return text


async def receive(
    source: InboundSource,
    event_id: str,
    payload: Mapping[str, Any],
    handler: Handler,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Record the event once (TemporarilyUnavailable when that is impossible), then handle it
    unless it is done or being handled."""
    now = now or clock.now()
    try:
        event, created = await _record(source, event_id, payload, now)
        if event.status == InboundStatus.DONE:
            return Outcome(handled=True, duplicate=True, result=event.result or {})
        if not created and not await _take(event, now):
            return Outcome(handled=False, busy=True)
    except (InvalidInput, TemporarilyUnavailable):
        raise
    except Exception as error:
        log.warning("%s %s not recorded: %s", source, event_id, error)
        raise TemporarilyUnavailable(UNAVAILABLE) from error
    return await _attempt_answering(event, handler, now)


async def _record(
    source: InboundSource, event_id: str, payload: Mapping[str, Any], now: datetime
) -> tuple[InboundEvent, bool]:
    try:
        event = await InboundEvent.create(
            source=source,
            provider_id=event_id,
            payload=dict(payload),
            next_attempt_at=now,
            locked_until=now + LOCK,  # this request handles it now
        )
        return event, True
    except IntegrityError:
        return await InboundEvent.get(source=source, provider_id=event_id), False


def _free(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


async def _take(event: InboundEvent, now: datetime) -> bool:
    """Lock an event for this request, unless it is done or someone else holds it. A failed
    (given up) event is taken too: its provider sending it again is one more chance."""
    taken = await (
        InboundEvent.filter(id=event.id, status__in=[InboundStatus.PENDING, InboundStatus.FAILED])
        .filter(_free(now))
        .update(locked_until=now + LOCK)
    )
    if taken:
        event.locked_until = now + LOCK
    return bool(taken)


async def _attempt_answering(event: InboundEvent, handler: Handler, now: datetime) -> Outcome:
    try:
        done = await attempt(event, handler, now)
    except Exception as error:  # the outcome could not be saved: the lock lapses, jobs retry
        log.warning("%s %s: outcome not saved: %s", event.source, event.provider_id, error)
        raise TemporarilyUnavailable(UNAVAILABLE) from error
    return Outcome(handled=done, result=event.result or {})


async def attempt(event: InboundEvent, handler: Handler, now: datetime | None = None) -> bool:
    """One handling of an event its caller holds; the event is saved with the outcome (an
    error saving it propagates, and the lock then lapses). True when it was handled."""
    now = now or clock.now()
    event.attempts += 1
    try:
        event.result = await handler(event) or {}
    except Exception as error:  # kept for another try, and shown in the log
        gave_up = event.attempts >= MAX_ATTEMPTS
        event.status = InboundStatus.FAILED if gave_up else InboundStatus.PENDING
        event.next_attempt_at = now + BACKOFF.after(event.attempts)
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
        log_at = log.error if gave_up else log.warning
        log_at(
            "%s %s, try %d%s: %s",
            event.source,
            event.provider_id,
            event.attempts,
            " (given up)" if gave_up else "",
            event.last_error,
            exc_info=True,
        )
        done = False
    else:
        event.status, event.done_at, event.last_error = InboundStatus.DONE, now, None
        done = True
    event.locked_until = None
    await event.save(
        update_fields=[
            "attempts",
            "status",
            "result",
            "next_attempt_at",
            "locked_until",
            "last_error",
            "done_at",
        ]
    )
    return done


@dataclass
class Tally:
    done: int = 0
    failed: int = 0  # failed tries, given up or not

    @property
    def tried(self) -> int:
        return self.done + self.failed


async def run_due(
    handlers: Mapping[InboundSource, Handler],
    *,
    now: datetime | None = None,
    limit: int = 100,
    batch: int = 10,
) -> Tally:
    """Handle again the pending events whose time has come, of the sources with a handler
    (oldest first, up to `limit`)."""
    now = now or clock.now()
    tally = Tally()
    sources = list(handlers)
    if not sources:
        return tally

    def due():
        return InboundEvent.filter(
            status=InboundStatus.PENDING, source__in=sources, next_attempt_at__lte=now
        ).filter(_free(now))

    while tally.tried < limit:
        # Locked a batch at a time, so that a lock outlives the handlings of its batch.
        events = await lease(
            due, column="locked_until", until=now + LOCK, limit=min(batch, limit - tally.tried)
        )
        if not events:
            break
        for event in events:
            if await attempt(event, handlers[event.source], now):
                tally.done += 1
            else:
                tally.failed += 1
    return tally


async def prune(now: datetime | None = None) -> int:
    """Forget the events done more than KEEP_DONE ago; failed ones stay for a person to see."""
    now = now or clock.now()
    old = InboundEvent.filter(status=InboundStatus.DONE, done_at__lt=now - KEEP_DONE)
    return await old.delete()
