"""An agreement's installments with their live payment instruments (for every view of them)."""

from __future__ import annotations

from dataclasses import dataclass

from models import PaymentInstrument, Receivable


@dataclass(frozen=True)
class Installment:
    bill: Receivable
    instrument: PaymentInstrument | None  # None when never issued or cancelled

    @property
    def payable(self) -> bool:
        return self.instrument is not None and self.bill.status == "open"


async def installments_of(agreement_id: int) -> list[Installment]:
    bills = await Receivable.filter(agreement_id=agreement_id).order_by("installment_number")
    live = {
        i.receivable_id: i
        for i in await PaymentInstrument.filter(
            receivable_id__in=[b.id for b in bills], cancelled_at__isnull=True
        )
    }
    return [Installment(b, live.get(b.id)) for b in bills]
