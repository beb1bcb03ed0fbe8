"""One agreement with its installments and their payment instruments."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.security import require
from models import Agreement, PaymentInstrument, Receivable, User
from negotiation.payment_links import make_token
from negotiation.permissions import Permission

router = APIRouter(prefix="/agreements", tags=["acordos"])
view_customer = require(Permission.VIEW_CUSTOMER)


@router.get("/{agreement_id}", response_model=s.AgreementDetail, summary="One agreement")
async def get_agreement(agreement_id: int, request: Request, _: User = view_customer):
    agreement = await get_or_404(Agreement, agreement_id, "acordo")
    bills = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    instruments = {
        i.receivable_id: i
        for i in await PaymentInstrument.filter(receivable_id__in=[b.id for b in bills])
    }
    installments = []
    for bill in bills:
        inst = instruments.get(bill.id)
        live = inst is not None and inst.cancelled_at is None
        installments.append(
            s.InstallmentOut(
                receivable_id=bill.id,
                number=bill.installment_number,
                due_date=bill.due_date,
                amount=bill.amount,
                status=bill.status,
                boleto_line=inst.line if live else None,
                boleto_barcode=inst.barcode if live else None,
                pix_copy_paste=inst.pix_payload if live else None,
            )
        )
    settings = request.app.state.settings
    payment_url = None
    if bills:
        token = make_token(agreement.id, bills[-1].due_date, settings.secret_key)
        payment_url = f"{settings.public_base_url.rstrip('/')}/p/{token}"
    return s.AgreementDetail(
        **s.AgreementOut.model_validate(agreement).model_dump(),
        installments=installments,
        payment_url=payment_url,
    )
