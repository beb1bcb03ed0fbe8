"""Export of call-list entries to a collection agency (Exportar Ligações ao Fornecedor).

Each exported entry is an attempt of the agency (actor and channel "agency"), recorded through
the contact gate so the debtor's budget counts it. The export itself is not refused by the
gate: the agency contacts the debtor later, outside Quita, and Quita cannot choose that
moment. (The rule run left opted-out debtors out of the list; an opt-out that came after
the list was made is not checked here.)

The agency works the debt from then on, so the ISP's own open entries of the exported
debtors (other campaigns: pending, rescheduled or in progress) are closed in the same
transaction, "cancelled" with a note naming the agency and the exported entry, and audited
with the export: the robot stops calling a debtor the agency now handles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from tortoise.transactions import in_transaction

from models import Agency, CampaignEntry, CustomerPhone, User, clock
from models.enums import OPEN_ENTRY_STATES, Channel, ContactActor, EntryState, MessageDirection
from negotiation import audit
from negotiation.contact_policy import record_contact
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission, ensure
from negotiation.rendering import local_time, render

EXPORTABLE = (EntryState.PENDING, EntryState.SCHEDULED)


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: str
    entries: int


async def export_to_agency(
    user: User,
    agency_id: int,
    entry_ids: list[int],
    *,
    isp_name: str,
    isp_cnpj: str,
    tz: tzinfo,
) -> ExportFile:
    """Render the agency's file, mark the entries exported to it, and audit who sent what.
    The file is named after the moment of the export in the ISP's zone `tz`."""
    ensure(user, Permission.EXPORT_TO_AGENCY)
    if not entry_ids:
        raise InvalidInput("entry_ids: escolha ao menos uma entrada")
    agency = await Agency.get_or_none(id=agency_id, active=True)
    if agency is None:
        raise InvalidInput(f"agency_id: escritório {agency_id} não existe ou está inativo")
    entries = (
        await CampaignEntry.filter(id__in=entry_ids)
        .select_related("customer")
        .order_by("campaign_id", "position")
    )
    found = {e.id for e in entries}
    if missing := sorted(set(entry_ids) - found):
        raise InvalidInput(f"entry_ids: entradas {missing} não existem")
    if closed := sorted(e.id for e in entries if e.state not in EXPORTABLE):
        raise InvalidInput(f"entry_ids: entradas {closed} já foram exportadas ou encerradas")
    phones: dict[int, list[str]] = {}
    for phone in await CustomerPhone.filter(customer_id__in=[e.customer_id for e in entries]):
        phones.setdefault(phone.customer_id, []).append(phone.number)
    for e in entries:
        e.phones = phones.get(e.customer_id, [])
    content = render(
        "exports/agency_entries.csv.j2", entries=entries, isp_name=isp_name, isp_cnpj=isp_cnpj
    )
    now = clock.now()
    async with in_transaction() as conn:
        flipped = (
            await CampaignEntry.filter(id__in=entry_ids, state__in=EXPORTABLE)
            .using_db(conn)
            .update(state=EntryState.EXPORTED, agency_id=agency.id, exported_at=now)
        )
        if flipped != len(entry_ids):
            raise InvalidInput("entry_ids: outra pessoa exportou ou encerrou entradas agora")
        for e in entries:
            await record_contact(
                e.customer_id,
                Channel.AGENCY,
                ContactActor.AGENCY,
                MessageDirection.OUT,
                entry_id=e.id,
                user_id=user.id,
                note=f"exportado para o escritório {agency.name}",
                at=now,
                using_db=conn,
            )
        closed = await _close_own_entries(entries, agency.name, conn)
        await audit.record(
            user=user,
            action="export",
            entity="agency",
            entity_id=agency.id,
            after={
                "entries": sorted(entry_ids),
                "agency": agency.name,
                "at": now,
                "closed_entries": closed,
            },
            using_db=conn,
        )
    stamp = local_time(now, tz, "file")
    return ExportFile(
        filename=f"ligacoes-{agency.id}-{stamp}.csv", content=content, entries=len(entries)
    )


# The ISP's own work on a debtor: every open state but the agency's.
OWN_OPEN_STATES = tuple(state for state in OPEN_ENTRY_STATES if state != EntryState.EXPORTED)


async def _close_own_entries(exported: list[CampaignEntry], agency_name: str, conn) -> list[int]:
    """Cancels the exported debtors' other open entries; returns their ids."""
    exported_of = {e.customer_id: e.id for e in exported}
    others = (
        await CampaignEntry.filter(customer_id__in=list(exported_of), state__in=OWN_OPEN_STATES)
        .exclude(id__in=[e.id for e in exported])
        .using_db(conn)
        .select_for_update()
        .order_by("id")
    )
    for entry in others:
        note = (
            f"Encerrada: cliente exportado ao escritório {agency_name}"
            f" (entrada {exported_of[entry.customer_id]})"
        )
        await (
            CampaignEntry.filter(id=entry.id)
            .using_db(conn)
            .update(
                state=EntryState.CANCELLED,
                leased_until=None,
                notes=f"{entry.notes}\n{note}" if entry.notes else note,
            )
        )
    return [entry.id for entry in others]
