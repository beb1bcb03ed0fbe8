"""Robot campaigns made by the product, dialled fairly: a rule with a robot-call action makes a
campaign the dialer calls (real twilio client, fake Twilio API); one robot call per debtor
per local day across campaigns; never two live calls to one debtor, even with two dialer
processes on PostgreSQL; the action's days-late mark."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionAction,
    ContactType,
    Customer,
    CustomerPhone,
    DialLease,
    Receivable,
)
from models.enums import ActionKind, CallStatus, ContactKind, EntryState
from negotiation.rule_run import run_rule
from tests.fakes.twilio_api import FakeTwilioApi
from tests.negotiation.rule_factories import make_rule
from tests.negotiation.test_dialer_queue import (
    MONDAY_2PM,
    OLD_BILL,
    SP,
    debtor,
    due_entry,
    local,
    robot_campaign,
)
from tests.telephony.test_dialer import DIALER_SCRIPT, ROOT, dial_once

# The autouse clock: Friday 27 November 2026, 12:00 in São Paulo (inside the window).
FRIDAY_NOON = datetime(2026, 11, 27, 12, 0, tzinfo=SP)


async def _robot_type() -> ContactType:
    return await ContactType.create(name="Robô", kind=ContactKind.ROBOT_CALL)


async def test_a_rule_with_a_robot_call_action_makes_a_campaign_the_dialer_calls(
    db, twilio_api: FakeTwilioApi
) -> None:
    robot = await _robot_type()
    await ContactType.create(name="Telefone", kind=ContactKind.PHONE)
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.ROBOT_CALL, days_late=30)
    await debtor(phone="+5511987650001")
    await debtor(phone="+5511987650002")

    run = await run_rule(rule.id, FRIDAY_NOON.date())

    campaign = await Campaign.get(run_id=run.id)
    assert campaign.contact_type_id == robot.id and campaign.active
    assert "Campanha do robô" in run.log
    # Turns 5 minutes apart (the rule's minutes per call): both have come at 12:10.
    assert await dial_once(twilio_api, db, at=FRIDAY_NOON + timedelta(minutes=10)) == 2
    assert {form["To"] for form in twilio_api.calls} == {"+5511987650001", "+5511987650002"}
    assert await CampaignEntry.filter(state=EntryState.IN_PROGRESS, attempts=1).count() == 2


async def test_a_rule_without_a_robot_action_or_a_paused_campaign_is_not_called(
    db, twilio_api: FakeTwilioApi
) -> None:
    await _robot_type()
    plain = await make_rule()
    await CollectionAction.create(rule=plain, kind=ActionKind.SMS, days_late=30)
    resting = await make_rule()
    await CollectionAction.create(rule=resting, kind=ActionKind.ROBOT_CALL, active=False)
    await debtor()

    run = await run_rule(plain.id, FRIDAY_NOON.date())
    assert (await Campaign.get(run_id=run.id)).contact_type_id is None
    assert await dial_once(twilio_api, db, at=FRIDAY_NOON) == 0

    # A robot campaign set inactive is not called either.
    campaign = await robot_campaign()
    await due_entry(campaign)
    await Campaign.filter(id=campaign.id).update(active=False)
    assert await dial_once(twilio_api, db, at=FRIDAY_NOON) == 0
    await Campaign.filter(id=campaign.id).update(active=True)
    assert await dial_once(twilio_api, db, at=FRIDAY_NOON) == 1


async def test_the_days_late_mark_of_the_robot_action(db, twilio_api: FakeTwilioApi) -> None:
    await _robot_type()
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.ROBOT_CALL, days_late=90)
    recent = await debtor(phone="+5511987650011")  # due 1 Oct: 57 days late
    old = await debtor(phone="+5511987650012", bill=date(2026, 8, 1))  # 118 days late
    await run_rule(rule.id, FRIDAY_NOON.date())

    assert await dial_once(twilio_api, db, at=FRIDAY_NOON + timedelta(minutes=10)) == 1

    assert [form["To"] for form in twilio_api.calls] == ["+5511987650012"]
    waiting = await CampaignEntry.get(customer_id=recent.id)
    assert waiting.state == EntryState.PENDING and waiting.attempts == 0
    assert waiting.leased_until is None
    assert (await CampaignEntry.get(customer_id=old.id)).state == EntryState.IN_PROGRESS
    # Day 90 comes on 30 December: the entry is called then.
    assert await dial_once(twilio_api, db, at=datetime(2026, 12, 30, 10, 0, tzinfo=SP)) == 1
    assert twilio_api.calls[-1]["To"] == "+5511987650011"


async def _end_calls() -> None:
    await Call.all().update(status=CallStatus.COMPLETED)


async def test_one_robot_call_per_debtor_per_day_across_campaigns(
    db, twilio_api: FakeTwilioApi
) -> None:
    customer = await debtor(phone="+5511987650021")
    entries = [await due_entry(await robot_campaign(), customer) for _ in range(3)]
    morning = MONDAY_2PM.replace(hour=10)

    assert await dial_once(twilio_api, db, at=morning) == 1
    await _end_calls()
    # The same day, later: the other campaigns' entries wait for the debtor's next day.
    assert await dial_once(twilio_api, db, at=MONDAY_2PM) == 0
    waiting = await CampaignEntry.filter(id__in=[e.id for e in entries[1:]])
    tuesday = datetime(2026, 11, 24, 0, 0, tzinfo=SP)
    assert {(e.state, local(e.reschedule_at)) for e in waiting} == {(EntryState.SCHEDULED, tuesday)}
    assert len(twilio_api.calls) == 1
    # Tuesday: one more call, not two.
    assert await dial_once(twilio_api, db, at=tuesday.replace(hour=10)) == 1
    assert len(twilio_api.calls) == 2


async def test_the_daily_robot_calls_are_a_setting(db, twilio_api: FakeTwilioApi) -> None:
    customer = await debtor()
    for _ in range(3):
        await due_entry(await robot_campaign(), customer)
    morning = MONDAY_2PM.replace(hour=10)

    assert await dial_once(twilio_api, db, at=morning, robot_calls_per_day=2) == 1
    # Never a second live call: while the first rings, the debtor is not called again.
    assert await dial_once(twilio_api, db, at=morning, robot_calls_per_day=2) == 0
    await _end_calls()
    assert await dial_once(twilio_api, db, at=MONDAY_2PM, robot_calls_per_day=2) == 1
    await _end_calls()
    assert await dial_once(twilio_api, db, at=MONDAY_2PM, robot_calls_per_day=2) == 0


async def test_a_debtor_in_amazonas_has_their_own_local_day(db, twilio_api) -> None:
    # The day is Manaus's: the next one starts at 01:00 in São Paulo.
    customer = await debtor(state="AM")
    await due_entry(await robot_campaign(), customer)
    await due_entry(await robot_campaign(), customer)
    manaus_morning = datetime(2026, 11, 23, 13, 0, tzinfo=SP)  # 12:00 in Manaus
    assert await dial_once(twilio_api, db, at=manaus_morning) == 1
    await _end_calls()
    assert await dial_once(twilio_api, db, at=manaus_morning + timedelta(hours=3)) == 0
    later = await CampaignEntry.get(state=EntryState.SCHEDULED)
    assert later.reschedule_at == datetime(2026, 11, 24, 0, 0, tzinfo=ZoneInfo("America/Manaus"))


# --- two dialer processes, debtors in three campaigns each (PostgreSQL) -------------------


async def _seed_debtors_in_three_campaigns(n: int) -> None:
    campaigns = [await robot_campaign() for _ in range(3)]
    await Customer.bulk_create(
        [
            Customer(external_id=f"T{i}", name=f"Cliente {i}", document=f"{i:011d}", state="SP")
            for i in range(1, n + 1)
        ]
    )
    ids = list(await Customer.filter(external_id__startswith="T").values_list("id", flat=True))
    await CustomerPhone.bulk_create(
        [CustomerPhone(customer_id=c, number=f"+5511{9_0000_0000 + c}") for c in ids]
    )
    await Receivable.bulk_create(
        [
            Receivable(
                customer_id=c,
                external_id=f"RT{c}",
                issue_date=OLD_BILL,
                due_date=OLD_BILL,
                amount=Decimal("99.90"),
            )
            for c in ids
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
            for campaign in campaigns
            for position, c in enumerate(ids, start=1)
        ]
    )


async def _two_dialers(twilio_api: FakeTwilioApi, pg_db: str, tmp_path, at: datetime) -> list:
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
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DIALER_SCRIPT, at.isoformat(), name],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("dialer-a", "dialer-b")
    ]
    placed = []
    for process in processes:
        out, err = await asyncio.to_thread(process.communicate, timeout=180)
        assert process.returncode == 0, err[-3000:]
        placed.append(int(out.strip().splitlines()[-1]))
    return placed


async def test_two_dialers_never_call_one_debtor_twice_nor_twice_a_day(
    pg_db, twilio_api: FakeTwilioApi, tmp_path
) -> None:
    n = 150
    await _seed_debtors_in_three_campaigns(n)

    placed = await _two_dialers(twilio_api, pg_db, tmp_path, MONDAY_2PM.replace(hour=10))

    assert sum(placed) == n, placed
    numbers = [form["To"] for form in twilio_api.calls]
    assert len(numbers) == n and len(set(numbers)) == n  # each debtor once
    calls = await Call.all().values("customer_id")
    assert len({c["customer_id"] for c in calls}) == len(calls) == n
    assert await DialLease.all().count() == 0

    # Later the same day, the calls ended: nobody is called a second time.
    await _end_calls()
    assert await _two_dialers(twilio_api, pg_db, tmp_path, MONDAY_2PM) == [0, 0]
    assert len(twilio_api.calls) == n
    assert await Call.all().count() == n
