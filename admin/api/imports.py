"""Data in from the billing system as JSON: the same upsert as `quita import`, through
negotiation.data_in (permission and audit)."""

from __future__ import annotations

from fastapi import APIRouter

from admin import schemas as s
from admin.deps import CanImportData, SettingsDep
from negotiation import data_in, importing

router = APIRouter(prefix="/imports", tags=["dados"])


def _out(report: importing.ImportReport) -> s.ImportOut:
    return s.ImportOut(
        created=report.created,
        updated=report.updated,
        rejected=[
            s.RejectionOut(line=r.line, external_id=r.external_id, reasons=list(r.reasons))
            for r in report.rejected
        ],
    )


@router.post("/customers", response_model=s.ImportOut, summary="Upsert customers by external id")
async def import_customers(data: s.ImportIn, user: CanImportData):
    # "line" in the answer is the row's position in `rows`, counting from 1.
    return _out(await data_in.import_customers(user, data.rows, first_line=1))


@router.post(
    "/receivables", response_model=s.ImportOut, summary="Upsert receivables by external id"
)
async def import_receivables(data: s.ImportIn, settings: SettingsDep, user: CanImportData):
    report = await data_in.import_receivables(
        user, data.rows, first_line=1, timezone=settings.timezone
    )
    return _out(report)
