"""Receipts: only for a paid receivable whose Status Serasa allows them (Permite Gerar Recibo)."""

from __future__ import annotations

from datetime import tzinfo

from models import Payment, Receivable
from models.enums import ReceivableStatus
from negotiation.documents import mask_document
from negotiation.errors import InvalidInput, NotFound
from negotiation.payments.receipt_pdf import render_receipt_pdf


async def receipt_pdf(
    receivable_id: int, *, isp_name: str, isp_cnpj: str, isp_address: str, tz: tzinfo
):
    bill = await Receivable.get_or_none(id=receivable_id).select_related(
        "customer", "collection_status"
    )
    if bill is None:
        raise NotFound(f"conta a receber {receivable_id} não existe")
    if bill.status != ReceivableStatus.PAID:
        raise InvalidInput(f"a conta {receivable_id} não está paga: não há recibo")
    if bill.collection_status is None or not bill.collection_status.allows_receipt:
        raise InvalidInput(
            f"o status de cobrança da conta {receivable_id} não permite gerar recibo"
        )
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
