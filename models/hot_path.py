"""Point reads (a row or a few, by an index) and single-row inserts for the webhooks someone
is waiting on: Twilio's answer URL and `<Gather>` actions, where a caller hears silence until
we answer.

Why not the ORM's own calls here: on SQLite a read by an index takes a few microseconds and
an insert with its commit about 30 (WAL, synchronous=NORMAL), while going through aiosqlite
costs a hop to its worker thread and back for each statement (about 80 µs of CPU, more
waiting) and Tortoise's query building about 120 µs more. Every webhook of a call reads its
row, the first answer of an inbound call reads its caller and lockout, the next request
inserts the row, and the speed target (issue 6) is measured on SQLite. So on
SQLite these statements run on a second sqlite3 connection to the same file, in the event
loop's own thread, with the same pragmas as Tortoise's:
- the database is in WAL mode (Tortoise's default), where readers never wait for the writer,
  and every statement runs outside a transaction, so a read sees everything committed;
- the busy timeout is zero, so a statement never blocks the event loop waiting for a lock:
  when Tortoise's connection holds the write lock (a transaction in another task), or
  anything else goes wrong, the statement goes through Tortoise as usual;
- inside a transaction of this context the statement goes through it (its writes are not
  committed yet, the side connection would not see them).
On PostgreSQL the reads are one raw query on Tortoise's pool and the insert is the ORM's.

Rows become model instances with `Model._init_from_db` and inserts use Tortoise's own insert
statement and field conversions, so columns, JSON, dates and enums are the ORM's.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from functools import cache, lru_cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

M = TypeVar("M", bound=Model)

# One side connection per open aiosqlite connection: a reconnect (or a new database file at
# the same path) gets a new one, and a closed connection's goes with it.
_sides: weakref.WeakKeyDictionary[Any, sqlite3.Connection] = weakref.WeakKeyDictionary()


def _side(client: Any) -> sqlite3.Connection | None:
    """The side connection of Tortoise's SQLite client, or None where it does not apply."""
    if not isinstance(client, SqliteClient) or isinstance(client, TransactionalDBClient):
        return None
    opened = client._connection  # None until Tortoise's first query on it
    if opened is None or client.filename in ("", ":memory:"):
        return None
    side = _sides.get(opened)
    if side is None:
        side = sqlite3.connect(
            client.filename, timeout=0, isolation_level=None, check_same_thread=False
        )
        side.row_factory = sqlite3.Row
        for pragma, value in client.pragmas.items():  # synchronous, foreign_keys, …
            side.execute(f"PRAGMA {pragma}={value}")
        _sides[opened] = side
    return side


@lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …` (our statements have no literal `?`)."""
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


async def fetch_rows(sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of one SELECT written with `?` placeholders, as dicts."""
    client = connections.get("default")
    side = _side(client)
    if side is not None:
        try:
            return [dict(row) for row in side.execute(sql, params).fetchall()]
        except sqlite3.Error:
            pass  # busy, or worse: Tortoise's connection tries it and reports it
    if isinstance(client, SqliteClient):
        return await client.execute_query_dict(sql, list(params))
    return await client.execute_query_dict(_numbered(sql), list(params))


async def fetch(model: type[M], sql: str, *params: Any) -> list[M]:
    """Instances of `model` from a `SELECT *` (or every column) of its table."""
    return [model._init_from_db(**row) for row in await fetch_rows(sql, *params)]


async def fetch_one(model: type[M], sql: str, *params: Any) -> M | None:
    found = await fetch(model, sql, *params)
    return found[0] if found else None


@cache
def _has_db_defaults(model: type[Model]) -> bool:
    """Columns the database fills in need Tortoise's RETURNING insert: left to the ORM."""
    return any(field.has_db_default() for field in model._meta.fields_map.values())


async def insert(instance: Model) -> None:
    """Save a new instance (what `instance.save()` does for one; IntegrityError alike)."""
    client = connections.get("default")
    side = _side(client)
    if side is None or instance.pk is not None or _has_db_defaults(type(instance)):
        await instance.save()
        return
    meta = instance._meta
    executor = client.executor_class(model=type(instance), db=client)
    values = [
        meta.fields_map[name].to_db_value(getattr(instance, name), instance)
        for name in executor.regular_columns
    ]
    try:
        row_id = side.execute(executor.insert_query, values).lastrowid
    except sqlite3.IntegrityError as error:
        raise IntegrityError(error) from error
    except sqlite3.Error:
        await instance.save()  # busy (or worse): Tortoise waits its turn, or reports it
        return
    instance.pk = row_id
    instance._saved_in_db = True
