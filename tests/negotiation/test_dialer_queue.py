"""The robot's queue: which entries are due, the lease, and the calling rules (frozen clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionRule,
    ContactAttempt,
    ContactType,
    Customer,
    CustomerPhone,
)
from models.enums import (
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactKind,
    ContactOutcome,
    EntryState,
    MessageDirection,
    ReceivableStatus,
)
from negotiation.contact_policy import record_contact
from negotiation.dialer_queue import call_note, lease_due, phone_of, start_call
from quita.settings import Settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule

SP = ZoneInfo("America/Sao_Paulo")
# Monday 23 November 2026, 14:00 in São Paulo: inside every state's window, no holiday.
MONDAY_2PM = datetime(2026, 11, 23, 14, 0, tzinfo=SP)
OLD_BILL = date(2026, 10, 1)

_seq = count(1)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "sqlite://:memory:",
        "secret_key": "x" * 40,
        "twilio_from_number": "+5519999990000",
    }
    values.update(overrides)
    return Settings(**values)


async def robot_campaign(**rule_overrides: Any) -> Campaign:
    """A robot-call campaign of a fresh rule."""
    rule = await make_rule(**rule_overrides)
    kind, _ = await ContactType.get_or_create(
        name="Robô", defaults={"kind": ContactKind.ROBOT_CALL}
    )
    return await Campaign.create(rule=rule, description="Robô de cobrança", contact_type=kind)


async def debtor(
    *, state: str = "SP", phone: str | None = None, bill: date = OLD_BILL, **extra: Any
) -> Customer:
    """A customer with a mobile phone and one open overdue bill."""
    n = next(_seq)
    customer = await make_customer(state=state, **extra)
    await CustomerPhone.create(customer=customer, number=phone or f"+551198{n:07d}")
    await make_receivable(customer, bill, "120.00")
    return customer


async def due_entry(
    campaign: Campaign,
    customer: Customer | None = None,
    *,
    call_at: datetime | None = None,
    **customer_options: Any,
) -> CampaignEntry:
    customer = customer or await debtor(**customer_options)
    position = await CampaignEntry.filter(campaign=campaign).count() + 1
    return await CampaignEntry.create(
        call_at=utc(call_at) if call_at else None,
        campaign=campaign,
        rule_id=campaign.rule_id,
        customer=customer,
        position=position,
        total_debt=Decimal("120.00"),
        receivables_count=1,
        oldest_due_date=OLD_BILL,
    )


def utc(when: datetime) -> datetime:
    """Datetimes are written in UTC (SQLite compares them as text)."""
    return when.astimezone(UTC)


def local(entry_time: datetime | None) -> datetime | None:
    return entry_time.astimezone(SP) if entry_time else None


# --- what is due -------------------------------------------------------------------------


async def test_leases_due_robot_entries_only(db) -> None:
    campaign = await robot_campaign()
    due_now = await due_entry(campaign)
    due_before = await due_entry(campaign, call_at=MONDAY_2PM - timedelta(hours=1))
    later = await due_entry(campaign, call_at=MONDAY_2PM + timedelta(hours=1))
    rescheduled_later = await due_entry(campaign, call_at=MONDAY_2PM - timedelta(hours=1))
    await CampaignEntry.filter(id=rescheduled_later.id).update(
        state=EntryState.SCHEDULED, reschedule_at=utc(MONDAY_2PM + timedelta(minutes=5))
    )
    rescheduled_due = await due_entry(campaign, call_at=MONDAY_2PM + timedelta(days=3))
    await CampaignEntry.filter(id=rescheduled_due.id).update(
        state=EntryState.SCHEDULED, reschedule_at=utc(MONDAY_2PM - timedelta(minutes=5))
    )
    done = await due_entry(campaign)
    await CampaignEntry.filter(id=done.id).update(state=EntryState.DONE)
    busy = await due_entry(campaign)
    await CampaignEntry.filter(id=busy.id).update(state=EntryState.IN_PROGRESS)
    leased = await due_entry(campaign)
    await CampaignEntry.filter(id=leased.id).update(
        leased_until=utc(MONDAY_2PM + timedelta(minutes=1))
    )
    stale_lease = await due_entry(campaign)
    await CampaignEntry.filter(id=stale_lease.id).update(
        leased_until=utc(MONDAY_2PM - timedelta(minutes=1))
    )
    # An attendants' campaign (phone) of the same kind of debtor is not the robot's.
    rule = await make_rule()
    phone_type = await ContactType.create(name="Telefone", kind=ContactKind.PHONE)
    manual = await Campaign.create(rule=rule, description="Manual", contact_type=phone_type)
    await due_entry(manual)

    entries = await lease_due(MONDAY_2PM, settings(), limit=50, worker="t")

    assert {e.id for e in entries} == {
        due_now.id,
        due_before.id,
        rescheduled_due.id,
        stale_lease.id,
    }
    assert later.id not in {e.id for e in entries}
    for entry in entries:
        await entry.refresh_from_db()
        assert entry.leased_until == MONDAY_2PM + timedelta(minutes=10)
    # Leased: a second dialer gets nothing of them.
    assert await lease_due(MONDAY_2PM, settings(), limit=50, worker="u") == []


async def test_limit_and_order(db) -> None:
    campaign = await robot_campaign()
    entries = [await due_entry(campaign) for _ in range(5)]

    first = await lease_due(MONDAY_2PM, settings(), limit=2, worker="t")
    second = await lease_due(MONDAY_2PM, settings(), limit=2, worker="t")

    assert [e.id for e in first] == [entries[0].id, entries[1].id]
    assert [e.id for e in second] == [entries[2].id, entries[3].id]


async def test_entry_past_its_attempts_is_done(db) -> None:
    campaign = await robot_campaign(max_attempts=2)
    entry = await due_entry(campaign)
    await CampaignEntry.filter(id=entry.id).update(attempts=2)

    assert await lease_due(MONDAY_2PM, settings(), limit=5, worker="t") == []

    await entry.refresh_from_db()
    assert entry.state == EntryState.DONE and entry.leased_until is None


async def test_concurrent_leases_in_one_process_never_share(each_db) -> None:
    campaign = await robot_campaign()
    for _ in range(30):
        await due_entry(campaign)

    ids: list[int] = []
    for _ in range(30):  # rounds of six concurrent dialers, until nothing is left
        batches = await asyncio.gather(
            *(lease_due(MONDAY_2PM, settings(), limit=7, worker=f"w{i}") for i in range(6))
        )
        leased = [e.id for batch in batches for e in batch]
        if not leased:
            break
        ids += leased

    assert len(ids) == len(set(ids)) == 30


# --- the calling rules, with a frozen clock ----------------------------------------------


async def _refused(when: datetime, state: str) -> CampaignEntry:
    campaign = await robot_campaign()
    entry = await due_entry(campaign, state=state)
    assert await lease_due(when, settings(), limit=5, worker="t") == []
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED
    assert entry.leased_until is None and entry.attempts == 0
    assert await Call.all().count() == 0
    return entry


async def test_sunday_is_rescheduled_to_monday_morning(db) -> None:
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=SP)
    entry = await _refused(sunday, "SP")
    assert local(entry.reschedule_at) == datetime(2026, 11, 23, 8, 0, tzinfo=SP)


async def test_christmas_is_rescheduled_to_the_next_working_morning(db) -> None:
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=SP)  # a Friday
    entry = await _refused(christmas, "SP")
    # Saturday 26 has SP's Saturday window, from 08:00.
    assert local(entry.reschedule_at) == datetime(2026, 12, 26, 8, 0, tzinfo=SP)


async def test_saturday_in_rio_waits_for_monday_but_sao_paulo_is_called(db) -> None:
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=SP)
    campaign = await robot_campaign()
    rio = await due_entry(campaign, state="RJ")
    sao_paulo = await due_entry(campaign, state="SP")

    entries = await lease_due(saturday, settings(), limit=5, worker="t")

    assert [e.id for e in entries] == [sao_paulo.id]
    await rio.refresh_from_db()
    assert rio.state == EntryState.SCHEDULED
    assert local(rio.reschedule_at) == datetime(2026, 11, 30, 9, 0, tzinfo=SP)


async def test_saturday_afternoon_in_sao_paulo_waits_for_monday(db) -> None:
    saturday_afternoon = datetime(2026, 11, 28, 15, 0, tzinfo=SP)
    entry = await _refused(saturday_afternoon, "SP")
    assert local(entry.reschedule_at) == datetime(2026, 11, 30, 8, 0, tzinfo=SP)


async def test_state_holiday_only_where_it_is_one(db) -> None:
    # Friday 23 April 2027: São Jorge, a holiday of the state of Rio de Janeiro only.
    day = datetime(2027, 4, 23, 10, 0, tzinfo=SP)
    campaign = await robot_campaign()
    rio = await due_entry(campaign, state="RJ", bill=date(2026, 12, 1))
    sao_paulo = await due_entry(campaign, state="SP", bill=date(2026, 12, 1))

    entries = await lease_due(day, settings(), limit=5, worker="t")

    assert [e.id for e in entries] == [sao_paulo.id]
    await rio.refresh_from_db()
    # No Saturday window in RJ: Monday at 09:00.
    assert local(rio.reschedule_at) == datetime(2027, 4, 26, 9, 0, tzinfo=SP)


async def test_early_morning_waits_for_the_window(db) -> None:
    entry = await _refused(datetime(2026, 11, 23, 7, 30, tzinfo=SP), "SP")
    assert local(entry.reschedule_at) == datetime(2026, 11, 23, 8, 0, tzinfo=SP)


async def test_budget_reached_is_rescheduled(db) -> None:
    customer = await debtor()
    for days in range(7):
        await record_contact(
            customer.id,
            Channel.SMS,
            ContactActor.BOT,
            MessageDirection.OUT,
            at=MONDAY_2PM - timedelta(days=days, hours=1),
        )
    campaign = await robot_campaign()
    entry = await due_entry(campaign, customer)

    assert await lease_due(MONDAY_2PM, settings(), limit=5, worker="t") == []

    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED
    assert entry.reschedule_at > MONDAY_2PM


# --- never called: opted out, paid -------------------------------------------------------


async def test_opted_out_and_paid_debts_are_never_called(db) -> None:
    campaign = await robot_campaign()
    opted_out = await due_entry(campaign, opted_out_at=utc(MONDAY_2PM - timedelta(days=1)))
    no_calls = await due_entry(campaign, no_calls=True)
    paid_customer = await debtor()
    await paid_customer.receivables.all().update(
        status=ReceivableStatus.PAID, paid_at=utc(MONDAY_2PM - timedelta(days=2))
    )
    paid = await due_entry(campaign, paid_customer)

    assert await lease_due(MONDAY_2PM, settings(), limit=5, worker="t") == []

    for entry, state in ((opted_out, "cancelled"), (no_calls, "cancelled"), (paid, "done")):
        await entry.refresh_from_db()
        assert entry.state == state and entry.leased_until is None
        assert entry.attempts == 0
    assert await Call.all().count() == 0
    assert await ContactAttempt.all().count() == 0
    # And never again: the closed entries are not due any more.
    assert await lease_due(MONDAY_2PM + timedelta(days=1), settings(), limit=5, worker="t") == []


# --- starting a call ---------------------------------------------------------------------


async def test_start_call_creates_the_call_and_counts_the_attempt(db) -> None:
    campaign = await robot_campaign()
    entry = await due_entry(campaign, phone="+5511987654321")
    [leased] = await lease_due(MONDAY_2PM, settings(), limit=5, worker="t")

    call = await start_call(leased, settings(), now=MONDAY_2PM)

    assert call is not None
    await call.refresh_from_db()
    assert call.direction == CallDirection.OUTBOUND and call.status == CallStatus.QUEUED
    assert call.to_number == "+5511987654321" and call.from_number == "+5519999990000"
    assert call.customer_id == entry.customer_id and call.entry_id == entry.id
    assert call.sid is None
    await entry.refresh_from_db()
    assert entry.state == EntryState.IN_PROGRESS and entry.attempts == 1
    [attempt] = await ContactAttempt.all()
    assert attempt.channel == Channel.VOICE and attempt.actor == ContactActor.ROBOT
    assert attempt.direction == MessageDirection.OUT
    assert attempt.outcome == ContactOutcome.ATTEMPTED
    assert attempt.note == call_note(call.id) and attempt.entry_id == entry.id
    assert attempt.created_at == MONDAY_2PM


async def test_two_entries_of_one_debtor_make_one_call_under_the_budget(db) -> None:
    customer = await debtor()
    for days in range(6):  # one short of the budget of 7 in 7 days
        await record_contact(
            customer.id,
            Channel.SMS,
            ContactActor.BOT,
            MessageDirection.OUT,
            at=MONDAY_2PM - timedelta(days=days, hours=1),
        )
    first = await due_entry(await robot_campaign(), customer)
    second = await due_entry(await robot_campaign(), customer)
    leased = await lease_due(MONDAY_2PM, settings(), limit=5, worker="t")
    assert [e.id for e in leased] == [first.id]  # one entry per debtor is leased
    # Even when both reach start_call (two dialers, a lease run out), one call is made.
    both = [leased[0], await CampaignEntry.get(id=second.id)]

    calls = [await start_call(e, settings(), now=MONDAY_2PM) for e in both]

    assert sum(c is not None for c in calls) == 1
    # The second waits for the live call to end (not leased, still pending).
    states = {e.state for e in await CampaignEntry.all()}
    assert states == {EntryState.IN_PROGRESS, EntryState.PENDING}
    assert (await CampaignEntry.get(id=second.id)).leased_until is None


async def test_phone_choice(db) -> None:
    customer = await make_customer()
    assert await phone_of(customer.id) is None
    await CustomerPhone.create(customer=customer, number="+551933334444", label="home")
    assert await phone_of(customer.id) == "+551933334444"
    await CustomerPhone.create(customer=customer, number="+5519988887777", label="mobile")
    assert await phone_of(customer.id) == "+5519988887777"


async def test_customer_without_phone_ends_the_entry(db) -> None:
    campaign = await robot_campaign()
    customer = await make_customer()
    await make_receivable(customer, OLD_BILL, "50.00")
    entry = await due_entry(campaign, customer)
    [leased] = await lease_due(MONDAY_2PM, settings(), limit=5, worker="t")

    assert await start_call(leased, settings(), now=MONDAY_2PM) is None

    await entry.refresh_from_db()
    assert entry.state == EntryState.DONE and entry.leased_until is None
    assert await Call.all().count() == 0


def test_rule_defaults() -> None:
    rule = CollectionRule(description="x")
    assert (rule.retry_minutes, rule.max_attempts) == (120, 3)
