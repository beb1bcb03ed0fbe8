"""One agreement with its installments and their payment instruments."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.security import require
from models import Agreement, User
from negotiation.installments import installments_of
from negotiation.payment_links import make_token
from negotiation.permissions import Permission

router = APIRouter(prefix="/agreements", tags=["acordos"])
view_customer = require(Permission.VIEW_CUSTOMER)


@router.get("/{agreement_id}", response_model=s.AgreementDetail, summary="One agreement")
async def get_agreement(agreement_id: int, request: Request, _: User = view_customer):
    agreement = await get_or_404(Agreement, agreement_id, "acordo")
    parts = await installments_of(agreement.id)
    installments = [
        s.InstallmentOut(
            receivable_id=p.bill.id,
            number=p.bill.installment_number,
            due_date=p.bill.due_date,
            amount=p.bill.amount,
            status=p.bill.status,
            boleto_line=p.instrument.line if p.instrument else None,
            boleto_barcode=p.instrument.barcode if p.instrument else None,
            pix_copy_paste=p.instrument.pix_payload if p.instrument else None,
        )
        for p in parts
    ]
    settings = request.app.state.settings
    payment_url = None
    if parts:
        last_due = max(p.bill.due_date for p in parts)
        token = make_token(agreement.id, last_due, settings.secret_key)
        payment_url = f"{settings.public_base_url.rstrip('/')}/p/{token}"
    return s.AgreementDetail(
        **s.AgreementOut.model_validate(agreement).model_dump(),
        installments=installments,
        payment_url=payment_url,
    )
