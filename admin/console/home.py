"""The dashboard: what the collection team recovered and how."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin.console.render import page
from admin.deps import Page
from models.clock import today_in
from negotiation.dashboard import dashboard, scope_of

router = APIRouter(prefix="/console")
SignedInPage = Page()


@router.get("")
async def home(request: Request, signed: SignedInPage):
    settings = request.app.state.settings
    # An agency user sees the figures of its own agency's entries only.
    figures = await dashboard(
        today_in(settings.timezone), settings.tz, agency_id=scope_of(signed.user)
    )
    peak = max((d["amount"] for d in figures.daily), default=0) or 1
    return page(request, signed, "console/dashboard.html.j2", d=figures, peak=peak)
