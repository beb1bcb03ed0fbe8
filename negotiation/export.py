"""Export of call-list entries to a collection agency (Exportar Ligações ao Fornecedor).

Each exported entry is an attempt of the agency (actor and channel "agency"), recorded through
the contact gate so the debtor's budget counts it. The export itself is not refused by the
gate: the agency contacts the debtor later, outside Quita, and Quita cannot choose that
moment. (The rule run left opted-out debtors out of the list; an opt-out that came after
the list was made is not checked here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from tortoise.transactions import in_transaction

from models import Agency, CampaignEntry, CustomerPhone, User, clock
from models.enums import Channel, ContactActor, EntryState, MessageDirection
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
        await audit.record(
            user=user,
            action="export",
            entity="agency",
            entity_id=agency.id,
            after={"entries": sorted(entry_ids), "agency": agency.name, "at": now},
            using_db=conn,
        )
    stamp = local_time(now, tz, "file")
    return ExportFile(
        filename=f"ligacoes-{agency.id}-{stamp}.csv", content=content, entries=len(entries)
    )
