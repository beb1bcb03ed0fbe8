"""Migration 0006 on a database with data: every row, reference and index survives, and the
catalog foreign keys become RESTRICT (SQLite rebuilds the tables; PostgreSQL alters them)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.migrations.executor import MigrationTarget

from models import (
    Call,
    Campaign,
    CampaignEntry,
    CollectionRule,
    CollectionStatus,
    ContactAttempt,
    Customer,
    Receivable,
    ServiceTicket,
    clock,
)
from models.clock import today_in
from models.enums import CallDirection, Channel, ContactActor, ContactOutcome, MessageDirection
from quita.db import _Executor, close_db, migrate, open_db, tortoise_config
from tests.conftest import POSTGRES_SERVER, _with_database
from tests.factories import make_customer, make_receivable


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_url(request, tmp_path) -> AsyncIterator[str]:
    """An empty database of its own (not the session's migrated one)."""
    name = f"quita_mig_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path}/{name}.db"
        return
    server = POSTGRES_SERVER.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(POSTGRES_SERVER, name)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


class _UpTo0005(_Executor):
    """quita.db's executor, stopping after 0005. Tortoise's own executor builds the same
    schema (tests/quita/test_serve.py compares them) in twice the time."""

    def _migration_plan(self, targets, applied, graph):
        assert targets is None
        before = [MigrationTarget(app_label="models", name="0005_calls_and_sessions")]
        return super()._migration_plan(before, applied, graph)


async def _migrate_to_0005(url: str) -> None:
    config = tortoise_config(url)
    try:
        await Tortoise.init(config=config, init_connections=False)
        await _UpTo0005(get_connection("default"), config["apps"]).migrate()
    finally:
        await Tortoise.close_connections()


async def _customer_as_0005_had_it() -> int:
    """A customer row in the 0005 schema: the model has since grown columns (search_name,
    0016) that the ORM would write."""
    sqlite = "sqlite" in type(get_connection("default")).__module__
    marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, 11))
    [row] = await get_connection("default").execute_query_dict(
        'INSERT INTO "customer" ("external_id", "name", "document", "status", "no_calls",'
        ' "no_sms", "no_email", "no_telegram", "created_at", "updated_at")'
        f' VALUES ({marks}) RETURNING "id"',
        ["C-0005", "Cliente Antigo", "52998224725", "active", *[False] * 4, *[clock.now()] * 2],
    )
    return row["id"]


async def test_0006_keeps_every_row_reference_and_index(fresh_url):
    EXECUTOR_CACHE.clear()
    await _migrate_to_0005(fresh_url)
    await open_db(fresh_url)
    try:
        today = today_in("America/Sao_Paulo")
        status = await CollectionStatus.create(name="Negativado Serasa")
        rule = await CollectionRule.create(description="Atraso 30+")
        campaign = await Campaign.create(rule=rule, description="Atraso 30+")
        customer_id = await _customer_as_0005_had_it()
        bill = await Receivable.create(
            customer_id=customer_id,
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=40),
            amount="129.90",
            collection_status=status,
        )
        entry = await CampaignEntry.create(
            campaign=campaign,
            rule=rule,
            customer_id=customer_id,
            position=1,
            total_debt="129.90",
            receivables_count=1,
            oldest_due_date=today - timedelta(days=40),
            call_at=clock.now(),
            collection_status=status,
        )
        # Rows that point to the rebuilt tables: a DROP TABLE with foreign keys ON would have
        # nulled these.
        call = await Call.create(
            direction=CallDirection.OUTBOUND, customer_id=customer_id, entry=entry
        )
        attempt = await ContactAttempt.create(
            customer_id=customer_id,
            channel=Channel.VOICE,
            actor=ContactActor.ROBOT,
            direction=MessageDirection.OUT,
            outcome=ContactOutcome.ATTEMPTED,
            entry=entry,
        )
        ticket = await ServiceTicket.create(customer_id=customer_id, entry=entry, subject="x")
    finally:
        await close_db()

    EXECUTOR_CACHE.clear()
    await migrate(fresh_url)
    await open_db(fresh_url)
    try:
        assert (await Call.get(id=call.id)).entry_id == entry.id
        assert (await ContactAttempt.get(id=attempt.id)).entry_id == entry.id
        assert (await ServiceTicket.get(id=ticket.id)).entry_id == entry.id
        again = await CampaignEntry.get(id=entry.id)
        assert (again.collection_status_id, again.rule_id) == (status.id, rule.id)
        assert (await Receivable.get(id=bill.id)).collection_status_id == status.id
        # The partial unique index came back: one open entry per rule and customer.
        with pytest.raises(IntegrityError):
            await CampaignEntry.create(
                campaign=campaign,
                rule=rule,
                customer_id=customer_id,
                position=2,
                total_debt="129.90",
                receivables_count=1,
                oldest_due_date=today - timedelta(days=40),
            )
        # Ids go on after the copied rows.
        # The row written before 0016 got its search key from the backfill.
        assert (await Customer.get(id=customer_id)).search_name == "cliente antigo"
        other = await make_customer()
        later = await make_receivable(other, today - timedelta(days=5), "10.00")
        assert later.id > bill.id
        # And the catalog is now protected by the database.
        with pytest.raises(IntegrityError):
            await status.delete()
        with pytest.raises(IntegrityError):
            await rule.delete()
        assert await CampaignEntry.filter(id=entry.id).exists()
    finally:
        await close_db()
