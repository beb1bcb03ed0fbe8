"""Payments typed in by the collection team (the same settlement as the Pix webhook)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from admin import schemas as s
from admin.deps import CanRecordPayments
from models.enums import PaymentSource
from negotiation.reconcile import record_payment

router = APIRouter(prefix="/payments", tags=["pagamentos"])


@router.post(
    "",
    response_model=s.PaymentRecorded,
    status_code=201,
    summary="Record a payment; a repeated external_id is recognised and changes nothing",
)
async def post_payment(data: s.PaymentIn, response: Response, user: CanRecordPayments):
    settled = await record_payment(
        data.receivable_id,
        data.amount,
        data.paid_at,
        PaymentSource.API,
        external_id=data.external_id,
        user=user,
    )
    if settled.replayed:
        response.status_code = 200
    p = settled.payment
    return s.PaymentRecorded(
        id=p.id,
        receivable_id=p.receivable_id,
        amount=p.amount,
        paid_at=p.paid_at,
        source=p.source,
        external_id=p.external_id,
        replayed=settled.replayed,
        agreement_fulfilled=settled.agreement_fulfilled,
    )
