"""A run a dead process left "running" shows as failed, with why, in the console and the API."""

from __future__ import annotations

from datetime import timedelta

from models import CollectionRule, RuleRun, clock
from models.enums import Role
from negotiation.stale_runs import INTERRUPTED, STALE_AFTER, fail_stale_runs


async def test_an_interrupted_run_shows_as_failed(browser, sign_in, users, api, as_role):
    await sign_in(Role.SUPERVISOR)
    rule = await CollectionRule.create(description="Longa")
    run = await RuleRun.create(rule=rule, started_by=users[Role.SUPERVISOR], status="running")
    clock.advance(STALE_AFTER + timedelta(minutes=1))
    assert await fail_stale_runs() == [run.id]

    html = (await browser.get(f"/console/runs/{run.id}")).text
    assert "Falhou" in html and INTERRUPTED in html and 'http-equiv="refresh"' not in html
    status = (await browser.get(f"/console/runs/{run.id}/status.json")).json()
    assert status["status"] == "failed" and status["error"] == INTERRUPTED

    shown = await api.get(f"/api/v1/runs/{run.id}", headers=await as_role(Role.SUPERVISOR))
    assert shown.json()["status"] == "failed" and shown.json()["error"] == INTERRUPTED
