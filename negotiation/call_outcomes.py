"""What a robot call's end means for its campaign entry and the contact history.

Twilio's status callbacks may come twice or out of order, so `apply_status` only moves a call
forward in Twilio's order (queued → initiated → ringing → in-progress → a final status) and a
final status is terminal: a repeated callback, or "ringing" after "completed", changes
nothing. The move is a compare-and-set on the call's status (and a row lock on PostgreSQL),
so two callbacks racing each other cannot both apply.

On the final status the entry's fate is decided from the call's `outcome` (set by the voice
dialog) or, without one, from the status and what answered:

- agreement, wrong party, conversation (talked, no deal) → the entry is "done", with a result
  type of the matching kind when the ISP has one (negotiated, wrong_party, no_negotiation);
- voicemail (or a machine answered), busy, no-answer, failed, canceled, or a completed call
  in which nobody got as far as a conversation → a retry: the entry goes back to "scheduled"
  at now + the rule's `retry_minutes`, moved into the debtor's calling window, until the
  rule's `max_attempts` calls were made; then it is "done" (result kind unreachable).

Either way the dialer's lease is released and the call's contact attempt (found by its note)
gets the outcome. Entries that an attendant moved elsewhere meanwhile (not "in_progress") keep
their state.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from models import Call, CampaignEntry, Customer, EntryResult, ResultType, clock
from models.enums import (
    FINAL_CALL_STATUSES,
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactOutcome,
    EntryState,
    ResultKind,
)
from negotiation import call_transcript
from negotiation.config import Zone
from negotiation.contact_policy import next_window_start, record_outcome, zone_for
from negotiation.dialer_queue import call_note

log = logging.getLogger(__name__)

ORDER = {status: index for index, status in enumerate(CallStatus)}
# Outcomes the voice dialog sets that end the entry, and the kind of result type they map to.
DONE_OUTCOMES = {
    ContactOutcome.AGREEMENT: ResultKind.NEGOTIATED,
    ContactOutcome.WRONG_PARTY: ResultKind.WRONG_PARTY,
    ContactOutcome.CONVERSATION: ResultKind.NO_NEGOTIATION,
}
_STATUS_OUTCOMES = {
    CallStatus.BUSY: ContactOutcome.BUSY,
    CallStatus.NO_ANSWER: ContactOutcome.NO_ANSWER,
    CallStatus.FAILED: ContactOutcome.FAILED,
    CallStatus.CANCELED: ContactOutcome.FAILED,
}


def final_outcome(status: CallStatus, outcome: ContactOutcome | None, machine: bool = False):
    """The outcome a finished call leaves in the history. `machine`: the channel told that a
    machine (or fax) answered; telephony reads that from Twilio's `AnsweredBy`."""
    if outcome in DONE_OUTCOMES or outcome == ContactOutcome.VOICEMAIL:
        return outcome
    if status in _STATUS_OUTCOMES:
        return _STATUS_OUTCOMES[status]
    if machine:
        return ContactOutcome.VOICEMAIL
    # Completed, but nobody got as far as a conversation (hung up at the greeting...).
    return outcome or ContactOutcome.ATTEMPTED


def _parse_status(status: str | CallStatus) -> CallStatus | None:
    try:
        return CallStatus(str(status).strip().lower())
    except ValueError:
        return None


async def apply_status(
    call_sid: str,
    status: str | CallStatus,
    *,
    duration: int | None = None,
    answered_by: str | None = None,
    machine: bool = False,
    at: datetime | None = None,
    settings: Zone,
) -> bool:
    """Applies one status callback of call `call_sid`. True when it changed the call.
    `answered_by` is only recorded on the call; `machine` is what it means."""
    new = _parse_status(status)
    if new is None or not call_sid:
        return False
    call_id = await Call.filter(sid=call_sid).values_list("id", flat=True)
    if not call_id:
        log.info("status %s for unknown call %s", new.value, call_sid)
        return False
    return await _advance(
        call_id[0],
        new,
        duration=duration,
        answered_by=answered_by,
        machine=machine,
        at=at,
        settings=settings,
    )


async def apply_failure(call_id: int, *, at: datetime | None = None, settings: Zone) -> bool:
    """The call could not be placed (Twilio refused it): it failed, the entry retries."""
    return await _advance(call_id, CallStatus.FAILED, at=at, settings=settings)


async def _advance(
    call_id: int,
    new: CallStatus,
    *,
    duration: int | None = None,
    answered_by: str | None = None,
    machine: bool = False,
    at: datetime | None = None,
    settings: Zone,
) -> bool:
    at = (at or clock.now()).astimezone(UTC)
    conn = connections.get("default")
    async with in_transaction() as tx:
        query = Call.filter(id=call_id).using_db(tx)
        if conn.capabilities.support_for_update:
            query = query.select_for_update()
        call = await query.first()
        if call is None:
            return False
        current = CallStatus(call.status)
        if current in FINAL_CALL_STATUSES or ORDER[new] <= ORDER[current]:
            return False  # repeated, late or out of order: nothing moves backwards
        changes: dict = {"status": new}
        if answered_by and not call.answered_by:
            changes["answered_by"] = answered_by[:24]
        if machine and call.outcome is None:
            # The neutral fact is kept as the outcome, so a later final callback (which may
            # not repeat `AnsweredBy`) still ends as voicemail.
            changes["outcome"] = call.outcome = ContactOutcome.VOICEMAIL
        if new == CallStatus.IN_PROGRESS or (new == CallStatus.COMPLETED and not call.answered_at):
            changes["answered_at"] = call.answered_at or at
        final = new in FINAL_CALL_STATUSES
        if final:
            changes["ended_at"] = at
            if duration is not None:
                changes["duration_seconds"] = max(0, int(duration))
            outcome = final_outcome(new, call.outcome, machine)
            changes["outcome"] = outcome
        # Compare-and-set: only one of two racing callbacks finds the old status.
        moved = await Call.filter(id=call_id, status=current).using_db(tx).update(**changes)
        if not moved:
            return False
        if final:
            for name, value in changes.items():
                setattr(call, name, value)
            await _settle_entry(call, outcome, at, settings, tx)
            await _record_outcome(call, outcome, at, tx)
    if final:
        # A caller who hung up mid-dialog: what was said is still buffered on the call. The
        # call's conversation closes with it (unless it waits for a person).
        await call_transcript.end(call_id)
    return True


async def _result_type(kind: ResultKind, tx) -> int | None:
    ids = (
        await ResultType.filter(kind=kind, active=True)
        .using_db(tx)
        .order_by("id")
        .limit(1)
        .values_list("id", flat=True)
    )
    return ids[0] if ids else None


async def _settle_entry(
    call: Call, outcome: ContactOutcome, at: datetime, settings: Zone, tx
) -> None:
    if call.entry_id is None:
        return
    entry = await CampaignEntry.filter(id=call.entry_id).using_db(tx).select_related("rule").first()
    if entry is None:
        return
    changes: dict = {"leased_until": None}
    if entry.state == EntryState.IN_PROGRESS:
        if outcome in DONE_OUTCOMES:
            changes["state"] = EntryState.DONE
            changes["result_type_id"] = await _result_type(DONE_OUTCOMES[outcome], tx)
            if outcome == ContactOutcome.AGREEMENT and call.agreement_id and not entry.agreement_id:
                changes["agreement_id"] = call.agreement_id
        elif entry.attempts >= entry.rule.max_attempts:
            changes["state"] = EntryState.DONE
            changes["result_type_id"] = await _result_type(ResultKind.UNREACHABLE, tx)
        else:
            changes["state"] = EntryState.SCHEDULED
            changes["reschedule_at"] = await _retry_at(
                entry.customer_id, at, entry.rule.retry_minutes, settings, tx
            )
        if changes.get("result_type_id") is None:
            changes.pop("result_type_id", None)
    await CampaignEntry.filter(id=entry.id).using_db(tx).update(**changes)
    if changes.get("state") == EntryState.DONE:
        # The robot's result, for the results report.
        await EntryResult.create(
            using_db=tx,
            entry_id=entry.id,
            actor=ContactActor.ROBOT,
            result_type_id=changes.get("result_type_id"),
            agreement_id=changes.get("agreement_id"),
            recorded_at=at,
        )


async def _retry_at(customer_id: int, at: datetime, minutes: int, settings: Zone, tx) -> datetime:
    state = await Customer.filter(id=customer_id).using_db(tx).values_list("state", flat=True)
    when = at + timedelta(minutes=minutes)
    uf = state[0] if state else None
    start = next_window_start(uf, when, zone_for(uf, settings.timezone))
    return start.astimezone(UTC)


async def _record_outcome(call: Call, outcome: ContactOutcome, at: datetime, tx) -> None:
    if call.customer_id is None:
        return
    await record_outcome(
        call.customer_id,
        call_note(call.id),
        outcome,
        channel=Channel.VOICE,
        actor=ContactActor.ROBOT,
        entry_id=call.entry_id,
        at=call.created_at or at,
        create_missing=call.direction == CallDirection.OUTBOUND,
        using_db=tx,
    )
