"""`quita serve`'s start-up and `quita rules run` end the runs a killed process left running."""

from __future__ import annotations

import logging
from datetime import timedelta

from models import RuleRun, clock
from models.enums import RunStatus
from negotiation.rule_run import start_run
from negotiation.stale_runs import INTERRUPTED, STALE_AFTER
from quita.app import create_app
from quita.cli_rules import rules_app
from quita.db import database
from quita.settings import Settings
from tests.negotiation.rule_factories import make_rule
from tests.quita import test_cli_rules
from tests.quita.test_cli_rules import in_db, invoke, rule_with

sqlite_url = test_cli_rules.sqlite_url  # the fixture: a migrated SQLite file of the test's own


def _dead_run(url: str) -> tuple[int, int]:
    rule_id = rule_with(url)

    async def work() -> int:
        return (await start_run(rule_id, None)).id

    run_id = in_db(url, work)
    clock.advance(STALE_AFTER + timedelta(minutes=1))  # nothing moved it since: its process died
    return rule_id, run_id


def _run(url: str, run_id: int) -> RuleRun:
    async def work() -> RuleRun:
        return await RuleRun.get(id=run_id)

    return in_db(url, work)


def test_the_cli_fails_a_dead_run_before_running_the_rule(sqlite_url: str) -> None:
    rule_id, dead = _dead_run(sqlite_url)
    result = invoke(rules_app, "run", str(rule_id), "--today", "2026-03-10")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"execução {dead + 1} da regra {rule_id}: finished")
    run = _run(sqlite_url, dead)
    assert run.status == RunStatus.FAILED and run.error == INTERRUPTED


async def test_the_app_start_up_fails_a_dead_run(sqlite_url: str, caplog) -> None:
    async with database(sqlite_url):
        dead = await start_run((await make_rule()).id, None)
    clock.advance(STALE_AFTER + timedelta(minutes=1))

    app = create_app(Settings(database_url=sqlite_url, jobs=False, secret_key="k" * 40))
    with caplog.at_level(logging.WARNING, logger="quita.rule_run"):
        async with app.router.lifespan_context(app):
            pass
    assert f"rule runs {dead.id} were left running" in caplog.text
    async with database(sqlite_url):
        run = await RuleRun.get(id=dead.id)
    assert run.status == RunStatus.FAILED and run.error == INTERRUPTED
