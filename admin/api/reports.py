"""Relatórios: files a supervisor downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from admin.deps import CanViewReports, SettingsDep
from negotiation import results_report

router = APIRouter(tags=["relatorios"])

DAY = "A day in the ISP's zone, YYYY-MM-DD"


@router.get(
    "/reports/results.csv",
    summary="Results recorded in a period (CSV file)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_results_csv(
    settings: SettingsDep,
    user: CanViewReports,
    from_: Annotated[str | None, Query(alias="from", description=DAY)] = None,
    to: Annotated[str | None, Query(description=DAY)] = None,
):
    """One row per result recorded from `from` to `to` (both days included, at most
    366 days), `;`-separated UTF-8 with a byte-order mark; columns in the README."""
    chosen = results_report.period(from_, to)
    return StreamingResponse(
        results_report.results_csv(user, chosen, settings.tz),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chosen.filename}"'},
    )
