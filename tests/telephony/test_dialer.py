"""The dialer with the real twilio client against the fake Twilio API on localhost."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from typer.testing import CliRunner

from models import Call, CampaignEntry, ContactAttempt, Customer, CustomerPhone, Receivable, clock
from models.enums import CallStatus, ContactOutcome, EntryState
from negotiation.dialer_queue import lease_due, start_call
from quita.cli import app as cli
from telephony.dialer import Dialer, Pacer, run
from tests.fakes.server import ThreadedServer
from tests.fakes.twilio_api import FakeTwilioApi
from tests.negotiation.test_dialer_queue import (
    MONDAY_2PM,
    OLD_BILL,
    SP,
    due_entry,
    local,
    robot_campaign,
    utc,
)

ROOT = Path(__file__).resolve().parents[2]


def dialer_settings(api: FakeTwilioApi, db: str, **overrides):
    values = {"database_url": db, "twilio_cps": 50.0, "twilio_max_in_progress": 100}
    values.update(overrides)
    return api.settings(**values)


async def dial_once(api: FakeTwilioApi, db: str, at: datetime = MONDAY_2PM, **overrides) -> int:
    return await run(dialer_settings(api, db, **overrides), once=True, now=lambda: at)


# --- placing calls -----------------------------------------------------------------------


async def test_places_the_call_with_callbacks_and_machine_detection(db, twilio_api) -> None:
    campaign = await robot_campaign()
    entry = await due_entry(campaign, phone="+5511987654321")

    assert await dial_once(twilio_api, db) == 1

    [form] = twilio_api.calls
    assert form["To"] == "+5511987654321" and form["From"] == "+5519999990000"
    assert form["Url"] == "https://quita.example.com/twilio/voice"
    assert form["StatusCallback"] == "https://quita.example.com/twilio/voice/status"
    assert form["StatusCallbackMethod"] == "POST"
    assert form["MachineDetection"] == "DetectMessageEnd"
    assert form["AsyncAmd"] == "true"
    assert form["AsyncAmdStatusCallback"] == "https://quita.example.com/twilio/voice/amd"
    assert form["Timeout"] == "30"
    [request] = [r for r in twilio_api.requests if r.path.endswith("/Calls.json")]
    events = [v for k, v in request.form_items if k == "StatusCallbackEvent"]
    assert events == ["initiated", "ringing", "answered", "completed"]
    [call] = await Call.all()
    assert call.sid in twilio_api.created and call.status == CallStatus.QUEUED
    await entry.refresh_from_db()
    assert entry.state == EntryState.IN_PROGRESS and entry.attempts == 1
    assert entry.leased_until is not None  # until the final status callback


async def test_a_twilio_error_fails_the_call_and_reschedules(db, twilio_api) -> None:
    campaign = await robot_campaign(retry_minutes=30)
    entry = await due_entry(campaign)
    twilio_api.fail_next(status=500, endpoint="calls")

    assert await dial_once(twilio_api, db) == 0

    [call] = await Call.all()
    assert call.status == CallStatus.FAILED and call.sid is None
    assert call.outcome == ContactOutcome.FAILED
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED and entry.leased_until is None
    assert entry.reschedule_at == MONDAY_2PM + timedelta(minutes=30)
    [attempt] = await ContactAttempt.all()
    assert attempt.outcome == ContactOutcome.FAILED


async def test_calls_in_progress_are_capped(db, twilio_api) -> None:
    campaign = await robot_campaign()
    for _ in range(5):
        await due_entry(campaign)

    assert await dial_once(twilio_api, db, twilio_max_in_progress=2) == 2
    assert await dial_once(twilio_api, db, twilio_max_in_progress=2) == 0
    # One ends: one line is free again.
    [first, *_] = await Call.all().order_by("id")
    await Call.filter(id=first.id).update(status=CallStatus.COMPLETED)
    assert await dial_once(twilio_api, db, twilio_max_in_progress=2) == 1
    assert len(twilio_api.calls) == 3


async def test_never_dials_outside_the_window_an_opt_out_or_a_paid_debt(db, twilio_api) -> None:
    campaign = await robot_campaign()
    rio = await due_entry(campaign, state="RJ")
    opted_out = await due_entry(campaign, no_calls=True)
    paid = await due_entry(campaign)
    await Receivable.filter(customer_id=paid.customer_id).update(
        status="paid", paid_at=utc(MONDAY_2PM)
    )
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=SP)
    sao_paulo = await due_entry(campaign, state="SP")

    assert await dial_once(twilio_api, db, at=saturday) == 1

    [form] = twilio_api.calls
    assert form["To"] == (await CustomerPhone.get(customer_id=sao_paulo.customer_id)).number
    states = {e.id: e.state for e in await CampaignEntry.all()}
    assert states[rio.id] == EntryState.SCHEDULED
    assert states[opted_out.id] == EntryState.CANCELLED
    assert states[paid.id] == EntryState.DONE
    rio_entry = await CampaignEntry.get(id=rio.id)
    assert local(rio_entry.reschedule_at) == datetime(2026, 11, 30, 9, 0, tzinfo=SP)


async def test_sunday_and_christmas_dial_nothing(db, twilio_api) -> None:
    campaign = await robot_campaign()
    sao_paulo = await due_entry(campaign)
    rio = await due_entry(campaign, state="RJ")

    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=SP)
    assert await dial_once(twilio_api, db, at=sunday) == 0
    await rio.refresh_from_db()
    assert local(rio.reschedule_at) == datetime(2026, 11, 23, 9, 0, tzinfo=SP)

    christmas = datetime(2026, 12, 25, 11, 0, tzinfo=SP)  # a Friday
    assert await dial_once(twilio_api, db, at=christmas) == 0
    assert twilio_api.calls == []
    await sao_paulo.refresh_from_db()
    await rio.refresh_from_db()
    assert sao_paulo.state == rio.state == EntryState.SCHEDULED
    assert local(sao_paulo.reschedule_at) == datetime(2026, 12, 26, 8, 0, tzinfo=SP)
    assert local(rio.reschedule_at) == datetime(2026, 12, 28, 9, 0, tzinfo=SP)


async def test_a_call_never_placed_is_recovered(db, twilio_api) -> None:
    campaign = await robot_campaign()
    await due_entry(campaign)
    settings = dialer_settings(twilio_api, db)
    dialer = Dialer(settings, now=lambda: MONDAY_2PM)
    [entry] = await lease_due(MONDAY_2PM, settings, limit=1)
    call = await start_call(entry, settings, now=MONDAY_2PM)
    # The process died here; later, another dialer finds the call without a SID.
    await Call.filter(id=call.id).update(created_at=clock.now() - timedelta(minutes=11))

    assert await dialer.recover() == 1

    await call.refresh_from_db()
    assert call.status == CallStatus.FAILED
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED


async def test_stop_ends_a_running_dialer(db, twilio_api) -> None:
    settings = dialer_settings(twilio_api, db)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop=stop, now=lambda: MONDAY_2PM))
    await asyncio.sleep(0.3)
    stop.set()
    assert await asyncio.wait_for(task, 10) == 0


# --- pacing ------------------------------------------------------------------------------


async def test_pacer_spaces_calls_on_its_clock() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4.0, clock=lambda: now[0], sleep=sleep)
    slots = [await pacer.wait() for _ in range(5)]
    assert slots == [100.0, 100.25, 100.5, 100.75, 101.0]
    # After an idle spell the schedule restarts instead of bursting.
    now[0] += 60
    restart = now[0]
    assert await pacer.wait() == restart
    assert await pacer.wait() == restart + 0.25


class TimedTwilio(FakeTwilioApi):
    """The fake Twilio, noting when each call creation arrived (monotonic seconds)."""

    arrivals: list[float]

    async def create_call(self, request: Request) -> JSONResponse:
        self.arrivals.append(time.monotonic())
        return await super().create_call(request)


@pytest.fixture
def timed_twilio():
    api = TimedTwilio()
    api.arrivals = []
    server = ThreadedServer(api, "fake Twilio API")
    server.start()
    try:
        yield api
    finally:
        server.stop()


async def test_pacing_within_five_percent_of_the_configured_rate(db, timed_twilio) -> None:
    cps, n = 10.0, 40
    campaign = await robot_campaign()
    for _ in range(n):
        await due_entry(campaign)

    assert await dial_once(timed_twilio, db, twilio_cps=cps) == n

    arrivals = sorted(timed_twilio.arrivals)
    assert len(arrivals) == n
    rate = (n - 1) / (arrivals[-1] - arrivals[0])
    assert abs(rate - cps) / cps < 0.05, (rate, [round(b - a, 3) for a, b in pairwise(arrivals)])
    # And never faster than the rate between two calls (a little jitter allowed).
    gaps = sorted(b - a for a, b in pairwise(arrivals))
    assert abs(gaps[len(gaps) // 2] - 1 / cps) < 0.1 / cps, gaps


# --- two dialer processes on PostgreSQL --------------------------------------------------

DIALER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime
    from quita.db import database
    from quita.settings import Settings
    from telephony.dialer import run

    async def main():
        settings = Settings()
        at = datetime.fromisoformat(sys.argv[1])
        async with database(settings.database_url, apply_migrations=False):
            placed = await run(settings, once=True, worker=sys.argv[2], now=lambda: at)
        print(placed)

    asyncio.run(main())
    """
)


async def _seed_due(n: int) -> None:
    campaign = await robot_campaign()
    await Customer.bulk_create(
        [
            Customer(external_id=f"P{i}", name=f"Cliente {i}", document=f"{i:011d}", state="SP")
            for i in range(1, n + 1)
        ]
    )
    ids = dict(await Customer.filter(external_id__startswith="P").values_list("external_id", "id"))
    customer_ids = [ids[f"P{i}"] for i in range(1, n + 1)]
    await CustomerPhone.bulk_create(
        [CustomerPhone(customer_id=c, number=f"+5511{9_0000_0000 + c}") for c in customer_ids]
    )
    await Receivable.bulk_create(
        [
            Receivable(
                customer_id=c,
                external_id=f"RP{c}",
                issue_date=OLD_BILL,
                due_date=OLD_BILL,
                amount=Decimal("99.90"),
            )
            for c in customer_ids
        ]
    )
    await CampaignEntry.bulk_create(
        [
            CampaignEntry(
                campaign=campaign,
                rule_id=campaign.rule_id,
                customer_id=c,
                position=position,
                total_debt=Decimal("99.90"),
                receivables_count=1,
                oldest_due_date=OLD_BILL,
            )
            for position, c in enumerate(customer_ids, start=1)
        ]
    )


async def test_two_dialer_processes_dial_each_entry_exactly_once(pg_db, twilio_api, tmp_path):
    n = 1000
    await _seed_due(n)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QUITA_DATABASE_URL": pg_db,
        "QUITA_SECRET_KEY": "x" * 40,
        "QUITA_TWILIO_ACCOUNT_SID": twilio_api.account_sid,
        "QUITA_TWILIO_AUTH_TOKEN": twilio_api.auth_token,
        "QUITA_TWILIO_FROM_NUMBER": "+5519999990000",
        "QUITA_TWILIO_API_BASE": twilio_api.url,
        "QUITA_PUBLIC_BASE_URL": "https://quita.example.com",
        "QUITA_TWILIO_CPS": "100",
        "QUITA_TWILIO_MAX_IN_PROGRESS": "5000",
    }
    at = MONDAY_2PM.isoformat()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DIALER_SCRIPT, at, name],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("dialer-a", "dialer-b")
    ]
    outputs, logs = [], []
    for process in processes:
        out, err = await asyncio.to_thread(process.communicate, timeout=120)
        assert process.returncode == 0, err
        outputs.append(int(out.strip().splitlines()[-1]))
        logs.append(err[-3000:])

    left = await CampaignEntry.exclude(state=EntryState.IN_PROGRESS).values(
        "id", "state", "attempts", "reschedule_at"
    )
    assert sum(outputs) == n, (outputs, left, logs)
    assert all(placed > 0 for placed in outputs), outputs  # both really worked
    assert len(twilio_api.calls) == n
    assert len({form["To"] for form in twilio_api.calls}) == n
    calls = await Call.all().values("entry_id", "sid")
    assert len(calls) == n and len({c["entry_id"] for c in calls}) == n
    assert {c["sid"] for c in calls} == set(twilio_api.created)
    assert await CampaignEntry.filter(state=EntryState.IN_PROGRESS, attempts=1).count() == n
    assert await ContactAttempt.all().count() == n


# --- the command -------------------------------------------------------------------------


def test_command_refuses_a_bad_configuration(monkeypatch, tmp_path) -> None:
    from quita.settings import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUITA_DATABASE_URL", f"sqlite://{tmp_path}/x.db")
    monkeypatch.setenv("QUITA_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("QUITA_TWILIO_ACCOUNT_SID", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["dialer", "--once"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: QUITA_TWILIO_ACCOUNT_SID is not set"]


def test_command_runs_once_and_exits(sqlite_template, tmp_path, twilio_api) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "quita.db")  # migrated: seconds saved
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QUITA_DATABASE_URL": f"sqlite://{tmp_path}/quita.db",
        "QUITA_SECRET_KEY": "x" * 40,
        "QUITA_TWILIO_ACCOUNT_SID": twilio_api.account_sid,
        "QUITA_TWILIO_AUTH_TOKEN": twilio_api.auth_token,
        "QUITA_TWILIO_FROM_NUMBER": "+5519999990000",
        "QUITA_TWILIO_API_BASE": twilio_api.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", "dialer", "--once", "--worker", "w1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "w1: 0 calls placed"
