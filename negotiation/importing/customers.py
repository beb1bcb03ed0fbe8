"""Customers in: upsert by `external_id`, with their phones (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Customer, CustomerPhone
from negotiation.importing import batches
from negotiation.importing.batches import (
    Progress,
    chunks,
    counted,
    ids_by_external_id,
    in_chunks,
    lock_customers,
)
from negotiation.importing.customer_rows import CustomerLine, parse_customer
from negotiation.importing.lines import run_import
from negotiation.importing.report import ImportReport
from negotiation.phones import is_mobile

_CUSTOMER_FIELDS = ("name", "document", "birth_date", "email", "city", "state", "plan", "status")
_CUSTOMER_UPDATE_FIELDS = (*_CUSTOMER_FIELDS, "search_name", "updated_at")


async def import_customers(
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    first_line: int = 2,
) -> ImportReport:
    """Upsert customers (and their phones) by `external_id`; see `negotiation.importing`.

    `progress(n)` is called with the number of lines dealt with so far (rejected, or written
    in the transaction), up to the number of rows. Rows that do not carry their own line
    number (`CsvRow.line`) are numbered from `first_line` (2: the line after a CSV header;
    a JSON caller may pass 1). Raises `Conflict` (nothing written) if the database refuses the
    writes.
    """
    return await run_import(
        rows,
        parse_customer,
        [
            (lambda c: c.external_id, "external_id"),
            (lambda c: c.values.get("document"), "CPF/CNPJ"),
        ],
        _write_customers,
        progress,
        first_line,
    )


async def _write_customers(
    conn: BaseDBAsyncClient,
    lines: list[CustomerLine],
    report: ImportReport,
    tracker: Progress,
) -> None:
    known = await ids_by_external_id(conn, Customer, [c.external_id for c in lines])
    stored = {c.external_id: c for c in await lock_customers(conn, known.values())}
    owners: dict[str, str] = dict(
        await in_chunks(
            conn,
            [c.values["document"] for c in lines],
            lambda chunk: (
                Customer.filter(document__in=chunk)
                .using_db(conn)
                .values_list("document", "external_id")
            ),
        )
    )

    good: list[CustomerLine] = []
    for item in lines:
        owner = owners.get(item.values["document"], item.external_id)
        if owner != item.external_id:
            kind = "CPF" if len(item.values["document"]) == 11 else "CNPJ"
            report._reject(
                item.line,
                item.external_id,
                [f"{kind} {item.document_text} já é de outro cliente (external_id {owner})"],
            )
            tracker.advance(1)
        else:
            good.append(item)

    for batch in chunks(good, batches.BATCH_SIZE):
        await Customer.bulk_create(
            [_customer_row(item, stored.get(item.external_id)) for item in batch],
            on_conflict=["external_id"],
            update_fields=_CUSTOMER_UPDATE_FIELDS,
            using_db=conn,
        )
        await _sync_phones(conn, [item for item in batch if item.phones is not None], known)
        tracker.advance(len(batch))

    report.created = sum(1 for item in good if item.external_id not in stored)
    report.updated = len(good) - report.created


def _customer_row(item: CustomerLine, stored: Customer | None) -> Customer:
    values: dict[str, Any] = {
        "birth_date": None,
        "email": None,
        "city": None,
        "state": None,
        "plan": None,
        "status": "active",
    }
    if stored is not None:
        values.update({name: getattr(stored, name) for name in _CUSTOMER_FIELDS})
    values.update(item.values)
    return Customer(external_id=item.external_id, **values)


async def _sync_phones(
    conn: BaseDBAsyncClient, lines: list[CustomerLine], known: dict[str, int]
) -> None:
    """Make each customer's phones exactly the line's list (kept rows keep their id)."""
    if not lines:
        return
    missing = [item.external_id for item in lines if item.external_id not in known]
    known.update(await ids_by_external_id(conn, Customer, missing))
    wanted = {known[item.external_id]: item.phones or [] for item in lines}
    current: dict[int, dict[str, int]] = {cid: {} for cid in wanted}
    for phone_id, customer_id, number in await in_chunks(
        conn,
        list(wanted),
        lambda chunk: (
            CustomerPhone.filter(customer_id__in=chunk)
            .using_db(conn)
            .values_list("id", "customer_id", "number")
        ),
    ):
        current[customer_id][number] = phone_id
    stale = [
        phone_id
        for cid, numbers in current.items()
        for number, phone_id in numbers.items()
        if number not in wanted[cid]
    ]
    await in_chunks(
        conn, stale, lambda chunk: counted(CustomerPhone.filter(id__in=chunk).using_db(conn))
    )
    await CustomerPhone.bulk_create(
        [
            CustomerPhone(
                customer_id=cid, number=number, label="mobile" if is_mobile(number) else "landline"
            )
            for cid, numbers in wanted.items()
            for number in numbers
            if number not in current[cid]
        ],
        using_db=conn,
    )
