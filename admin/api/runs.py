"""Executar and Logs de Execução: preview a rule, run it in the background, watch the run."""

from __future__ import annotations

import logging
from datetime import date

from fastapi import APIRouter, BackgroundTasks, Request

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.security import require
from models import Campaign, RuleRun, User
from models.clock import today_in
from negotiation import rule_run
from negotiation.permissions import Permission

router = APIRouter(tags=["regras"])
run_rules = require(Permission.RUN_RULES)
log = logging.getLogger("quita.runs")


async def _out(run: RuleRun) -> s.RunOut:
    campaign = await Campaign.get_or_none(run_id=run.id)
    return s.RunOut.model_validate(run).model_copy(
        update={"campaign_id": campaign.id if campaign else None}
    )


async def _execute(run_id: int, today: date) -> None:
    # The run records its own failure (status failed, error, log); here it only must not
    # escape into the server as an unhandled task error.
    try:
        await rule_run.execute_run(run_id, today)
    except Exception:
        log.exception("rule run %s failed", run_id)


@router.post("/rules/{rule_id}/preview", response_model=s.PreviewOut, summary="Preview a rule")
async def preview(rule_id: int, request: Request, _: User = run_rules):
    today = today_in(request.app.state.settings.timezone)
    selection = await rule_run.preview(rule_id, today)
    return s.PreviewOut(**selection.__dict__)


@router.post(
    "/rules/{rule_id}/runs", response_model=s.RunOut, status_code=202, summary="Run a rule"
)
async def start(rule_id: int, request: Request, tasks: BackgroundTasks, user: User = run_rules):
    today = today_in(request.app.state.settings.timezone)
    await rule_run.preview(rule_id, today)  # a rule that cannot run says why now, with a 4xx
    run = await rule_run.start_run(rule_id, user.id)
    tasks.add_task(_execute, run.id, today)
    return await _out(run)


@router.get("/rules/{rule_id}/runs", response_model=list[s.RunOut], summary="Runs of a rule")
async def runs_of(rule_id: int, _: User = run_rules):
    return [await _out(r) for r in await RuleRun.filter(rule_id=rule_id).limit(50)]


@router.get("/runs/{run_id}", response_model=s.RunOut, summary="A run: progress and log")
async def get_run(run_id: int, _: User = run_rules):
    return await _out(await get_or_404(RuleRun, run_id, "execução"))
