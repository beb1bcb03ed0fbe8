"""Calls whose final status callback never came: Twilio is asked (the fake, over HTTP), and
what it says is applied; calls it does not know, or with no Twilio at all, end as failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Call, CampaignEntry, clock
from models.enums import CallStatus, ContactOutcome, EntryState
from negotiation.call_outcomes import apply_status
from negotiation.call_sweeper import FINAL_STATUS_WAIT
from quita.jobs import tick
from quita.settings import Settings
from telephony.call_lookup import sweep_stale_calls
from tests.fakes.twilio_api import FakeTwilioApi
from tests.negotiation.test_call_outcomes import SID, placed_call

LOOKUP = f"/Calls/{SID}.json"


async def stuck_call(db: str, twilio_api: FakeTwilioApi) -> tuple[Call, Settings]:
    """A robot call answered, then silence: its final callback was lost hours ago."""
    settings = twilio_api.settings(database_url=db)
    call = await placed_call()
    await apply_status(SID, "in-progress", settings=settings, answered_by="human")
    await Call.filter(id=call.id).update(created_at=clock.now() - timedelta(hours=3))
    return await Call.get(id=call.id), settings


def lookups(twilio_api: FakeTwilioApi) -> list[str]:
    return [r.path for r in twilio_api.requests if r.method == "GET" and r.path.endswith(LOOKUP)]


async def test_twilio_s_final_status_is_applied(db, twilio_api):
    call, settings = await stuck_call(db, twilio_api)
    ended = datetime(2026, 11, 27, 12, 5, tzinfo=UTC)
    twilio_api.call_ended(SID, "completed", duration=40, answered_by="human", end_time=ended)

    report = await sweep_stale_calls(settings)
    assert (report.applied, report.closed) == (1, 0)
    assert len(lookups(twilio_api)) == 1
    await call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 40
    assert call.ended_at == ended and call.outcome == ContactOutcome.ATTEMPTED
    entry = await CampaignEntry.get(id=call.entry_id)
    assert entry.state == EntryState.SCHEDULED and entry.leased_until is None

    assert not await sweep_stale_calls(settings)  # settled: not asked again
    assert len(lookups(twilio_api)) == 1


async def test_a_call_twilio_does_not_know_is_closed_as_failed(db, twilio_api):
    call, settings = await stuck_call(db, twilio_api)
    report = await sweep_stale_calls(settings)
    assert report.closed == 1 and len(lookups(twilio_api)) == 1
    await call.refresh_from_db()
    assert call.status == CallStatus.FAILED and call.outcome == ContactOutcome.FAILED
    assert "o Twilio não conhece a ligação" in call.data["closed_without_status"]
    entry = await CampaignEntry.get(id=call.entry_id)
    assert entry.state == EntryState.SCHEDULED


async def test_a_live_call_and_a_recent_one_are_left_alone(db, twilio_api):
    call, settings = await stuck_call(db, twilio_api)
    twilio_api.call_ended(SID, "in-progress")
    assert (await sweep_stale_calls(settings)).live == 1
    await call.refresh_from_db()
    assert call.status == CallStatus.IN_PROGRESS

    twilio_api.reset()
    await Call.filter(id=call.id).update(created_at=clock.now() - FINAL_STATUS_WAIT / 2)
    assert not await sweep_stale_calls(settings)
    assert lookups(twilio_api) == []


async def test_twilio_down_leaves_the_calls_for_the_next_sweep(db, twilio_api):
    call, settings = await stuck_call(db, twilio_api)
    never_placed = await Call.create(
        direction=call.direction, status=CallStatus.QUEUED, customer_id=call.customer_id
    )
    await Call.filter(id=never_placed.id).update(created_at=clock.now() - timedelta(hours=2.5))
    twilio_api.fail_next(status=503, endpoint="calls")
    assert (await sweep_stale_calls(settings)).waiting == 2
    assert len(lookups(twilio_api)) == 1  # not asked again for each call while it is down
    await call.refresh_from_db()
    assert call.status == CallStatus.IN_PROGRESS
    assert (await Call.get(id=never_placed.id)).status == CallStatus.QUEUED

    twilio_api.call_ended(SID, "no-answer")
    report = await sweep_stale_calls(settings)
    assert (report.applied, report.closed) == (1, 1)
    await call.refresh_from_db()
    assert call.status == CallStatus.NO_ANSWER
    never_placed = await Call.get(id=never_placed.id)
    assert never_placed.status == CallStatus.FAILED
    assert "não chegou a ser feita" in never_placed.data["closed_without_status"]


async def test_the_jobs_close_stale_calls_when_twilio_is_not_configured(db, twilio_api):
    call, _ = await stuck_call(db, twilio_api)
    await tick(Settings(database_url=db, secret_key="k" * 40), None)
    await call.refresh_from_db()
    assert call.status == CallStatus.FAILED
    assert "telefonia não configurada" in call.data["closed_without_status"]
    assert twilio_api.requests == []
