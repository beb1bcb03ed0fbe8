"""Call turns of a rule run inside the debtors' calling windows (DESIGN.md §4, §7).

A run gives the entry in position n the turn "(n - 1) × minutes_per_call minutes of open
window after the run started", counted in the debtor's own calendar: their state's window in
their state's zone, skipping nights, Sundays, closed Saturdays and holidays (national, state,
and the ISP's stored ones, municipal ones for the debtors of that city). Debtors of one
calendar keep the rule's spacing; those of another (AM is an hour behind) get the same
position at the same point of their own window.

It stays one set-based INSERT: Python works out, per calendar ("group": a UF, a UF's city
with a municipal holiday, or "" for an unknown state), the open stretches of window from the
start (`contact_windows.open_blocks`: start and length, and the open minutes before each),
into a temporary table indexed by (group, minutes before). The INSERT picks each entry's
stretch with an indexed correlated lookup (the last stretch starting at or before its
offset) and adds the rest of the offset. The stretches cover at most `SEARCH_DAYS` days: a
list longer than that gets the last stretch's last minute (still inside a window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from negotiation.contact_windows import (
    BRASILIA,
    STATES,
    as_tz,
    calendar,
    city_key,
    open_blocks,
    zone_for,
)

TABLE = "turn_block"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


def _marks(conn: BaseDBAsyncClient, n: int) -> str:
    if _sqlite(conn):
        return ", ".join("?" * n)
    if "psycopg" in type(conn).__module__:
        return ", ".join(["%s"] * n)
    return ", ".join(f"${i}" for i in range(1, n + 1))


@dataclass
class TurnPlan:
    """The temporary table of open stretches, and how a debtor's group is told in SQL."""

    sqlite: bool
    # (UF, raw city values as stored, group) of the cities with municipal holidays.
    cities: list[tuple[str, list[str], str]]

    def group_of(self, sql: Any, customer: str) -> str:
        uf = f"UPPER(TRIM({customer}.state))"
        cases = [
            f"WHEN {uf} = {sql.p(state)} AND {customer}.city IN"
            f" ({', '.join(sql.p(c) for c in raw)}) THEN {sql.p(group)}"
            for state, raw, group in self.cities
        ]
        known = ", ".join(_quote(s) for s in STATES)
        cases.append(f"WHEN {uf} IN ({known}) THEN {uf}")
        return f"CASE {' '.join(cases)} ELSE '' END"

    def call_at(self, sql: Any, rn: str, customer: str, minutes: int) -> str:
        """The SQL of an entry's turn (a timestamp as the dialect stores it)."""
        offset = f"(({rn} - 1) * {int(minutes)})"
        if self.sqlite:
            into = f"MIN({offset} - b.cum_from, b.len - 1)"
            value = f"strftime('%Y-%m-%d %H:%M:%S', b.start, ({into}) || ' minutes') || '+00:00'"
            table = f"temp.{TABLE}"
        else:
            into = f"LEAST({offset} - b.cum_from, b.len - 1)"
            value = f"b.start + make_interval(mins => CAST({into} AS integer))"
            table = TABLE

        def lookup(group: str) -> str:
            return (
                f"(SELECT {value} FROM {table} b WHERE b.grp = {group}"
                f" AND b.cum_from <= {offset} ORDER BY b.cum_from DESC LIMIT 1)"
            )

        # A state first seen after the plan was made (an import meanwhile) gets the ISP's.
        mine, isp = lookup(self.group_of(sql, customer)), lookup("''")
        return f"COALESCE({mine}, {isp})"

    async def drop(self, conn: BaseDBAsyncClient) -> None:
        await conn.execute_query(f"DROP TABLE IF EXISTS {'temp.' if self.sqlite else ''}{TABLE}")


# DDL goes through execute_query: SQLite's executescript would commit the run's transaction.


async def plan_turns(
    conn: BaseDBAsyncClient, start: datetime, minutes: int, timezone: tzinfo | str = BRASILIA
) -> TurnPlan:
    """Write the open stretches from `start` of every calendar the customers use, enough for
    every customer to get a turn `minutes` apart (or `SEARCH_DAYS` days)."""
    sqlite = _sqlite(conn)
    stored = await calendar()
    _, rows = await conn.execute_query("SELECT DISTINCT UPPER(TRIM(state)) FROM customer")
    states = {row[0] for row in rows if row[0] in STATES}
    _, rows = await conn.execute_query("SELECT COUNT(*) FROM customer")
    need = max(int(rows[0][0]), 1) * max(int(minutes), 1)

    # (group, UF, city for the holidays)
    groups: list[tuple[str, str, str | None]] = [(uf, uf, None) for uf in sorted(states)]
    groups.append(("", "", None))
    cities: list[tuple[str, list[str], str]] = []
    for uf, key in sorted(stored.municipal()):
        if uf not in states:
            continue
        _, rows = await conn.execute_query(
            f"SELECT DISTINCT city FROM customer WHERE UPPER(TRIM(state)) = {_marks(conn, 1)}",
            [uf],
        )
        raw = [row[0] for row in rows if row[0] is not None and city_key(row[0]) == key]
        if raw:
            group = f"{uf}|{key}"
            cities.append((uf, raw, group))
            groups.append((group, uf, raw[0]))

    blocks: list[tuple[str, int, int, Any]] = []
    for group, uf, city in groups:
        cum = 0
        for begin, length in open_blocks(
            uf or None,
            start,
            zone_for(uf, as_tz(timezone)),
            need,
            overrides=stored.windows,
            extra_holidays=stored.extra_for(uf, city),
        ):
            at = begin.astimezone(UTC).replace(tzinfo=None) if sqlite else begin
            blocks.append((group, cum, length, at.strftime("%Y-%m-%d %H:%M:%S") if sqlite else at))
            cum += length

    plan = TurnPlan(sqlite, cities)
    await plan.drop(conn)
    if sqlite:
        await conn.execute_query(
            f"CREATE TEMP TABLE {TABLE} (grp TEXT, cum_from INTEGER, len INTEGER, start TEXT)"
        )
    else:
        await conn.execute_query(
            f"CREATE TEMP TABLE {TABLE} (grp TEXT, cum_from INTEGER, len INTEGER,"
            " start TIMESTAMPTZ) ON COMMIT DROP"
        )
    await conn.execute_query(f"CREATE INDEX {TABLE}_grp ON {TABLE} (grp, cum_from)")
    if blocks:
        await conn.execute_many(f"INSERT INTO {TABLE} VALUES ({_marks(conn, 4)})", blocks)
    if not sqlite:
        # A temporary table has no statistics: without them the planner scans it per entry.
        await conn.execute_query(f"ANALYZE {TABLE}")
    return plan


async def turns_line(conn: BaseDBAsyncClient, campaign_id: int, timezone: tzinfo | str) -> str:
    """The run log's line with the first and last turn, in the ISP's zone."""
    _, rows = await conn.execute_query(
        f"SELECT MIN(call_at), MAX(call_at) FROM campaign_entry WHERE campaign_id ="
        f" {_marks(conn, 1)}",
        [campaign_id],
    )
    zone = as_tz(timezone)
    first, last = (_moment(v).astimezone(zone) for v in rows[0])
    where = "horário de Brasília" if str(zone) == BRASILIA else f"fuso {zone}"
    return (
        "Turnos de ligação dentro da janela de cada UF, no horário local do devedor:"
        f" primeiro em {first:%d/%m/%Y %H:%M}, último em {last:%d/%m/%Y %H:%M} ({where})"
    )


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
