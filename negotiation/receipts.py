"""Receipts: only for a paid receivable whose Status Serasa allows them (Permite Gerar Recibo).

An agreement installment is a receivable too: its own status governs when it has one, else the
status the agreement's campaign entry was left with, else its original bills' (an installment
is born without a status, and the attendant sets it on the entry).
"""

from __future__ import annotations

from datetime import tzinfo

from models import AgreementReceivable, CampaignEntry, CollectionStatus, Payment, Receivable
from models.enums import ReceivableStatus
from negotiation.documents import mask_document
from negotiation.errors import InvalidInput, NotFound
from negotiation.payments.receipt_pdf import render_receipt_pdf


async def status_of(bill: Receivable) -> CollectionStatus | None:
    """The Status Serasa that decides whether `bill` may have a receipt."""
    if bill.collection_status_id is not None or bill.agreement_id is None:
        return await CollectionStatus.get_or_none(id=bill.collection_status_id)
    entry = (
        await CampaignEntry.filter(
            agreement_id=bill.agreement_id, collection_status_id__isnull=False
        )
        .order_by("-updated_at", "-id")
        .first()
    )
    if entry is not None:
        return await CollectionStatus.get(id=entry.collection_status_id)
    original = (
        await Receivable.filter(
            id__in=AgreementReceivable.filter(agreement_id=bill.agreement_id).values_list(
                "receivable_id", flat=True
            ),
            collection_status_id__isnull=False,
        )
        .order_by("-id")
        .first()
    )
    return (
        await CollectionStatus.get_or_none(id=original.collection_status_id) if original else None
    )


async def receipt_allowed(bill: Receivable) -> bool:
    if bill.status != ReceivableStatus.PAID:
        return False
    status = await status_of(bill)
    return bool(status and status.allows_receipt)


async def receipt_pdf(
    receivable_id: int, *, isp_name: str, isp_cnpj: str, isp_address: str, tz: tzinfo
):
    bill = await Receivable.get_or_none(id=receivable_id).select_related("customer")
    if bill is None:
        raise NotFound(f"conta a receber {receivable_id} não existe")
    return await _receipt(
        bill,
        f"a conta {receivable_id}",
        isp_name=isp_name,
        isp_cnpj=isp_cnpj,
        isp_address=isp_address,
        tz=tz,
    )


async def installment_receipt_pdf(
    agreement_id: int,
    number: int,
    *,
    isp_name: str,
    isp_cnpj: str,
    isp_address: str,
    tz: tzinfo,
):
    """The receipt of one paid installment of an agreement (same rule as any bill)."""
    bill = await Receivable.get_or_none(
        agreement_id=agreement_id, installment_number=number
    ).select_related("customer")
    if bill is None:
        raise NotFound(f"a parcela {number} do acordo {agreement_id} não existe")
    return await _receipt(
        bill,
        f"a parcela {number} do acordo {agreement_id}",
        isp_name=isp_name,
        isp_cnpj=isp_cnpj,
        isp_address=isp_address,
        tz=tz,
    )


async def _receipt(bill: Receivable, what: str, *, isp_name, isp_cnpj, isp_address, tz):
    if bill.status != ReceivableStatus.PAID:
        raise InvalidInput(f"{what} não está paga: não há recibo")
    status = await status_of(bill)
    if status is None or not status.allows_receipt:
        raise InvalidInput(f"o status de cobrança d{what} não permite gerar recibo")
    payment = await Payment.filter(receivable_id=bill.id).order_by("-paid_at").first()
    description = (
        f"parcela {bill.installment_number} do acordo {bill.agreement_id}"
        if bill.agreement_id
        else f"conta {bill.external_id or bill.id}"
    )
    return render_receipt_pdf(
        number=str(bill.id),
        amount=payment.amount if payment else bill.amount,
        paid_at=bill.paid_at,
        due_date=bill.due_date,
        payer_name=bill.customer.name,
        payer_document=mask_document(bill.customer.document),
        description=description,
        isp_name=isp_name,
        isp_cnpj=isp_cnpj,
        isp_address=isp_address,
        tz=tz,
    )
