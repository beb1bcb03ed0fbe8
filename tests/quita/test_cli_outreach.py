"""`quita outreach --once` through Typer's runner, on a migrated SQLite file in the sandbox: the
default templates come from the migration, the SMS lands in the outbox naming the creditor."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models import (
    Campaign,
    CampaignEntry,
    CollectionAction,
    CustomerPhone,
    MessageTemplate,
    RuleRun,
    SandboxMessage,
)
from models.enums import ActionKind, RunStatus
from quita.cli_outreach import outreach_app
from quita.settings import get_settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule
from tests.quita.test_cli_rules import in_db, invoke, one_error_line

TODAY = date(2026, 11, 27)  # the tests' clock: Friday, 12:00 in São Paulo


@pytest.fixture
def sandbox_db(sqlite_template: Path, tmp_path: Path, monkeypatch) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "quita.db")
    url = f"sqlite://{tmp_path / 'quita.db'}"
    monkeypatch.setenv("QUITA_DATABASE_URL", url)
    monkeypatch.setenv("QUITA_SANDBOX", "1")
    monkeypatch.setenv("QUITA_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("QUITA_ISP_PHONE", "(19) 3333-4444")
    get_settings.cache_clear()
    EXECUTOR_CACHE.clear()
    yield url
    get_settings.cache_clear()
    EXECUTOR_CACHE.clear()


def _debtor_with_sms_action(url: str) -> None:
    async def work() -> None:
        customer = await make_customer(state="SP", name="JOANA PEREIRA")
        await make_receivable(customer, TODAY - timedelta(days=40), "80.00")
        await CustomerPhone.create(customer=customer, number="+5519988880000")
        rule = await make_rule()
        template = await MessageTemplate.get(channel="sms")  # seeded by the migration
        await CollectionAction.create(
            rule=rule, kind=ActionKind.SMS, days_late=30, message_template=template
        )
        run = await RuleRun.create(rule=rule, status=RunStatus.FINISHED)
        campaign = await Campaign.create(rule=rule, run=run, description="Campanha")
        await CampaignEntry.create(
            campaign=campaign,
            rule=rule,
            customer=customer,
            position=1,
            total_debt=Decimal("80.00"),
            receivables_count=1,
            oldest_due_date=TODAY - timedelta(days=40),
        )

    in_db(url, work)


def test_once_sends_what_is_due_and_prints_one_line(sandbox_db: str) -> None:
    _debtor_with_sms_action(sandbox_db)
    result = invoke(outreach_app, "--once")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "outreach: 1 sent, 0 postponed, 0 refused, 0 skipped, 0 failed\n"

    async def outbox():
        return await SandboxMessage.all().values_list("recipient", "text")

    [(recipient, text)] = in_db(sandbox_db, outbox)
    assert recipient == "+5519988880000"
    assert "Provedor Exemplo Ltda CNPJ 11.222.333/0001-81: Joana" in text
    assert "R$ 80,00" in text and "(19) 3333-4444" in text

    again = invoke(outreach_app, "--once")
    assert again.stdout == "outreach: 0 sent, 0 postponed, 0 refused, 0 skipped, 0 failed\n"


def test_without_any_channel_it_exits_2(sandbox_db: str, monkeypatch) -> None:
    monkeypatch.setenv("QUITA_SANDBOX", "0")
    for name in ("SMTP_URL", "TWILIO_ACCOUNT_SID", "TELEGRAM_TOKEN"):
        monkeypatch.delenv(f"QUITA_{name}", raising=False)
    get_settings.cache_clear()
    one_error_line(invoke(outreach_app, "--once"), "no channel to send with")
