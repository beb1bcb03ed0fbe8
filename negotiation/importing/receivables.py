"""Receivables in: upsert by `external_id`, never touching a negotiated bill (see the package)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from models import AgreementReceivable, Customer, Receivable
from models.enums import AgreementStatus, ReceivableStatus
from negotiation.importing import batches
from negotiation.importing.batches import (
    Progress,
    chunks,
    ids_by_external_id,
    in_chunks,
    lock_customers,
)
from negotiation.importing.lines import run_import
from negotiation.importing.receivable_rows import (
    RECEIVABLE_COLUMNS,
    ReceivableLine,
    parse_receivable,
)
from negotiation.importing.report import ImportReport
from negotiation.importing.values import ABSENT

# Agreements whose originals an import must not touch (a broken or cancelled agreement gives
# the debt back to collection, and the billing system may then update those bills again).
_HOLDING_AGREEMENTS = (AgreementStatus.ACTIVE, AgreementStatus.FULFILLED)
# The columns after the two ids, by the customer's id instead of its external id.
_RECEIVABLE_UPDATE_FIELDS = ("customer_id", *RECEIVABLE_COLUMNS[2:], "updated_at")


async def import_receivables(
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    first_line: int = 2,
    timezone: str,
) -> ImportReport:
    """Upsert receivables by `external_id`; see `negotiation.importing` and `import_customers`.

    `timezone` (the ISP's) places a `paid_at` given without an
    offset. A receivable that is negotiated, is an agreement installment or an original of an
    active or fulfilled agreement is never changed: its line is rejected with the reason.
    """
    tz = ZoneInfo(timezone)
    return await run_import(
        rows,
        lambda cells, line: parse_receivable(cells, line, tz),
        [(lambda r: r.external_id, "external_id")],
        _write_receivables,
        progress,
        first_line,
    )


_STORED_RECEIVABLE = (
    "id",
    "external_id",
    "customer_id",
    "status",
    "agreement_id",
    "issue_date",
    "billing_method",
    "paid_at",
)


async def _stored_receivables(
    conn: BaseDBAsyncClient, external_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    rows = await in_chunks(
        conn,
        external_ids,
        lambda chunk: (
            Receivable.filter(external_id__in=chunk).using_db(conn).values(*_STORED_RECEIVABLE)
        ),
    )
    return {row["external_id"]: row for row in rows}


async def _held_by_agreements(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, int]:
    rows = await in_chunks(
        conn,
        ids,
        lambda chunk: (
            AgreementReceivable.filter(
                receivable_id__in=chunk, agreement__status__in=_HOLDING_AGREEMENTS
            )
            .using_db(conn)
            .values_list("receivable_id", "agreement_id")
        ),
    )
    return dict(rows)


def _protected_reason(stored: dict[str, Any], held: dict[int, int]) -> str | None:
    agreement = stored["agreement_id"] or held.get(stored["id"])
    if stored["status"] == ReceivableStatus.NEGOTIATED or agreement:
        which = f" (acordo {agreement})" if agreement else ""
        return (
            f"a conta {stored['external_id']} está negociada{which}: "
            "a importação não altera contas de acordos"
        )
    return None


async def _write_receivables(
    conn: BaseDBAsyncClient,
    lines: list[ReceivableLine],
    report: ImportReport,
    tracker: Progress,
) -> None:
    customers = await ids_by_external_id(
        conn, Customer, sorted({r.customer_external_id for r in lines})
    )
    external_ids = [r.external_id for r in lines]
    stored = await _stored_receivables(conn, external_ids)
    if conn.capabilities.support_for_update:
        owners = {row["customer_id"] for row in stored.values()}
        await lock_customers(conn, owners | set(customers.values()))
        stored = await _stored_receivables(conn, external_ids)  # as of the lock
    held = await _held_by_agreements(conn, [row["id"] for row in stored.values()])

    good: list[Receivable] = []
    for item in lines:
        problems: list[str] = []
        customer_id = customers.get(item.customer_external_id)
        if customer_id is None:
            problems.append(
                f"cliente {item.customer_external_id} não existe (importe os clientes antes)"
            )
        before = stored.get(item.external_id)
        if before is not None and (reason := _protected_reason(before, held)):
            problems.append(reason)
        values = _receivable_values(item, before)
        if values["issue_date"] > item.due_date:
            problems.append(
                f"due_date {item.due_date:%d/%m/%Y} é anterior à issue_date já gravada "
                f"{values['issue_date']:%d/%m/%Y}"
            )
        if problems:
            report._reject(item.line, item.external_id, problems)
            tracker.advance(1)
        else:
            good.append(Receivable(customer_id=customer_id, **values))
            if before is None:
                report.created += 1
            else:
                report.updated += 1

    for batch in chunks(good, batches.BATCH_SIZE):
        await Receivable.bulk_create(
            batch,
            on_conflict=["external_id"],
            update_fields=_RECEIVABLE_UPDATE_FIELDS,
            using_db=conn,
        )
        tracker.advance(len(batch))


def _receivable_values(item: ReceivableLine, before: dict[str, Any] | None) -> dict[str, Any]:
    """The row to write: the line's values, and the stored ones for its absent columns."""
    if item.issue_date is ABSENT:
        issue_date = before["issue_date"] if before else item.due_date
    else:
        issue_date = item.issue_date or item.due_date  # present but empty: the due date
    if item.status is ABSENT:
        status = before["status"] if before else ReceivableStatus.OPEN
        paid_at = before["paid_at"] if before else None
    else:
        status, paid_at = item.status, item.paid_at
    if item.billing_method is ABSENT:
        billing_method = before["billing_method"] if before else "boleto"
    else:
        billing_method = item.billing_method
    return {
        "external_id": item.external_id,
        "issue_date": issue_date,
        "due_date": item.due_date,
        "amount": item.amount,
        "billing_method": billing_method,
        "status": status,
        "paid_at": paid_at,
    }
