"""The one retry queue: everything Quita sends later (billing events, payment-instrument
deliveries, the agreement SMS after a robot call) is a row tried until it goes or is given up.

A queue is a table whose rows carry `status` (pending, then sent or failed), `attempts`,
`next_attempt_at`, `last_error` and `sent_at`. A worker leases the due rows, tries each and
records the outcome: sent; failed for now and due again after the kind's backoff; or given up
(failed, with the last error kept) after the kind's last try or a permanent failure.

The lease is `next_attempt_at` pushed `lease` ahead: no other instance finds the row due
meanwhile, and a worker that dies mid-try lets the lease lapse, so the row is taken again.
On PostgreSQL the due rows are picked with `FOR UPDATE SKIP LOCKED` (concurrent workers get
disjoint batches instead of waiting on each other); SQLite has one writer at a time, so there
a guarded UPDATE per row is the compare-and-set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import clock
from negotiation.errors import SendError

log = logging.getLogger("quita.retry_queue")

# One try of one row. It raises SendError when the row did not go (`permanent` when trying
# again cannot help); what it returns is saved on the row with the success (a provider's id).
Work = Callable[[Any], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Backoff:
    """`first` after the first failed try, then twice as long each time, at most `cap`."""

    first: timedelta
    cap: timedelta

    def after(self, attempts: int) -> timedelta:
        return min(self.first * 2 ** (attempts - 1), self.cap)


@dataclass(frozen=True)
class RetryQueue:
    model: type[Model]
    status: Any  # the table's status enum, with PENDING, SENT and FAILED among its members
    backoff: Backoff
    max_attempts: int
    lease: timedelta = timedelta(minutes=5)

    def leased_until(self, now: datetime) -> datetime:
        """`next_attempt_at` for a row written to be tried at once by its writer: the jobs
        leave it alone while that try runs, and take it over if the writer dies."""
        return now + self.lease

    def due(self, now: datetime) -> QuerySet:
        return self.model.filter(status=self.status.PENDING, next_attempt_at__lte=now)


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0  # failed tries, given up or not

    @property
    def tried(self) -> int:
        return self.sent + self.failed


async def lease(
    due: Callable[[], QuerySet], *, column: str, until: datetime, limit: int
) -> list[Model]:
    """Take up to `limit` rows of `due()` (oldest id first) by setting `column` to `until`;
    `due()` must no longer match a row once that is set. No two callers get the same row."""
    if limit <= 0:
        return []
    if connections.get("default").capabilities.support_for_update:
        async with in_transaction() as tx:
            picked = due().using_db(tx).select_for_update(skip_locked=True)
            rows = await picked.order_by("id").limit(limit)
            if rows:
                await (
                    due().filter(id__in=[r.pk for r in rows]).using_db(tx).update(**{column: until})
                )
    else:
        won = []
        for row_id in await due().order_by("id").limit(limit).values_list("id", flat=True):
            if await due().filter(id=row_id).update(**{column: until}):
                won.append(row_id)
        # Read after winning: another worker may have tried the row since it was listed.
        rows = await due().model.filter(id__in=won).order_by("id") if won else []
    for row in rows:
        setattr(row, column, until)
    return rows


async def attempt(queue: RetryQueue, row: Any, work: Work, now: datetime | None = None) -> bool:
    """One try of a row its caller holds (leased, or just written leased); the row is saved
    with the outcome. True when it went."""
    now = now or clock.now()
    row.attempts += 1
    # A finished row keeps no next try, where its column allows none.
    done_at = None if queue.model._meta.fields_map["next_attempt_at"].null else row.next_attempt_at
    try:
        changes = await work(row) or {}
    except Exception as error:  # one bad row must not stop the others: it is kept and shown
        if not isinstance(error, SendError):
            log.exception("%s %s: unexpected failure", queue.model.__name__, row.pk)
        permanent = isinstance(error, SendError) and error.permanent
        gave_up = permanent or row.attempts >= queue.max_attempts
        row.last_error = str(error)
        row.status = queue.status.FAILED if gave_up else queue.status.PENDING
        row.next_attempt_at = done_at if gave_up else now + queue.backoff.after(row.attempts)
        log_at = log.error if gave_up else log.warning
        log_at("%s %s, try %d: %s", queue.model.__name__, row.pk, row.attempts, error)
        went, changes = False, {}
    else:
        row.status, row.sent_at, row.last_error = queue.status.SENT, now, None
        row.next_attempt_at = done_at
        went = True
    for name, value in changes.items():
        setattr(row, name, value)
    names = ["attempts", "status", "next_attempt_at", "last_error", "sent_at", *changes]
    if "updated_at" in queue.model._meta.fields_map:
        names.append("updated_at")
    await row.save(update_fields=names)
    return went


async def run_due(
    queue: RetryQueue,
    work: Work,
    *,
    now: datetime | None = None,
    limit: int = 100,
    batch: int = 10,
) -> Tally:
    """Try the rows whose time has come, up to `limit`. They are leased `batch` at a time so
    that a lease outlives the tries of its batch."""
    now = now or clock.now()
    tally = Tally()
    while tally.tried < limit:
        rows = await lease(
            lambda: queue.due(now),
            column="next_attempt_at",
            until=queue.leased_until(now),
            limit=min(batch, limit - tally.tried),
        )
        if not rows:
            break
        for row in rows:
            if await attempt(queue, row, work, now):
                tally.sent += 1
            else:
                tally.failed += 1
    return tally
