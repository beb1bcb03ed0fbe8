"""The customer statement (Extrato Financeiro): bills, agreements, and the agency if any."""

from __future__ import annotations

from dataclasses import dataclass

from models import Agreement, CampaignEntry, Customer, Receivable
from models.enums import EntryState
from negotiation.errors import NotFound


@dataclass(frozen=True)
class Statement:
    customer: Customer
    receivables: list[Receivable]
    agreements: list[Agreement]
    # Entries exported to an agency and still with it: the seed's "cliente está na Campanha
    # de Ligação do Escritório de Cobrança".
    with_agency: list[CampaignEntry]


async def statement_for(customer_id: int) -> Statement:
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise NotFound(f"cliente {customer_id} não existe")
    receivables = (
        await Receivable.filter(customer_id=customer_id)
        .select_related("collection_status")
        .order_by("due_date", "id")
    )
    agreements = await Agreement.filter(customer_id=customer_id).prefetch_related("installments")
    with_agency = await CampaignEntry.filter(
        customer_id=customer_id, state=EntryState.EXPORTED
    ).select_related("agency", "campaign")
    return Statement(customer, list(receivables), list(agreements), list(with_agency))
