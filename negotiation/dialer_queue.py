"""The robot's queue: which campaign entries to call now, leased so that no two dialers
(processes, machines) ever dial the same entry (DESIGN.md §8).

`lease_due` takes the due entries of robot-call campaigns and marks them leased
(`leased_until`) in one step: on PostgreSQL a `SELECT ... FOR UPDATE SKIP LOCKED` and an
UPDATE in one transaction, so a second dialer skips the rows the first one holds; on SQLite
(one writer at a time) a guarded UPDATE per row (`... WHERE leased_until IS NULL OR
leased_until < now`), of which only one dialer can win. Each leased entry is then checked by
the contact gate, `contact_policy.decide` (opt-outs, debt still open, calling window, contact
budget; it keeps the reason of a refusal):

- a refusal that time lifts (window, holiday, budget) reschedules the entry to `retry_at`
  (state "scheduled") and releases it;
- a debt that is no longer open (paid or negotiated elsewhere) ends the entry ("done");
- an opt-out (from everything or from calls) cancels it ("cancelled");
- an entry that already used the rule's `max_attempts` calls ends ("done").

`start_call` turns a leased entry into a `Call` row (queued, no SID yet): it re-checks the
contact rules with the customer's row locked, so two entries of the same debtor (two rules)
taken by two dialers at once still make one call, and records the contact attempt (through
the gate) in the same transaction. This module knows nothing of Twilio: `telephony.dialer`
places the call.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionRule,
    Customer,
    CustomerPhone,
    clock,
)
from models.enums import (
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactKind,
    EntryState,
    MessageDirection,
)
from negotiation.config import DialerConfig
from negotiation.contact_policy import Decision, decide, record_contact

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)
DUE_STATES = (EntryState.PENDING, EntryState.SCHEDULED)


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


def due_entries(now: datetime):
    """The query of the robot entries whose call turn has come (not yet filtered by the
    rule's attempt limit, which is checked after leasing)."""
    robot_campaigns = Campaign.filter(contact_type__kind=ContactKind.ROBOT_CALL).values("id")
    return CampaignEntry.filter(
        _due(now), state__in=DUE_STATES, campaign_id__in=Subquery(robot_campaigns)
    )


async def _lease_ids(now: datetime, until: datetime, limit: int) -> list[int]:
    conn = connections.get("default")
    if conn.capabilities.support_for_update:
        async with in_transaction() as tx:
            # Model rows, not values_list(): Tortoise drops FOR UPDATE from values queries.
            rows = (
                await due_entries(now)
                .using_db(tx)
                .select_for_update(skip_locked=True)
                .order_by("call_at", "position", "id")
                .limit(limit)
                .only("id")
            )
            ids = [row.id for row in rows]
            if ids:
                await CampaignEntry.filter(id__in=ids).using_db(tx).update(leased_until=until)
            return ids
    # SQLite: one writer at a time, so a guarded UPDATE per row is the lock.
    candidates = (
        await due_entries(now)
        .order_by("call_at", "position", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    leased = []
    for entry_id in candidates:
        won = await (
            due_entries(now).filter(id=entry_id).update(leased_until=until)  # type: ignore[union-attr]
        )
        if won:
            leased.append(entry_id)
    return leased


async def release(entry: CampaignEntry, **changes: Any) -> None:
    """Gives the lease back, with the other changes (state, reschedule_at...)."""
    changes["leased_until"] = None
    for name, value in changes.items():
        setattr(entry, name, value)
    await CampaignEntry.filter(id=entry.id).update(**changes)


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
    ids = await _lease_ids(now, now + lease, limit)
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
        ready.append(entry)
    return ready


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
    as in `lease_due`) or the customer has no phone (the entry ends: nothing to call).
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
        decision = await _decide_call(customer, entry, now, settings)
        if not decision.allowed:
            refused = decision
        else:
            refused = None
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
    if refused is not None:
        await _refuse(entry, customer, refused)
        return None
    return call
