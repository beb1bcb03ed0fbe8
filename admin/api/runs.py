"""Executar and Logs de Execução: preview a rule, run it in the background, watch the run."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from admin import schemas as s
from admin.deps import CanRunRules, SettingsDep, TodayDep
from admin.schemas.base import IdPath
from admin.views import run_out
from models import RuleRun
from negotiation import catalog
from negotiation import rules as service

router = APIRouter(tags=["regras"])


@router.post("/rules/{rule_id}/preview", response_model=s.PreviewOut, summary="Preview a rule")
async def preview(rule_id: IdPath, today: TodayDep, user: CanRunRules):
    selection = await service.preview(user, rule_id, today)
    return s.PreviewOut(**selection.__dict__)


@router.post(
    "/rules/{rule_id}/runs", response_model=s.RunOut, status_code=202, summary="Run a rule"
)
async def start(
    rule_id: IdPath,
    today: TodayDep,
    tasks: BackgroundTasks,
    user: CanRunRules,
    settings: SettingsDep,
):
    run = await service.start_run(user, rule_id, today)
    tasks.add_task(service.execute, run.id, today, settings.tz)
    return await run_out(run)


@router.get("/rules/{rule_id}/runs", response_model=list[s.RunOut], summary="Runs of a rule")
async def runs_of(rule_id: IdPath, _: CanRunRules):
    return [await run_out(r) for r in await RuleRun.filter(rule_id=rule_id).limit(50)]


@router.get("/runs/{run_id}", response_model=s.RunOut, summary="A run: progress and log")
async def get_run(run_id: IdPath, _: CanRunRules):
    return await run_out(await catalog.existing(RuleRun, run_id, "execução"))
