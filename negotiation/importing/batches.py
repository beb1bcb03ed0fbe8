"""Batch SQL for imports: chunked lookups, customer locks, and one transaction for all lines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Customer, Receivable
from negotiation.errors import Conflict

T = TypeVar("T")

# Rows per INSERT round trip, and values per `IN (...)` list (well under SQLite's limit).
BATCH_SIZE = 1000
IN_CHUNK = 900


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _refused(exc: IntegrityError) -> Conflict:
    return Conflict(f"nada foi importado: o banco de dados recusou a gravação ({exc})")


class _CustomPlans:
    """PostgreSQL: plan the lookups inside for the table as it is now.

    The driver keeps prepared statements per connection, and PostgreSQL may settle on a
    generic plan chosen while the table was small (a sequential scan per `IN (...)` chunk):
    100k rows then take minutes instead of seconds. Only around lookups: the batched INSERTs
    are better off with their cached plan.
    """

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.postgres = conn.capabilities.dialect == "postgres"

    async def __aenter__(self) -> None:
        if self.postgres:
            await self.conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")

    async def __aexit__(self, *exc: object) -> None:
        if self.postgres and exc[0] is None:
            await self.conn.execute_script("SET LOCAL plan_cache_mode = auto")


async def in_chunks(
    conn: BaseDBAsyncClient, items: Sequence[Any], query: Callable[[Sequence[Any]], Any]
) -> list[Any]:
    """Run `query(chunk)` for chunks of `items` (an `IN (...)` list each); all the rows."""
    rows: list[Any] = []
    if items:
        async with _CustomPlans(conn):
            for chunk in chunks(items, IN_CHUNK):
                rows.extend(await query(chunk))
    return rows


async def counted(query: Any) -> list[int]:
    return [await query.delete()]


class Progress:
    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback
        self.done = 0

    def advance(self, lines: int) -> None:
        if lines:
            self.done += lines
            if self.callback is not None:
                self.callback(self.done)


async def ids_by_external_id(
    conn: BaseDBAsyncClient, model: type[Customer] | type[Receivable], external_ids: Sequence[str]
) -> dict[str, int]:
    rows = await in_chunks(
        conn,
        external_ids,
        lambda chunk: (
            model.filter(external_id__in=chunk).using_db(conn).values_list("external_id", "id")
        ),
    )
    return dict(rows)


async def lock_customers(conn: BaseDBAsyncClient, ids: Iterable[int]) -> list[Customer]:
    """The customers' rows, locked in id order on PostgreSQL (`accept` locks them first too).

    Locking the customer is the protocol that serialises writers of a customer's debt: an
    agreement being made waits for the import (and then sees its changes), or the import waits
    for the agreement (and then sees the bills negotiated). SQLite serialises transactions.
    """

    def fetch(chunk: Sequence[int]) -> Any:
        query = Customer.filter(id__in=chunk).order_by("id").using_db(conn)
        return query.select_for_update() if conn.capabilities.support_for_update else query

    return await in_chunks(conn, sorted(set(ids)), fetch)


async def in_one_transaction(write: Callable[[BaseDBAsyncClient], Awaitable[Any]]) -> None:
    """`write(conn)` in one transaction: all its lines land, or (`Conflict`) none does."""
    try:
        async with in_transaction() as conn:
            await write(conn)
    except IntegrityError as exc:
        raise _refused(exc) from exc
