"""`quita rules run RULE_ID` through Typer's runner, on a migrated SQLite file."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from typer.testing import CliRunner

from models import CampaignEntry, RuleRun
from models.clock import today_in
from models.enums import RunStatus
from quita.cli_rules import rules_app
from quita.db import database
from quita.settings import get_settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path, monkeypatch) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "quita.db")
    url = f"sqlite://{tmp_path / 'quita.db'}"
    monkeypatch.setenv("QUITA_DATABASE_URL", url)
    monkeypatch.setenv("QUITA_TIMEZONE", "America/Sao_Paulo")
    get_settings.cache_clear()
    # Tortoise caches INSERT SQL per connection name; other tests may have used PostgreSQL.
    EXECUTOR_CACHE.clear()
    yield url
    get_settings.cache_clear()
    EXECUTOR_CACHE.clear()


def in_db(url: str, work) -> Any:
    async def go():
        async with database(url):
            return await work()

    return asyncio.run(go())


def rule_with(url: str, *filters) -> int:
    async def work() -> int:
        customer = await make_customer(state="SP")
        await make_receivable(customer, date(2026, 2, 1), "100.00")
        await make_receivable(customer, date(2026, 3, 9), "23.45")
        other = await make_customer(state="RJ")
        await make_receivable(other, date(2026, 2, 1), "50.00")
        return (await make_rule(*filters)).id

    return in_db(url, work)


def invoke(app, *args: str):
    return CliRunner().invoke(app, list(args))


def one_error_line(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_run_prints_the_log_and_writes_the_campaign(sqlite_url: str) -> None:
    rule_id = rule_with(sqlite_url, ("state", "in", ["SP"]))
    result = invoke(rules_app, "run", str(rule_id), "--today", "2026-03-10")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"execução 1 da regra {rule_id}: finished"
    assert any("Início da execução" in line for line in out)
    assert "  1 cliente selecionado (2 contas a receber, R$ 123,45)" in out
    assert out[-1].startswith("  Fim: 1 entrada, R$ 123,45 (")
    assert "error" not in result.stderr

    async def stored():
        entries = await CampaignEntry.all().values_list("total_debt", "receivables_count")
        return entries, await RuleRun.get(id=1)

    entries, run = in_db(sqlite_url, stored)
    assert [(str(total), n) for total, n in entries] == [("123.45", 2)]
    assert run.status == RunStatus.FINISHED


def test_today_defaults_to_the_isp_calendar(sqlite_url: str) -> None:
    rule_id = rule_with(sqlite_url)
    result = invoke(rules_app, "run", str(rule_id))
    assert result.exit_code == 0, result.stderr
    today = today_in("America/Sao_Paulo")
    assert f"data de referência {today:%d/%m/%Y}" in result.stdout


def test_unknown_rule_exits_2_with_one_line(sqlite_url: str) -> None:
    in_db(sqlite_url, lambda: asyncio.sleep(0))  # migrated, empty
    result = invoke(rules_app, "run", "999", "--today", "2026-03-10")
    assert one_error_line(result) == "error: regra de cobrança 999 não existe"


def test_bad_filter_exits_2_and_the_run_is_failed(sqlite_url: str) -> None:
    rule_id = rule_with(sqlite_url, ("days_late", "between", [30]))
    result = invoke(rules_app, "run", str(rule_id), "--today", "2026-03-10")
    one_error_line(result, "filtro 1 (dias de atraso entre)", "dois valores")

    async def stored():
        return await RuleRun.get(rule_id=rule_id), await CampaignEntry.all().count()

    run, entries = in_db(sqlite_url, stored)
    assert run.status == RunStatus.FAILED and "dois valores" in run.error
    assert entries == 0


@pytest.mark.parametrize("value", ["10/03/2026", "2026-02-30", "today"])
def test_bad_today_exits_2(sqlite_url: str, value: str) -> None:
    result = invoke(rules_app, "run", "1", "--today", value)
    one_error_line(result, "--today", "YYYY-MM-DD")


def test_bad_database_url_exits_2(sqlite_url: str, monkeypatch) -> None:
    monkeypatch.setenv("QUITA_DATABASE_URL", "mysql://nobody@nowhere/db")
    get_settings.cache_clear()
    result = invoke(rules_app, "run", "1")
    one_error_line(result, "QUITA_DATABASE_URL")
