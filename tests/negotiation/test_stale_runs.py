"""Rule runs a dead process left "running": failed by the next start, alive ones left alone."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from models import RuleRun, clock
from models.enums import RunStatus
from negotiation.rule_run import run_rule, start_run
from negotiation.stale_runs import INTERRUPTED, STALE_AFTER, fail_stale_runs
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule

TODAY = date(2026, 11, 27)


async def _rule_with_a_debtor() -> int:
    await make_receivable(await make_customer(), date(2026, 9, 10), "99.90")
    return (await make_rule()).id


async def test_a_run_whose_process_died_is_failed_and_the_rule_runs_again(each_db, caplog):
    rule_id = await _rule_with_a_debtor()
    dead = await start_run(rule_id, None)  # the process was killed before it finished
    clock.advance(STALE_AFTER + timedelta(minutes=1))

    with caplog.at_level(logging.WARNING, logger="quita.rule_run"):
        assert await fail_stale_runs() == [dead.id]
    assert f"rule runs {dead.id} were left running" in caplog.text
    await dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.error == INTERRUPTED
    assert dead.finished_at is not None and INTERRUPTED in dead.log

    again = await run_rule(rule_id, TODAY)
    assert again.status == RunStatus.FINISHED and again.customers_count == 1
    assert await fail_stale_runs() == []


async def test_runs_another_instance_is_doing_are_left_alone(each_db):
    rule_id = await _rule_with_a_debtor()
    long_one = await start_run(rule_id, None)
    clock.advance(timedelta(hours=1))
    # Still beating: another instance is working on it.
    await RuleRun.filter(id=long_one.id).update(heartbeat_at=clock.now() - timedelta(minutes=1))
    young = await start_run(rule_id, None)  # started a moment ago, before its first beat

    assert await fail_stale_runs() == []
    for run in (long_one, young):
        await run.refresh_from_db()
        assert run.status == RunStatus.RUNNING

    clock.advance(STALE_AFTER)
    assert sorted(await fail_stale_runs()) == [long_one.id, young.id]


async def test_a_running_run_records_its_heartbeat(each_db):
    seen = []

    async def progress(percent: int, message: str) -> None:
        if percent == 10:  # before the run's transaction: reading the database is safe here
            seen.append(await RuleRun.get(status=RunStatus.RUNNING))

    run = await run_rule(await _rule_with_a_debtor(), TODAY, progress=progress)
    assert run.status == RunStatus.FINISHED
    [running] = seen
    assert running.heartbeat_at is not None and running.heartbeat_at >= running.started_at
