"""The Painel's figures (the console's home page) for API clients."""

from __future__ import annotations

from fastapi import APIRouter

from admin import schemas as s
from admin.deps import CurrentUser, SettingsDep, TodayDep
from negotiation.dashboard import dashboard, scope_of

router = APIRouter(tags=["painel"])


@router.get("/dashboard", response_model=s.DashboardOut, summary="Recovered, agreements, calls")
async def get_dashboard(settings: SettingsDep, today: TodayDep, user: CurrentUser):
    """An agency user gets the figures of its own agency's entries only."""
    figures = await dashboard(today, settings.tz, agency_id=scope_of(user))
    return s.DashboardOut.model_validate(figures)
