"""Relatórios: the period form and the results file it downloads (the same CSV as the API's
/reports/results.csv, from the same service)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from admin.console.render import page
from admin.deps import Page
from models.clock import today_in
from negotiation import results_report
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
ViewReports = Page(Permission.VIEW_REPORTS)

DEFAULT_DAYS = 7


def _form(request: Request, signed, chosen: dict[str, str], error: str = "", status: int = 200):
    return page(
        request,
        signed,
        "console/reports.html.j2",
        status_code=status,
        chosen=chosen,
        error=error,
        max_days=results_report.MAX_DAYS,
    )


@router.get("/reports")
async def reports_page(request: Request, signed: ViewReports):
    today: date = today_in(request.app.state.settings.timezone)
    start = today - timedelta(days=DEFAULT_DAYS - 1)
    return _form(request, signed, {"from": start.isoformat(), "to": today.isoformat()})


@router.get("/reports/results.csv")
async def results_file(request: Request, signed: ViewReports):
    chosen = {k: request.query_params.get(k, "").strip() for k in ("from", "to")}
    try:
        period = results_report.period(chosen["from"], chosen["to"])
    except InvalidInput as error:
        # The reason without its field prefix: the form shows it next to the dates.
        return _form(request, signed, chosen, str(error).split(": ", 1)[-1], 422)
    tz = request.app.state.settings.tz
    return StreamingResponse(
        results_report.results_csv(signed.user, period, tz),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{period.filename}"'},
    )
