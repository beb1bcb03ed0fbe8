"""Relatório de resultados: every result recorded on a call-list entry in a period, as the
CSV file a supervisor downloads (templates/exports/results.csv.j2).

A result is the entry's result type with the moment and the user that recorded it
(CampaignEntry.result_at, result_by): an attendant's or an agency's result form, an agreement
made on the entry, or the robot's call that ended it (no user). The rows are read in batches
by (result_at, id), so a year of results is never in memory at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from tortoise.expressions import Q

from models import Call, CampaignEntry, ContactAttempt, User
from models.enums import Channel, Role
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


def _who(user: User | None) -> str:
    if user is None:
        return ROBOT
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


async def _rows(entries: list[CampaignEntry]) -> list[ResultRow]:
    ids = [e.id for e in entries]
    phones = await _last_by_entry(Call, ids, "to_number")
    channels = await _last_by_entry(ContactAttempt, ids, "channel")
    rows = []
    for e in entries:
        agreement = e.agreement
        channel = agreement.channel if agreement else channels.get(e.id)
        if channel is None and e.result_by is None:
            channel = Channel.VOICE
        rows.append(
            ResultRow(
                at=e.result_at,
                who=_who(e.result_by),
                customer=e.customer.name,
                document=format_document(e.customer.document or ""),
                phone=str(phones.get(e.id, "")),
                rule=e.rule.description,
                campaign=e.campaign.description,
                result=e.result_type.name if e.result_type else "",
                collection_status=e.collection_status.name if e.collection_status else "",
                contact_type=e.campaign.contact_type.name if e.campaign.contact_type else "",
                channel=Channel(channel) if channel else None,
                notes=e.notes or "",
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
        query = CampaignEntry.filter(result_at__gte=start, result_at__lt=end)
        if after is not None:
            # Keyset: the next page starts after the last row, whatever was added meanwhile.
            at, last_id = after
            query = query.filter(Q(result_at__gt=at) | Q(result_at=at, id__gt=last_id))
        entries = (
            await query.order_by("result_at", "id")
            .limit(batch)
            .select_related(
                "customer",
                "rule",
                "campaign__contact_type",
                "result_type",
                "collection_status",
                "agreement",
                "result_by__agency",
            )
        )
        if not entries:
            return
        yield await _rows(entries)
        if len(entries) < batch:
            return
        after = (entries[-1].result_at, entries[-1].id)


async def results_csv(
    user: User, chosen: Period, tz: tzinfo, *, batch: int = BATCH
) -> AsyncIterator[str]:
    """The CSV file in pieces: the byte-order mark and the header (so a spreadsheet reads it as
    UTF-8), then one piece per batch of rows."""
    ensure(user, Permission.VIEW_REPORTS)
    yield "\ufeff" + render(TEMPLATE, header=True, rows=[], tz=tz)
    async for rows in result_rows(user, chosen, tz, batch=batch):
        yield render(TEMPLATE, header=False, rows=rows, tz=tz)
