"""The dashboard: what the collection team recovered and how."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin.console.render import page
from admin.console.session import Signed, allowed
from models.clock import today_in
from negotiation.dashboard import dashboard

router = APIRouter(prefix="/console")
signed_in = allowed()


@router.get("")
async def home(request: Request, signed: Signed = signed_in):
    settings = request.app.state.settings
    figures = await dashboard(today_in(settings.timezone), settings.tz)
    peak = max((d["amount"] for d in figures.daily), default=0) or 1
    return page(request, signed, "console/dashboard.html.j2", d=figures, peak=peak)
