"""Data in from the billing system on a person's behalf (the admin API's JSON imports): the
permission, the upsert of negotiation.importing, and the audit entry saying who imported what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from models import User
from negotiation import audit, importing
from negotiation.permissions import Permission, ensure


async def _audited(by: User, what: str, report: importing.ImportReport) -> importing.ImportReport:
    await audit.record(
        user=by,
        action="import",
        entity=what,
        after={
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
    )
    return report


async def import_customers(
    by: User, rows: Iterable[Mapping[str, Any]], *, first_line: int
) -> importing.ImportReport:
    ensure(by, Permission.IMPORT_DATA)
    report = await importing.import_customers(rows, first_line=first_line)
    return await _audited(by, "customer", report)


async def import_receivables(
    by: User, rows: Iterable[Mapping[str, Any]], *, first_line: int, timezone: str
) -> importing.ImportReport:
    ensure(by, Permission.IMPORT_DATA)
    report = await importing.import_receivables(rows, first_line=first_line, timezone=timezone)
    return await _audited(by, "receivable", report)
