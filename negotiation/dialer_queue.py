"""The robot's queue: which campaign entries to call now, leased so that no two dialers
(processes, machines) ever dial the same entry (DESIGN.md §8).

Due: an entry of an active campaign whose contact type is the robot's, pending or
rescheduled, whose turn has come, whose debtor has no live robot call and is not leased by a
dialer, and, when the rule's robot-call action has a days-late mark, whose debtor's oldest
open bill is at least that many days late (in the ISP's zone).

`lease_due` takes the due entries and leases them in two steps. The entry: on PostgreSQL a
`SELECT ... FOR UPDATE SKIP LOCKED` and an UPDATE in one transaction, so a second dialer skips
the rows the first one holds; on SQLite (one writer at a time) a guarded UPDATE per row
(`... WHERE leased_until IS NULL OR leased_until < now`), of which only one dialer can win.
Then the debtor (a `DialLease` row, unique per customer: the insert of a second dialer
fails, on both databases): a debtor in several campaigns is leased by one dialer for one
entry only, and an entry whose debtor another dialer holds is given back at once. Each
leased entry is then checked by the contact gate, `contact_policy.decide` (opt-outs, debt
still open, calling window, contact budget; it keeps the reason of a refusal):

- a refusal that time lifts (window, holiday, budget) reschedules the entry to `retry_at`
  (state "scheduled") and releases it;
- a debt that is no longer open (paid or negotiated elsewhere) ends the entry ("done");
- an opt-out (from everything or from calls) cancels it ("cancelled");
- an entry that already used the rule's `max_attempts` calls ends ("done");
- a debtor who already had `robot_calls_per_day` robot calls on their local day (any
  campaign) is rescheduled to their next local day, which the gate then moves into the window.

`start_call` turns a leased entry into a `Call` row (queued, no SID yet): it re-checks the
contact rules with the customer's row locked, so two entries of the same debtor (two rules)
taken by two dialers at once still make one call (never a second live call, never more
than `robot_calls_per_day` in the debtor's day), and records the contact attempt (through
the gate) in the same transaction. This module knows nothing of Twilio: `telephony.dialer`
places the call.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionAction,
    CollectionRule,
    ContactAttempt,
    Customer,
    CustomerPhone,
    DialLease,
    Receivable,
    clock,
)
from models.enums import (
    FINAL_CALL_STATUSES,
    ActionKind,
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactKind,
    EntryState,
    MessageDirection,
    ReceivableStatus,
)
from negotiation.config import DialerConfig, Zone
from negotiation.contact_policy import Decision, decide, record_contact, zone_for

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)
DUE_STATES = (EntryState.PENDING, EntryState.SCHEDULED)
LIVE_HOURS = 4  # Twilio ends a call after 4 hours by default: later, the callback is lost
# Candidates read per leased entry: a debtor in several campaigns takes one of them only.
_OVERSAMPLE = 3


def call_note(call_id: int) -> str:
    """The note of the contact attempt of a robot call: how its outcome finds it again."""
    return f"ligação do robô nº {call_id}"


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("an aware datetime is required (with its time zone)")
    return when.astimezone(UTC)


def _due(now: datetime) -> Q:
    """Due: COALESCE(reschedule_at, call_at) <= now, or both unset; and not leased."""
    turn = (
        Q(reschedule_at__lte=now)
        | Q(reschedule_at__isnull=True, call_at__lte=now)
        | Q(reschedule_at__isnull=True, call_at__isnull=True)
    )
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    return turn & free


def live_calls():
    """The robot calls still live (outbound, not final, created in the last `LIVE_HOURS`
    of wall time, which is what `created_at` holds)."""
    since = clock.now() - timedelta(hours=LIVE_HOURS)
    return Call.filter(
        direction=CallDirection.OUTBOUND,
        status__not_in=list(FINAL_CALL_STATUSES),
        created_at__gte=since,
    )


async def _late_enough(now: datetime, zone: Zone) -> Q:
    """The days-late mark of the rules' robot-call actions: the debtor's oldest open bill must
    be at least that many days late (a rule with an unmarked active robot action, or none,
    has no mark; with several marks the smallest wins)."""
    marks: dict[int, int | None] = {}
    actions = await CollectionAction.filter(kind=ActionKind.ROBOT_CALL, active=True).values(
        "rule_id", "days_late"
    )
    for action in actions:
        rule_id, days = action["rule_id"], action["days_late"]
        if rule_id in marks and (marks[rule_id] is None or days is None):
            marks[rule_id] = None
        else:
            marks[rule_id] = days if rule_id not in marks else min(marks[rule_id], days)
    marked = {rule_id: days for rule_id, days in marks.items() if days}
    if not marked:
        return Q()
    today: date = now.astimezone(zone.tz).date()
    allowed = [Q(rule_id__not_in=list(marked))]
    for rule_id, days in marked.items():
        late = Receivable.filter(
            status=ReceivableStatus.OPEN, due_date__lte=today - timedelta(days=days)
        ).values("customer_id")
        allowed.append(Q(rule_id=rule_id, customer_id__in=Subquery(late)))
    return reduce(or_, allowed)


async def due_entries(now: datetime, zone: Zone):
    """The query of the robot entries whose call turn has come (see the module's docstring;
    not yet filtered by the rule's attempt limit nor the gate, checked after leasing)."""
    now = _utc(now)
    robot_campaigns = Campaign.filter(
        contact_type__kind=ContactKind.ROBOT_CALL, active=True
    ).values("id")
    # Subqueries, not a join: PostgreSQL refuses FOR UPDATE on an outer join's side.
    held = DialLease.filter(until__gte=now).values("customer_id")
    return (
        CampaignEntry.filter(
            _due(now),
            await _late_enough(now, zone),
            state__in=DUE_STATES,
            campaign_id__in=Subquery(robot_campaigns),
        )
        .exclude(customer_id__in=Subquery(held))
        .exclude(customer_id__in=Subquery(live_calls().values("customer_id")))
    )


def _one_per_debtor(rows: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """The first (entry id, customer id) of each debtor, in order, up to `limit`."""
    seen: set[int] = set()
    chosen = []
    for entry_id, customer_id in rows:
        if customer_id not in seen:
            seen.add(customer_id)
            chosen.append((entry_id, customer_id))
    return chosen[:limit]


async def _lease_debtor(customer_id: int, now: datetime, until: datetime, worker: str) -> bool:
    """Takes the debtor's lease: True for the one dialer whose insert goes in."""
    await DialLease.filter(customer_id=customer_id, until__lt=now).delete()  # a dead dialer's
    try:
        await DialLease.create(customer_id=customer_id, until=until, worker=worker[:40])
    except IntegrityError:
        return False
    return True


async def free_debtor(customer_id: int) -> None:
    """Gives the debtor's lease back (by the dialer that holds it)."""
    await DialLease.filter(customer_id=customer_id).delete()


async def _lease_ids(
    now: datetime, until: datetime, limit: int, due, worker: str = "dialer"
) -> list[int]:
    """Leases up to `limit` due entries, one per debtor, and their debtors; returns the
    entries whose debtor lease this dialer won."""
    conn = connections.get("default")
    wanted = limit * _OVERSAMPLE
    if conn.capabilities.support_for_update:
        async with in_transaction() as tx:
            # Model rows, not values_list(): Tortoise drops FOR UPDATE from values queries.
            rows = (
                await due.using_db(tx)
                .select_for_update(skip_locked=True)
                .order_by("call_at", "position", "id")
                .limit(wanted)
                .only("id", "customer_id")
            )
            chosen = _one_per_debtor([(row.id, row.customer_id) for row in rows], limit)
            if chosen:
                ids = [entry_id for entry_id, _ in chosen]
                await CampaignEntry.filter(id__in=ids).using_db(tx).update(leased_until=until)
    else:
        # SQLite: one writer at a time, so a guarded UPDATE per row is the lock.
        candidates = (
            await due.order_by("call_at", "position", "id")
            .limit(wanted)
            .values_list("id", "customer_id")
        )
        chosen = []
        for entry_id, customer_id in _one_per_debtor(list(candidates), limit):
            if await due.filter(id=entry_id).update(leased_until=until):
                chosen.append((entry_id, customer_id))
    leased = []
    # Each debtor's lease is its own statement (no lock held across debtors: no deadlock
    # between dialers); an entry whose debtor another dialer holds is given back.
    for entry_id, customer_id in chosen:
        if await _lease_debtor(customer_id, now, until, worker):
            leased.append(entry_id)
        else:
            await CampaignEntry.filter(id=entry_id).update(leased_until=None)
    return leased


async def release(entry: CampaignEntry, **changes: Any) -> None:
    """Gives the entry's lease and its debtor's back, with the other changes (state,
    reschedule_at...)."""
    changes["leased_until"] = None
    for name, value in changes.items():
        setattr(entry, name, value)
    await CampaignEntry.filter(id=entry.id).update(**changes)
    await free_debtor(entry.customer_id)


def next_local_day(state: str | None, now: datetime, zone: Zone) -> datetime:
    """The start of the debtor's next local day (UTC)."""
    tz = zone_for(state, zone.tz)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


async def robot_calls_today(
    customer: Customer, now: datetime, zone: Zone, using_db: Any = None
) -> int:
    """The robot calls made to the debtor on their local day of `now` (every campaign)."""
    tz = zone_for(customer.state, zone.tz)
    start = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
    return (
        await ContactAttempt.filter(
            customer_id=customer.id,
            channel=Channel.VOICE,
            actor=ContactActor.ROBOT,
            direction=MessageDirection.OUT,
            created_at__gte=start.astimezone(UTC),
            created_at__lt=(start + timedelta(days=1)).astimezone(UTC),
        )
        .using_db(using_db)
        .count()
    )


async def _daily_limit(
    entry: CampaignEntry, customer: Customer, now: datetime, settings: DialerConfig, using_db=None
) -> datetime | None:
    """When the debtor already had their robot calls today: the moment to try again."""
    if await robot_calls_today(customer, now, settings, using_db) < settings.robot_calls_per_day:
        return None
    return next_local_day(customer.state, now, settings)


async def _refuse(entry: CampaignEntry, customer: Customer, decision: Decision) -> None:
    """Puts a refused entry where it belongs (see the module's docstring)."""
    if decision.retry_at is not None:
        await release(entry, state=EntryState.SCHEDULED, reschedule_at=_utc(decision.retry_at))
        log.info("entry %s rescheduled to %s: %s", entry.id, decision.retry_at, decision.reason)
        return
    fresh = await Customer.filter(id=customer.id).values("opted_out_at", "no_calls")
    opted_out = not fresh or fresh[0]["opted_out_at"] is not None or fresh[0]["no_calls"]
    state = EntryState.CANCELLED if opted_out else EntryState.DONE
    await release(entry, state=state)
    log.info("entry %s %s: %s", entry.id, state.value, decision.reason)


async def _decide_call(
    customer: Customer, entry: CampaignEntry, now: datetime, settings: DialerConfig
) -> Decision:
    """The gate's answer to a robot call of `entry` now (a refusal's reason is kept)."""
    return await decide(
        customer,
        Channel.VOICE,
        now,
        settings,
        kind="call",
        actor=ContactActor.ROBOT,
        entry_id=entry.id,
    )


async def lease_due(
    now: datetime,
    settings: DialerConfig,
    *,
    limit: int,
    lease: timedelta = DEFAULT_LEASE,
    worker: str = "dialer",
) -> list[CampaignEntry]:
    """Leases up to `limit` due robot entries and returns those that may be called now.

    The returned entries are leased until `now + lease` (with `customer` and `rule`
    fetched); the others that were leased have been rescheduled or closed and released.
    """
    if limit <= 0:
        return []
    now = _utc(now)
    due = await due_entries(now, settings)
    ids = await _lease_ids(now, now + lease, limit, due, worker)
    if not ids:
        return []
    log.debug("%s leased %d entries", worker, len(ids))
    entries = await CampaignEntry.filter(id__in=ids).select_related("customer", "rule")
    entries.sort(key=lambda e: ids.index(e.id))
    ready: list[CampaignEntry] = []
    for entry in entries:
        rule: CollectionRule = entry.rule
        if entry.attempts >= rule.max_attempts:
            await release(entry, state=EntryState.DONE)
            continue
        decision = await _decide_call(entry.customer, entry, now, settings)
        if not decision.allowed:
            await _refuse(entry, entry.customer, decision)
            continue
        if (tomorrow := await _daily_limit(entry, entry.customer, now, settings)) is not None:
            await _postpone_to(entry, tomorrow)
            continue
        ready.append(entry)
    return ready


async def _postpone_to(entry: CampaignEntry, when: datetime) -> None:
    await release(entry, state=EntryState.SCHEDULED, reschedule_at=when)
    log.info(
        "entry %s rescheduled to %s: the debtor's robot calls of the day are used", entry.id, when
    )


async def phone_of(customer_id: int) -> str | None:
    """The number the robot calls: the customer's mobile, else any of their phones (E.164)."""
    phones = await CustomerPhone.filter(customer_id=customer_id).order_by("id")
    for phone in phones:
        if phone.label == "mobile" and phone.number.startswith("+"):
            return phone.number
    for phone in phones:
        if phone.number.startswith("+"):
            return phone.number
    return None


async def start_call(
    entry: CampaignEntry, settings: DialerConfig, *, now: datetime | None = None
) -> Call | None:
    """The Call row (outbound, queued) for a leased entry, its attempt counted, the entry
    "in_progress" and the contact recorded, all in one transaction with the customer's row
    locked. None when the contact rules refuse now (the entry is then rescheduled or closed,
    as in `lease_due`), the debtor has a live call (the entry waits for it to end) or had
    their robot calls of the day (rescheduled to the next day), or the customer has no phone
    (the entry ends: nothing to call). The debtor's lease is given back either way: from
    here on the live call keeps other dialers off the debtor.
    """
    now = _utc(now or clock.now())
    number = await phone_of(entry.customer_id)
    customer = await Customer.get(id=entry.customer_id)
    if number is None:
        await release(entry, state=EntryState.DONE)
        log.info("entry %s done: customer %s has no phone", entry.id, entry.customer_id)
        return None
    conn = connections.get("default")
    async with in_transaction() as tx:
        if conn.capabilities.support_for_update:
            # Serialises the check and the record per debtor across dialers.
            await Customer.select_for_update().using_db(tx).get(id=customer.id)
        busy = await live_calls().using_db(tx).filter(customer_id=customer.id).exists()
        tomorrow = None if busy else await _daily_limit(entry, customer, now, settings, tx)
        decision = None
        if not busy and tomorrow is None:
            decision = await _decide_call(customer, entry, now, settings)
        refused = decision if decision is not None and not decision.allowed else None
        if decision is not None and decision.allowed:
            call = await Call.create(
                using_db=tx,
                direction=CallDirection.OUTBOUND,
                status=CallStatus.QUEUED,
                customer_id=customer.id,
                entry_id=entry.id,
                to_number=number,
                from_number=settings.twilio_from_number or "",
            )
            entry.attempts += 1
            entry.state = EntryState.IN_PROGRESS
            await (
                CampaignEntry.filter(id=entry.id)
                .using_db(tx)
                .update(attempts=entry.attempts, state=EntryState.IN_PROGRESS)
            )
            await record_contact(
                customer.id,
                Channel.VOICE,
                ContactActor.ROBOT,
                MessageDirection.OUT,
                entry_id=entry.id,
                note=call_note(call.id),
                at=now,
                using_db=tx,
            )
    if busy:
        await release(entry)
        log.info("entry %s waits: customer %s is on a robot call", entry.id, customer.id)
        return None
    if tomorrow is not None:
        await _postpone_to(entry, tomorrow)
        return None
    if refused is not None:
        await _refuse(entry, customer, refused)
        return None
    await free_debtor(customer.id)
    return call
