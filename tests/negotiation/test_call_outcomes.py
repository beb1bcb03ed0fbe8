"""Status callbacks move a call forward only, and its end decides the entry's fate."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from models import Call, CampaignEntry, ContactAttempt, ResultType
from models.enums import (
    CallStatus,
    ContactOutcome,
    EntryState,
    ResultKind,
)
from negotiation.call_outcomes import apply_failure, apply_status, final_outcome
from negotiation.dialer_queue import lease_due, start_call
from tests.negotiation.test_dialer_queue import (
    MONDAY_2PM,
    SP,
    due_entry,
    local,
    robot_campaign,
    settings,
    utc,
)

SID = "CA" + "0" * 32


async def placed_call(sid: str = SID, *, at: datetime = MONDAY_2PM, **rule) -> Call:
    """A robot call of a fresh due entry, as the dialer leaves it (SID stored)."""
    campaign = await robot_campaign(**rule)
    await due_entry(campaign)
    [entry] = await lease_due(at, settings(), limit=1, worker="t")
    call = await start_call(entry, settings(), now=at)
    assert call is not None
    await Call.filter(id=call.id).update(sid=sid)
    return await Call.get(id=call.id)


async def entry_of(call: Call) -> CampaignEntry:
    return await CampaignEntry.get(id=call.entry_id)


async def attempt_of(call: Call) -> ContactAttempt:
    [attempt] = await ContactAttempt.filter(customer_id=call.customer_id)
    return attempt


async def status(sid: str, value: str, at: datetime = MONDAY_2PM, **kw) -> bool:
    return await apply_status(sid, value, at=at, settings=settings(), **kw)


# --- forward only ------------------------------------------------------------------------


async def test_a_call_moves_forward_only(db) -> None:
    call = await placed_call()
    t = MONDAY_2PM

    assert await status(SID, "initiated", t)
    assert await status(SID, "ringing", t + timedelta(seconds=2))
    assert not await status(SID, "initiated", t + timedelta(seconds=3))  # late
    assert not await status(SID, "ringing", t + timedelta(seconds=3))  # repeated
    assert await status(SID, "in-progress", t + timedelta(seconds=10), answered_by="human")
    await call.refresh_from_db()
    assert call.status == CallStatus.IN_PROGRESS
    assert call.answered_at == t + timedelta(seconds=10) and call.answered_by == "human"
    assert call.ended_at is None

    await Call.filter(id=call.id).update(outcome=ContactOutcome.AGREEMENT)
    assert await status(SID, "completed", t + timedelta(seconds=95), duration=85)
    await call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED
    assert call.ended_at == t + timedelta(seconds=95) and call.duration_seconds == 85
    assert call.answered_at == t + timedelta(seconds=10)
    entry = await entry_of(call)
    assert entry.state == EntryState.DONE and entry.leased_until is None


async def test_repeated_and_out_of_order_final_callbacks_change_nothing(db) -> None:
    call = await placed_call()
    assert await status(SID, "no-answer", MONDAY_2PM, duration=0)
    await call.refresh_from_db()
    entry = await entry_of(call)
    attempt = await attempt_of(call)
    snapshot = (
        call.status,
        call.ended_at,
        call.outcome,
        entry.state,
        entry.reschedule_at,
        entry.attempts,
        attempt.outcome,
    )

    later = MONDAY_2PM + timedelta(minutes=1)
    for value in ("no-answer", "ringing", "in-progress", "completed", "busy", "failed"):
        assert not await status(SID, value, later, duration=30)

    await call.refresh_from_db()
    entry = await entry_of(call)
    attempt = await attempt_of(call)
    assert snapshot == (
        call.status,
        call.ended_at,
        call.outcome,
        entry.state,
        entry.reschedule_at,
        entry.attempts,
        attempt.outcome,
    )
    assert await ContactAttempt.all().count() == 1


async def test_racing_final_callbacks_apply_once(each_db) -> None:
    await placed_call()
    results = await asyncio.gather(*(status(SID, "busy") for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]


async def test_unknown_call_or_status_is_ignored(db) -> None:
    await placed_call()
    assert not await status("CA" + "f" * 32, "completed")
    assert not await status(SID, "exploded")
    assert not await status("", "completed")


# --- the entry's fate --------------------------------------------------------------------


async def test_no_answer_reschedules_by_the_retry_interval(db) -> None:
    call = await placed_call(retry_minutes=90)

    assert await status(SID, "no-answer", MONDAY_2PM)

    entry = await entry_of(call)
    assert entry.state == EntryState.SCHEDULED and entry.leased_until is None
    assert entry.reschedule_at == MONDAY_2PM + timedelta(minutes=90)
    assert (await attempt_of(call)).outcome == ContactOutcome.NO_ANSWER
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.NO_ANSWER


async def test_retry_moves_into_the_calling_window(db) -> None:
    evening = datetime(2026, 11, 23, 19, 0, tzinfo=SP)
    call = await placed_call(at=evening)

    assert await status(SID, "busy", evening)

    entry = await entry_of(call)
    # 19:00 + 2 h is past SP's 20:00: Tuesday at 08:00.
    assert local(entry.reschedule_at) == datetime(2026, 11, 24, 8, 0, tzinfo=SP)
    assert (await attempt_of(call)).outcome == ContactOutcome.BUSY


async def test_no_answer_up_to_max_attempts_then_done(db) -> None:
    unreachable = await ResultType.create(name="Não localizado", kind=ResultKind.UNREACHABLE)
    campaign = await robot_campaign(max_attempts=3, retry_minutes=60)
    entry = await due_entry(campaign)
    now = MONDAY_2PM
    several = settings(robot_calls_per_day=3)  # retries on the same day are allowed
    for attempt in range(1, 4):
        [leased] = await lease_due(now, several, limit=5, worker="t")
        assert leased.id == entry.id
        call = await start_call(leased, several, now=now)
        sid = f"CA{attempt:032d}"
        await Call.filter(id=call.id).update(sid=sid)
        assert await status(sid, "no-answer", now)
        await entry.refresh_from_db()
        assert entry.attempts == attempt
        if attempt < 3:
            assert entry.state == EntryState.SCHEDULED
            assert entry.reschedule_at == now + timedelta(minutes=60)
            assert await lease_due(now + timedelta(minutes=59), several, limit=5) == []
        now += timedelta(minutes=60)

    assert entry.state == EntryState.DONE and entry.result_type_id == unreachable.id
    assert await lease_due(now + timedelta(days=1), several, limit=5) == []
    outcomes = await ContactAttempt.filter(entry_id=entry.id).values_list("outcome", flat=True)
    assert outcomes == [ContactOutcome.NO_ANSWER] * 3


async def test_voicemail_is_a_retry(db) -> None:
    call = await placed_call()
    await status(SID, "in-progress", answered_by="machine_end_beep", machine=True)
    assert await status(SID, "completed", duration=12)

    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.VOICEMAIL
    entry = await entry_of(call)
    assert entry.state == EntryState.SCHEDULED
    assert (await attempt_of(call)).outcome == ContactOutcome.VOICEMAIL


async def test_outcomes_of_the_dialog_end_the_entry(db) -> None:
    negotiated = await ResultType.create(name="Negociado", kind=ResultKind.NEGOTIATED)
    wrong = await ResultType.create(name="Número errado", kind=ResultKind.WRONG_PARTY)
    talked = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    cases = [
        (ContactOutcome.AGREEMENT, negotiated),
        (ContactOutcome.WRONG_PARTY, wrong),
        (ContactOutcome.CONVERSATION, talked),
    ]
    for n, (outcome, result_type) in enumerate(cases):
        sid = f"CA{n:032d}"
        call = await placed_call(sid)
        await Call.filter(id=call.id).update(outcome=outcome)
        assert await status(sid, "completed", duration=60)
        entry = await entry_of(call)
        assert entry.state == EntryState.DONE, outcome
        assert entry.result_type_id == result_type.id
        assert (await attempt_of(call)).outcome == outcome


async def test_without_result_types_the_entry_is_still_done(db) -> None:
    call = await placed_call()
    await Call.filter(id=call.id).update(outcome=ContactOutcome.WRONG_PARTY)
    assert await status(SID, "completed")
    entry = await entry_of(call)
    assert entry.state == EntryState.DONE and entry.result_type_id is None


async def test_an_entry_an_attendant_took_keeps_its_state(db) -> None:
    call = await placed_call()
    await CampaignEntry.filter(id=call.entry_id).update(state=EntryState.EXPORTED)
    assert await status(SID, "no-answer")
    entry = await entry_of(call)
    assert entry.state == EntryState.EXPORTED and entry.leased_until is None


async def test_a_call_twilio_refused_fails_and_retries(db) -> None:
    call = await placed_call()
    await Call.filter(id=call.id).update(sid=None)

    assert await apply_failure(call.id, at=MONDAY_2PM, settings=settings())
    assert not await apply_failure(call.id, at=MONDAY_2PM, settings=settings())

    await call.refresh_from_db()
    assert call.status == CallStatus.FAILED and call.outcome == ContactOutcome.FAILED
    entry = await entry_of(call)
    assert entry.state == EntryState.SCHEDULED
    assert (await attempt_of(call)).outcome == ContactOutcome.FAILED


async def test_a_missing_contact_attempt_is_added(db) -> None:
    call = await placed_call()
    await ContactAttempt.all().delete()
    assert await status(SID, "busy")
    attempt = await attempt_of(call)
    assert attempt.outcome == ContactOutcome.BUSY and attempt.entry_id == call.entry_id
    assert attempt.created_at == utc(call.created_at)


def test_final_outcome_table() -> None:
    s = CallStatus
    assert final_outcome(s.COMPLETED, ContactOutcome.AGREEMENT, True) == ContactOutcome.AGREEMENT
    assert final_outcome(s.COMPLETED, None, True) == ContactOutcome.VOICEMAIL
    assert final_outcome(s.COMPLETED, None, False) == ContactOutcome.ATTEMPTED
    assert final_outcome(s.BUSY, None, True) == ContactOutcome.BUSY
    assert final_outcome(s.NO_ANSWER, None, None) == ContactOutcome.NO_ANSWER
    assert final_outcome(s.FAILED, None, None) == ContactOutcome.FAILED
    assert final_outcome(s.CANCELED, None, None) == ContactOutcome.FAILED
