"""Rule execution (Executar / Logs de Execução): a rule's debtors become a call list.

DESIGN.md §4. The selection is one set-based SQL statement run by the database, never a
Python loop per receivable or per customer:

    INSERT INTO campaign_entry (...)
    SELECT ..., g.rn, ... FROM (
        SELECT r.customer_id, SUM(amount), COUNT(*), MIN(due_date), MAX(plan),
               ROW_NUMBER() OVER (ORDER BY SUM(amount) DESC, r.customer_id) AS rn
        FROM receivable r JOIN customer c ON c.id = r.customer_id
        WHERE <open, overdue, not opted out, no active agreement, no open entry in any
               campaign, customer and receivable filters>
        GROUP BY r.customer_id
        HAVING <total_debt / open_count filters, the rule's amount limits>
    ) g

One debtor, one open line of work: a debtor already in an open entry (OPEN_ENTRY_STATES, of
any rule's campaign, exported to an agency included) is left out, and the run's log says how
many were (the same SELECT over the debtors of open entries only, counted). Runs take turns on
PostgreSQL (a transaction-level advisory lock), so two rules run at once cannot both put a
debtor on their lists.

A rule with an active robot-call action makes a robot campaign: its contact type is the
first active contact type of kind robot call (the dialer calls only such campaigns).

`preview` counts the same SELECT without writing. Every user value is a bound parameter. The
SQL runs on SQLite (3.25+, window functions) and PostgreSQL through Tortoise's connection.

Dialect notes. SQLite keeps DecimalField as text, so money there is summed and compared in
integer cents (exact); PostgreSQL uses its numeric. DATE is ISO text on SQLite, so dates are
bound as ISO strings and compared as text; "days late" is turned into a due-date bound in
Python (`due_date <= today - n`), which needs no date arithmetic in SQL and can use the index
on (status, due_date). Timestamps are written on SQLite in the format Tortoise writes
("YYYY-MM-DD HH:MM:SS+00:00"), so the ORM reads our rows back.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_decimal
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import (
    Campaign,
    CollectionAction,
    CollectionRule,
    ContactType,
    RuleFilter,
    RuleRun,
    User,
    clock,
)
from models.enums import (
    OPEN_ENTRY_STATES,
    ActionKind,
    AgreementStatus,
    ContactKind,
    EntryState,
    FilterField,
    FilterOperator,
    ReceivableStatus,
    RunStatus,
)
from negotiation.call_turns import TurnPlan, plan_turns, turns_line
from negotiation.contact_windows import BRASILIA
from negotiation.errors import Conflict, InvalidInput, NotFound
from negotiation.rule_filters import (
    CENT,
    LIST_OPS,
    CheckedFilter,
    check_filters,
    count_of,
    plain_brl,
)
from negotiation.stale_runs import Heartbeat

log = logging.getLogger(__name__)

Progress = Callable[[int, str], Awaitable[None] | None]


@dataclass(frozen=True)
class RuleSelection:
    """What a rule would put on the call list today (preview: nothing written)."""

    rule_id: int
    today: date
    customers: int
    receivables: int
    amount: Decimal


_MARKER = re.compile(r"\{p(\d+)\}")


def _quote(value: str) -> str:
    """A trusted constant (an enum value) as a SQL literal."""
    return "'" + value.replace("'", "''") + "'"


class _Sql:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.sqlite = conn.capabilities.dialect == "sqlite"
        self.format_style = "psycopg" in type(conn).__module__
        self.values: list[Any] = []

    def p(self, value: Any) -> str:
        self.values.append(value)
        return f"{{p{len(self.values)}}}"

    def date(self, value: date) -> str:
        return self.p(value.isoformat() if self.sqlite else value)

    def money(self, value: Decimal) -> str:
        return self.p(int(value * 100) if self.sqlite else value)

    def timestamp(self, value: datetime) -> str:
        value = value.astimezone(UTC).replace(microsecond=0)
        if self.sqlite:
            return self.p(value.strftime("%Y-%m-%d %H:%M:%S+00:00"))
        return f"CAST({self.p(value)} AS timestamptz)"

    def money_of(self, column: str) -> str:
        """A money column as something exact to sum and compare (cents on SQLite)."""
        if self.sqlite:
            return f"CAST(ROUND(CAST({column} AS NUMERIC) * 100) AS INTEGER)"
        return column

    def money_out(self, expr: str) -> str:
        """A summed money expression back as the column's storage (text on SQLite)."""
        if self.sqlite:
            return f"printf('%d.%02d', ({expr}) / 100, ({expr}) % 100)"
        return expr

    def render(self, text: str) -> tuple[str, list[Any]]:
        if self.format_style:
            values: list[Any] = []
            parts = _MARKER.split(text)
            out = []
            for i, part in enumerate(parts):
                if i % 2:
                    values.append(self.values[int(part) - 1])
                    out.append("%s")
                else:
                    out.append(part.replace("%", "%%"))
            return "".join(out), values
        mark = "?" if self.sqlite else "$"
        return _MARKER.sub(lambda m: mark + m.group(1), text), list(self.values)


def _compare(sql: _Sql, expr: str, op: FilterOperator, value: Any, bind) -> str:
    if op == FilterOperator.EQ:
        return f"{expr} = {bind(value)}"
    if op == FilterOperator.NE:
        return f"({expr} IS NULL OR {expr} <> {bind(value)})"
    if op == FilterOperator.IN:
        return f"{expr} IN ({', '.join(bind(v) for v in value)})"
    if op == FilterOperator.NOT_IN:
        return f"({expr} IS NULL OR {expr} NOT IN ({', '.join(bind(v) for v in value)}))"
    if op == FilterOperator.BETWEEN:
        return f"{expr} BETWEEN {bind(value[0])} AND {bind(value[1])}"
    if op == FilterOperator.CONTAINS:
        escaped = value.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        return f"LOWER({expr}) LIKE {sql.p('%' + escaped + '%')} ESCAPE '!'"
    symbol = {
        FilterOperator.LT: "<",
        FilterOperator.LE: "<=",
        FilterOperator.GT: ">",
        FilterOperator.GE: ">=",
    }[op]
    return f"{expr} {symbol} {bind(value)}"


# days_late op n  <=>  due_date op' (today - n): later due date means fewer days late.
_MIRROR = {
    FilterOperator.LT: FilterOperator.GT,
    FilterOperator.LE: FilterOperator.GE,
    FilterOperator.GT: FilterOperator.LT,
    FilterOperator.GE: FilterOperator.LE,
}

_COLUMNS = {
    FilterField.CITY: "c.city",
    FilterField.STATE: "c.state",
    FilterField.PLAN: "c.plan",
    FilterField.CUSTOMER_STATUS: "c.status",
    FilterField.BILLING_METHOD: "r.billing_method",
}


def _condition(sql: _Sql, f: CheckedFilter, today: date) -> tuple[str, str]:
    """("where" | "having", SQL) for one checked filter."""
    if f.field in _COLUMNS:
        return "where", _compare(sql, _COLUMNS[f.field], f.operator, f.value, sql.p)
    if f.field == FilterField.DUE_DATE:
        return "where", _compare(sql, "r.due_date", f.operator, f.value, sql.date)
    if f.field == FilterField.DAYS_LATE:
        op, value = f.operator, f.value
        due = lambda n: today - timedelta(days=n)  # noqa: E731
        if op == FilterOperator.BETWEEN:
            value = (due(value[1]), due(value[0]))
        elif op in LIST_OPS:
            value = tuple(due(n) for n in value)
        else:
            op, value = _MIRROR.get(op, op), due(value)
        return "where", _compare(sql, "r.due_date", op, value, sql.date)
    if f.field == FilterField.AMOUNT:
        return "where", _compare(sql, sql.money_of("r.amount"), f.operator, f.value, sql.money)
    if f.field == FilterField.TOTAL_DEBT:
        total = f"SUM({sql.money_of('r.amount')})"
        return "having", _compare(sql, total, f.operator, f.value, sql.money)
    # OPEN_COUNT
    return "having", _compare(sql, "COUNT(*)", f.operator, f.value, sql.p)


@dataclass(frozen=True)
class _Plan:
    rule: CollectionRule
    filters: list[CheckedFilter]
    today: date


def _selection(sql: _Sql, plan: _Plan, *, numbered: bool, already_open: bool = False) -> str:
    """The grouped SELECT of the rule's debtors (one row per customer); with `already_open`,
    of those the rule would take but who are already in an open entry (left out): that one
    starts from the open entries' debtors, so its cost follows how many there are."""
    amount = sql.money_of("r.amount")
    open_states = ", ".join(_quote(s.value) for s in OPEN_ENTRY_STATES)
    if already_open:
        busy = (
            f"SELECT DISTINCT e.customer_id FROM campaign_entry e WHERE e.state IN ({open_states})"
        )
        debtors = f"({busy}) o JOIN receivable r ON r.customer_id = o.customer_id"
    else:
        debtors = "receivable r"
    where = [
        f"r.status = {_quote(ReceivableStatus.OPEN.value)}",
        f"r.due_date < {sql.date(plan.today)}",
        "c.opted_out_at IS NULL",
        "NOT c.no_calls",
        "NOT EXISTS (SELECT 1 FROM agreement a WHERE a.customer_id = r.customer_id"
        f" AND a.status = {_quote(AgreementStatus.ACTIVE.value)})",
    ]
    if not already_open:
        # Uses the (customer_id, state) index of campaign_entry: one probe per debtor.
        where.append(
            "NOT EXISTS (SELECT 1 FROM campaign_entry e WHERE e.customer_id = r.customer_id"
            f" AND e.state IN ({open_states}))"
        )
    having = []
    for f in plan.filters:
        place, text = _condition(sql, f, plan.today)
        (where if place == "where" else having).append(text)
    if plan.rule.amount_min is not None:
        having.append(f"SUM({amount}) >= {sql.money(plan.rule.amount_min)}")
    if plan.rule.amount_max is not None:
        having.append(f"SUM({amount}) <= {sql.money(plan.rule.amount_max)}")
    columns = [
        "r.customer_id AS customer_id",
        f"SUM({amount}) AS total",
        "COUNT(*) AS n",
        "MIN(r.due_date) AS oldest",
        "MAX(c.plan) AS plans",
    ]
    if numbered:
        columns.append(f"ROW_NUMBER() OVER (ORDER BY SUM({amount}) DESC, r.customer_id) AS rn")
    text = (
        f"SELECT {', '.join(columns)} FROM {debtors} JOIN customer c ON c.id = r.customer_id"
        f" WHERE {' AND '.join(where)} GROUP BY r.customer_id"
    )
    if having:
        text += f" HAVING {' AND '.join(having)}"
    return text


def _to_money(value: Any, sqlite: bool) -> Decimal:
    if value is None:
        return Decimal("0.00")
    amount = Decimal(value) / 100 if sqlite else Decimal(value)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _linear_turns(sql: _Sql, plan: _Plan, start: datetime) -> str:
    """Turns every `minutes_per_call` from `start`, windows aside (a run without a turn plan)."""
    minutes = sql.p(plan.rule.minutes_per_call)
    if sql.sqlite:
        start_text = start.astimezone(UTC).replace(microsecond=0)
        base = sql.p(start_text.strftime("%Y-%m-%d %H:%M:%S"))
        call_at = (
            f"strftime('%Y-%m-%d %H:%M:%S', {base}, ((g.rn - 1) * {minutes}) || ' minutes')"
            " || '+00:00'"
        )
    else:
        turn = f"make_interval(mins => CAST((g.rn - 1) * {minutes} AS integer))"
        call_at = f"{sql.timestamp(start)} + {turn}"
    return call_at


def _insert_entries(
    sql: _Sql, plan: _Plan, campaign_id: int, start: datetime, turns: TurnPlan | None = None
) -> str:
    if turns is not None:
        call_at = turns.call_at(sql, "g.rn", "c2", plan.rule.minutes_per_call)
    else:
        call_at = _linear_turns(sql, plan, start)
    now = sql.timestamp(clock.now())
    return (
        "INSERT INTO campaign_entry (campaign_id, rule_id, customer_id, position, total_debt,"
        " receivables_count, oldest_due_date, plans, call_at, state, attempts, created_at,"
        " updated_at)"
        f" SELECT {sql.p(campaign_id)}, {sql.p(plan.rule.id)}, g.customer_id, g.rn,"
        f" {sql.money_out('g.total')}, g.n, g.oldest, g.plans, {call_at},"
        f" {_quote(EntryState.PENDING.value)}, 0, {now}, {now}"
        f" FROM ({_selection(sql, plan, numbered=True)}) g"
        + (" JOIN customer c2 ON c2.id = g.customer_id" if turns is not None else "")
    )


async def _plan_for(rule_id: int, today: date, using_db=None) -> _Plan:
    if isinstance(today, datetime):  # a datetime is a date too; only the day counts
        today = today.date()
    rule = await CollectionRule.get_or_none(id=rule_id).using_db(using_db)
    if rule is None:
        raise NotFound(f"regra de cobrança {rule_id} não existe")
    stored = await RuleFilter.filter(rule_id=rule.id).using_db(using_db).order_by("position", "id")
    return _Plan(rule, check_filters(stored), today)


# ---------------------------------------------------------------------------------------------
# The public services.


async def preview(rule_id: int, today: date) -> RuleSelection:
    """Counts of what a run would write today: customers, receivables, total amount."""
    plan = await _plan_for(rule_id, today)
    conn = connections.get("default")
    sql = _Sql(conn)
    text = (
        "SELECT COUNT(*), COALESCE(SUM(g.n), 0), COALESCE(SUM(g.total), 0)"
        f" FROM ({_selection(sql, plan, numbered=False)}) g"
    )
    _, rows = await conn.execute_query(*sql.render(text))
    customers, receivables, total = rows[0]
    return RuleSelection(
        rule_id=rule_id,
        today=plan.today,
        customers=int(customers),
        receivables=int(receivables),
        amount=_to_money(total, sql.sqlite),
    )


async def start_run(rule_id: int, user_id: int | None) -> RuleRun:
    """Record a run of the rule (status running, nothing selected yet) and return it."""
    if not await CollectionRule.exists(id=rule_id):
        raise NotFound(f"regra de cobrança {rule_id} não existe")
    if user_id is not None and not await User.exists(id=user_id):
        raise NotFound(f"usuário {user_id} não existe")
    return await RuleRun.create(rule_id=rule_id, started_by_id=user_id, status=RunStatus.RUNNING)


async def execute_run(
    run_id: int,
    today: date,
    progress: Progress | None = None,
    *,
    timezone: tzinfo | str = BRASILIA,
) -> RuleRun:
    """Do the run: one transaction writes the campaign, its entries and the run's counts.

    `progress(percent, message)` is told each step (it must not use the database: on SQLite
    the connection is held by the run's transaction). The run's `progress` and `log` are
    stored between steps, so another request sees them. On any error the run ends `failed`
    with the error in `error` and in the log, nothing of the campaign is written, and the
    error is raised again.

    Call turns are placed inside each debtor's calling window (call_turns.py); `timezone`,
    the ISP's, is the zone of debtors without a known state and of the log's times.
    """
    run = await RuleRun.get_or_none(id=run_id).select_related("rule", "started_by")
    if run is None:
        raise NotFound(f"execução {run_id} não existe")
    if run.status != RunStatus.RUNNING:
        raise Conflict(f"a execução {run_id} já terminou ({run.status})")
    lines = [line for line in run.log.splitlines() if line]
    started = time.perf_counter()

    async def step(percent: int, message: str, *, store: bool = True) -> None:
        lines.append(message)
        run.progress, run.log = percent, "\n".join(lines)
        if store:
            await RuleRun.filter(id=run.id, status=RunStatus.RUNNING).update(
                progress=percent, log=run.log
            )
        await _notify(progress, percent, message)

    beat = await Heartbeat.start(run.id)  # tells other instances the run is alive (stale_runs.py)
    try:
        rule = run.rule
        who = _who(run.started_by)
        await step(
            5,
            f"Início da execução: regra {rule.id} «{rule.description}», por {who},"
            f" data de referência {today:%d/%m/%Y}",
        )
        if not rule.active:
            await step(6, "Atenção: a regra está inativa (execução manual)")
        plan = await _plan_for(rule.id, today)
        await step(10, _describe_plan(plan))

        async with in_transaction("default") as conn:
            sql = _Sql(conn)
            if not sql.sqlite:
                # Runs of one rule take turns, so the second sees the first's open entries.
                lock = _Sql(conn)
                locked = await conn.execute_query(
                    *lock.render(
                        f"SELECT id FROM collection_rule WHERE id = {lock.p(rule.id)} FOR UPDATE"
                    )
                )
                if not locked[1]:
                    raise NotFound(f"regra de cobrança {rule.id} não existe")
                # Runs of every rule take turns: a debtor is put on one open list only.
                await conn.execute_query("SELECT pg_advisory_xact_lock(hashtext('rule_run'))")
            contact_type = await _robot_contact_type(rule.id, conn)
            if contact_type is False:
                lines.append(
                    "Atenção: a regra tem ação de ligação do robô, mas não há tipo de contato"
                    " «ligação do robô» ativo; a campanha fica sem tipo de contato"
                )
            campaign = await Campaign.create(
                rule_id=rule.id,
                run_id=run.id,
                description=f"{rule.description[:130]} — {today:%d/%m/%Y}",
                contact_type_id=contact_type or None,
                using_db=conn,
            )
            left_out = await _already_open(conn, plan)
            turns = await plan_turns(conn, run.started_at, rule.minutes_per_call, timezone)
            await conn.execute_query(
                *sql.render(_insert_entries(sql, plan, campaign.id, run.started_at, turns))
            )
            await turns.drop(conn)
            customers, receivables, amount = await _campaign_counts(conn, campaign.id)
            await step(
                90,
                f"{count_of(customers, 'cliente selecionado', 'clientes selecionados')}"
                f" ({count_of(receivables, 'conta a receber', 'contas a receber')},"
                f" {plain_brl(amount)})",
                store=False,
            )
            if left_out:
                who = count_of(left_out, "cliente já está", "clientes já estão")
                lines.append(f"Deixados de fora: {who} em outra campanha aberta")
            if contact_type:
                lines.append("Campanha do robô: as ligações são feitas automaticamente")
            if customers == 0:
                lines.append(f"Nenhum cliente atende à regra; campanha {campaign.id} sem entradas")
            else:
                lines.append(
                    f"Campanha {campaign.id} «{campaign.description}»: posições 1 a"
                    f" {count_of(customers)}, uma ligação a cada {rule.minutes_per_call} min"
                )
                lines.append(await turns_line(conn, campaign.id, timezone))
            seconds = format_decimal(
                time.perf_counter() - started, format="#,##0.00", locale="pt_BR"
            )
            total = plain_brl(amount)
            lines.append(
                f"Fim: {count_of(customers, 'entrada', 'entradas')}, {total} ({seconds} s)"
            )
            run.status = RunStatus.FINISHED
            run.progress = 100
            run.finished_at = clock.now()
            run.customers_count = customers
            run.receivables_count = receivables
            run.amount = amount
            run.log = "\n".join(lines)
            run.error = None
            await run.save(using_db=conn)
    except (Exception, asyncio.CancelledError) as exc:
        await _mark_failed(run, lines, exc)
        raise
    finally:
        await beat.stop()
    await _notify(progress, 100, lines[-1])  # committed: a failing callback is the caller's
    return run


async def run_rule(
    rule_id: int,
    today: date,
    user_id: int | None = None,
    progress: Progress | None = None,
    *,
    timezone: tzinfo | str = BRASILIA,
) -> RuleRun:
    """Start and execute a run of the rule (`start_run` + `execute_run`)."""
    run = await start_run(rule_id, user_id)
    return await execute_run(run.id, today, progress, timezone=timezone)


# ---------------------------------------------------------------------------------------------
# Helpers.


async def _robot_contact_type(rule_id: int, conn: BaseDBAsyncClient) -> int | bool | None:
    """The robot's contact type for a rule with an active robot-call action: its id, False
    when the ISP has no active one, None when the rule has no such action."""
    robot = (
        await CollectionAction.filter(rule_id=rule_id, kind=ActionKind.ROBOT_CALL, active=True)
        .using_db(conn)
        .exists()
    )
    if not robot:
        return None
    found = (
        await ContactType.filter(kind=ContactKind.ROBOT_CALL, active=True)
        .using_db(conn)
        .order_by("id")
        .first()
    )
    return found.id if found else False


async def _already_open(conn: BaseDBAsyncClient, plan: _Plan) -> int:
    """How many debtors the rule would take who are already in an open entry."""
    sql = _Sql(conn)
    text = f"SELECT COUNT(*) FROM ({_selection(sql, plan, numbered=False, already_open=True)}) g"
    _, rows = await conn.execute_query(*sql.render(text))
    return int(rows[0][0])


async def _campaign_counts(conn: BaseDBAsyncClient, campaign_id: int) -> tuple[int, int, Decimal]:
    sql = _Sql(conn)
    text = (
        "SELECT COUNT(*), COALESCE(SUM(receivables_count), 0),"
        f" COALESCE(SUM({sql.money_of('total_debt')}), 0)"
        f" FROM campaign_entry WHERE campaign_id = {sql.p(campaign_id)}"
    )
    _, rows = await conn.execute_query(*sql.render(text))
    customers, receivables, total = rows[0]
    return int(customers), int(receivables), _to_money(total, sql.sqlite)


async def _mark_failed(run: RuleRun, lines: list[str], exc: BaseException) -> None:
    if isinstance(exc, asyncio.CancelledError):
        message = "execução cancelada"
    elif isinstance(exc, InvalidInput | NotFound | Conflict):
        message = str(exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    lines.append(f"Erro: {message}")
    lines.append("Execução interrompida; nenhuma entrada foi gravada")
    run.status, run.error, run.log = RunStatus.FAILED, message, "\n".join(lines)
    run.finished_at = clock.now()
    try:
        await RuleRun.filter(id=run.id).update(
            status=RunStatus.FAILED, error=message, log=run.log, finished_at=run.finished_at
        )
    except Exception:  # the database itself may be what failed; the original error wins
        log.exception("could not record the failure of rule run %s", run.id)


async def _notify(progress: Progress | None, percent: int, message: str) -> None:
    if progress is None:
        return
    result = progress(percent, message)
    if inspect.isawaitable(result):
        await result


def _who(user: User | None) -> str:
    if user is None:
        return "sistema"
    return f"{user.full_name} ({user.username})" if user.full_name else user.username


def _describe_plan(plan: _Plan) -> str:
    parts = [f.describe() for f in plan.filters]
    low, high = plan.rule.amount_min, plan.rule.amount_max
    if low is not None and high is not None:
        parts.append(f"valores de cobrança entre {plain_brl(low)} e {plain_brl(high)}")
    elif low is not None:
        parts.append(f"valores de cobrança a partir de {plain_brl(low)}")
    elif high is not None:
        parts.append(f"valores de cobrança até {plain_brl(high)}")
    return "Filtros: " + ("; ".join(parts) if parts else "nenhum (todos os devedores)")
