"""Calls whose final status never arrived: asked of the telephony provider, or closed.

Twilio's status callback may never reach us (our database was down when it came, Twilio gave
up retrying), and without it a call stays "in progress" forever: its campaign entry is never
retried and the dialer's lease on the debtor is held until it expires. `sweep_calls` finds
calls without a final status started more than FINAL_STATUS_WAIT ago and asks the provider
for the call's real status (`lookup`, given by telephony/: this package does not know
Twilio). A final status is applied through `apply_status`, as if the callback had come; a
call the provider does not know, a call never placed (no SID), or any call when there is no
provider (not configured, the sandbox) is closed as failed, with a note on the call. A
provider that cannot answer now leaves the call, and the ones after it, for the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Call, clock
from models.enums import FINAL_CALL_STATUSES, CallStatus
from negotiation.call_outcomes import apply_failure, apply_status
from negotiation.config import Zone
from negotiation.errors import ProviderUnavailable

log = logging.getLogger(__name__)

# Twilio's callbacks come within seconds of a call's end, and a robot call lasts minutes; two
# hours without a final status means the callback was lost (the provider is asked first, so
# a longer call, up to Twilio's 4-hour limit, is left alone while it says it is live).
FINAL_STATUS_WAIT = timedelta(hours=2)
BATCH = 50  # calls looked up per sweep; the rest wait for the next tick


@dataclass(frozen=True)
class RemoteCall:
    """What the provider says of a call."""

    status: str
    duration: int | None = None
    answered_by: str | None = None
    machine: bool = False
    ended_at: datetime | None = None


# lookup(sid): the provider's view of the call, None when it does not know the call; raises
# ProviderUnavailable when it cannot answer now.
CallLookup = Callable[[str], Awaitable[RemoteCall | None]]


@dataclass
class SweepReport:
    applied: int = 0  # the provider's final status applied
    closed: int = 0  # closed as failed (unknown to the provider, never placed, no provider)
    live: int = 0  # the provider says the call goes on
    waiting: int = 0  # the provider could not answer; tried again next sweep

    def __bool__(self) -> bool:
        return bool(self.applied or self.closed or self.live or self.waiting)


async def _close(call: Call, note: str, settings: Zone) -> bool:
    if not await apply_failure(call.id, settings=settings):
        return False  # its final status arrived meanwhile
    data = dict(call.data or {})
    data["closed_without_status"] = note
    await Call.filter(id=call.id).update(data=data)
    log.warning("call %s (%s) closed as failed: %s", call.id, call.sid or "no sid", note)
    return True


async def sweep_calls(lookup: CallLookup | None, settings: Zone) -> SweepReport:
    """Settle the calls left without a final status (see the module's docstring)."""
    report = SweepReport()
    cutoff = clock.now() - FINAL_STATUS_WAIT
    stale = (
        await Call.filter(created_at__lt=cutoff)
        .exclude(status__in=list(FINAL_CALL_STATUSES))
        .order_by("created_at", "id")
        .limit(BATCH)
    )
    for call in stale:
        if not call.sid:
            note = "sem status final: a ligação não chegou a ser feita"
        elif lookup is None:
            note = "sem status final: telefonia não configurada (ou sandbox)"
        else:
            try:
                remote = await lookup(call.sid)
            except ProviderUnavailable as exc:
                # Down for one call, likely down for all: the rest wait for the next sweep
                # instead of holding the background jobs a timeout each.
                log.warning("calls without a final status: Twilio did not answer (%s)", exc)
                report.waiting = len(stale) - stale.index(call)
                break
            if remote is not None and remote.status in FINAL_CALL_STATUSES:
                changed = await apply_status(
                    call.sid,
                    CallStatus(remote.status),
                    duration=remote.duration,
                    answered_by=remote.answered_by,
                    machine=remote.machine,
                    at=remote.ended_at,
                    settings=settings,
                )
                report.applied += changed
                continue
            if remote is not None:
                report.live += 1
                continue
            note = "sem status final: o Twilio não conhece a ligação"
        report.closed += await _close(call, note, settings)
    return report
