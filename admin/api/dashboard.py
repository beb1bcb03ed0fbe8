"""The Painel's figures (the console's home page) for API clients."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin import schemas as s
from admin.security import CurrentUser
from models.clock import today_in
from negotiation.dashboard import dashboard, scope_of

router = APIRouter(tags=["painel"])


@router.get("/dashboard", response_model=s.DashboardOut, summary="Recovered, agreements, calls")
async def get_dashboard(request: Request, user: CurrentUser):
    """An agency user gets the figures of its own agency's entries only."""
    settings = request.app.state.settings
    figures = await dashboard(today_in(settings.timezone), settings.tz, agency_id=scope_of(user))
    return s.DashboardOut.model_validate(figures)
