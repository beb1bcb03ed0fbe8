"""Data in from the billing system as JSON: the same upsert as `quita import`."""

from __future__ import annotations

from fastapi import APIRouter

from admin import schemas as s
from admin.deps import CanImportData, SettingsDep
from models import User
from negotiation import audit, importing

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


async def _audited(user: User, what: str, report: importing.ImportReport) -> s.ImportOut:
    await audit.record(
        user=user,
        action="import",
        entity=what,
        after={
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
    return _out(report)


@router.post("/customers", response_model=s.ImportOut, summary="Upsert customers by external id")
async def import_customers(data: s.ImportIn, user: CanImportData):
    # "line" in the answer is the row's position in `rows`, counting from 1.
    report = await importing.import_customers(data.rows, first_line=1)
    return await _audited(user, "customer", report)


@router.post(
    "/receivables", response_model=s.ImportOut, summary="Upsert receivables by external id"
)
async def import_receivables(data: s.ImportIn, settings: SettingsDep, user: CanImportData):
    report = await importing.import_receivables(data.rows, first_line=1, timezone=settings.timezone)
    return await _audited(user, "receivable", report)
