"""Relatório de resultados: every result recorded on a call-list entry in a period, as the
CSV file a supervisor downloads (templates/exports/results.csv.j2).

A result (models.EntryResult) is recorded by an attendant's or an agency's result form, by an
agreement made on the entry, or by the robot's call that ended the entry. The rows are read in
batches by (recorded_at, id), so a year of results is never in memory at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from tortoise.expressions import Q

from models import Call, ContactAttempt, EntryResult, User
from models.enums import Channel, ContactActor, Role
from negotiation.documents import format_document
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission, ensure
from negotiation.rendering import render

MAX_DAYS = 366
BATCH = 500
TEMPLATE = "exports/results.csv.j2"
ROBOT = "Robô"


@dataclass(frozen=True)
class Period:
    """Calendar days in the ISP's zone, both ends included."""

    start: date
    end: date

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The instants the period covers: from the start's midnight to the midnight after the
        end, in `tz` (São Paulo's 00:00 is 03:00 UTC). Given in UTC, as stored: SQLite
        compares the stored text, not the instant."""
        return (
            datetime.combine(self.start, time(), tz).astimezone(UTC),
            datetime.combine(self.end + timedelta(days=1), time(), tz).astimezone(UTC),
        )

    @property
    def filename(self) -> str:
        return f"resultados_{self.start.isoformat()}_{self.end.isoformat()}.csv"


def _day(text: str | None, name: str, what: str) -> date:
    if not text or not text.strip():
        raise InvalidInput(f"{name}: informe a data {what} (AAAA-MM-DD)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}: data {what} inválida: {text!r} (use AAAA-MM-DD)") from None


def period(start: str | None, end: str | None) -> Period:
    """The period of `from`/`to` (ISO dates), refused with the reason in pt-BR."""
    first = _day(start, "from", "inicial")
    last = _day(end, "to", "final")
    if first > last:
        raise InvalidInput("to: a data final é anterior à inicial")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"to: o período tem mais de {MAX_DAYS} dias")
    return Period(first, last)


@dataclass(frozen=True)
class ResultRow:
    at: datetime
    who: str
    customer: str
    document: str
    phone: str
    rule: str
    campaign: str
    result: str
    collection_status: str
    contact_type: str
    channel: Channel | None
    notes: str
    agreement_id: int | None
    agreement_total: object  # Decimal | None
    installments: int | None


def _who(result: EntryResult) -> str:
    if result.actor == ContactActor.ROBOT:
        return ROBOT
    user = result.user
    if user is None:  # deleted since
        return ""
    if user.role == Role.AGENCY and user.agency is not None:
        return user.agency.name
    return user.full_name or user.username


async def _last_by_entry(model, entry_ids: list[int], column: str) -> dict[int, object]:
    """The newest `column` of `model` (calls, contact attempts) per entry."""
    found: dict[int, object] = {}
    rows = (
        await model.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "created_at", "id")
        .values_list("entry_id", column)
    )
    for entry_id, value in rows:
        if value:
            found[entry_id] = value
    return found


async def _rows(results: list[EntryResult]) -> list[ResultRow]:
    ids = list({r.entry_id for r in results})
    phones = await _last_by_entry(Call, ids, "to_number")
    channels = await _last_by_entry(ContactAttempt, ids, "channel")
    rows = []
    for r in results:
        e, agreement = r.entry, r.agreement
        channel = agreement.channel if agreement else channels.get(e.id)
        if channel is None and r.actor == ContactActor.ROBOT:
            channel = Channel.VOICE
        rows.append(
            ResultRow(
                at=r.recorded_at,
                who=_who(r),
                customer=e.customer.name,
                document=format_document(e.customer.document or ""),
                phone=str(phones.get(e.id, "")),
                rule=e.rule.description,
                campaign=e.campaign.description,
                result=r.result_type.name if r.result_type else "",
                collection_status=r.collection_status.name if r.collection_status else "",
                contact_type=e.campaign.contact_type.name if e.campaign.contact_type else "",
                channel=Channel(channel) if channel else None,
                notes=r.notes or "",
                agreement_id=agreement.id if agreement else None,
                agreement_total=agreement.total if agreement else None,
                installments=agreement.installments_count if agreement else None,
            )
        )
    return rows


async def result_rows(
    user: User, chosen: Period, tz: tzinfo, *, batch: int = BATCH
) -> AsyncIterator[list[ResultRow]]:
    """The period's results in `tz`, oldest first, `batch` rows at a time."""
    ensure(user, Permission.VIEW_REPORTS)
    start, end = chosen.bounds(tz)
    after: tuple[datetime, int] | None = None
    while True:
        query = EntryResult.filter(recorded_at__gte=start, recorded_at__lt=end)
        if after is not None:
            # Keyset: the next batch starts after the last row, whatever was added meanwhile.
            at, last_id = after
            query = query.filter(Q(recorded_at__gt=at) | Q(recorded_at=at, id__gt=last_id))
        results = (
            await query.order_by("recorded_at", "id")
            .limit(batch)
            .select_related(
                "entry__customer",
                "entry__rule",
                "entry__campaign__contact_type",
                "result_type",
                "collection_status",
                "agreement",
                "user__agency",
            )
        )
        if not results:
            return
        yield await _rows(results)
        if len(results) < batch:
            return
        after = (results[-1].recorded_at, results[-1].id)


async def results_csv(
    user: User, chosen: Period, tz: tzinfo, *, batch: int = BATCH
) -> AsyncIterator[str]:
    """The CSV file in pieces: the byte-order mark and the header (so a spreadsheet reads it as
    UTF-8), then one piece per batch of rows."""
    ensure(user, Permission.VIEW_REPORTS)
    yield "\ufeff" + render(TEMPLATE, header=True, rows=[], tz=tz)
    async for rows in result_rows(user, chosen, tz, batch=batch):
        yield render(TEMPLATE, header=False, rows=rows, tz=tz)
