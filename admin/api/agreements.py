"""One agreement with its installments, payment instruments and sends; sending them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.security import require
from models import Agreement, Delivery, User, clock
from models.enums import DeliveryStatus
from negotiation.delivery import attempt, deliveries_of, request_deliveries
from negotiation.errors import Conflict
from negotiation.installments import installments_of
from negotiation.payment_links import payment_url
from negotiation.permissions import Permission

router = APIRouter(tags=["acordos"])
# Sending shows where the debtor receives mail and SMS: only roles that see the customer.
view_customer = require(Permission.VIEW_CUSTOMER)


@router.get("/agreements/{agreement_id}", response_model=s.AgreementDetail, summary="One agreement")
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
    url = None
    if parts:
        last_due = max(p.bill.due_date for p in parts)
        url = payment_url(settings.public_base_url, agreement.id, last_due, settings.secret_key)
    return s.AgreementDetail(
        **s.AgreementOut.model_validate(agreement).model_dump(),
        installments=installments,
        payment_url=url,
        deliveries=[s.DeliveryOut.model_validate(d) for d in await deliveries_of(agreement.id)],
    )


@router.post(
    "/agreements/{agreement_id}/deliveries",
    response_model=list[s.DeliveryOut],
    status_code=201,
    summary="Send the payment instruments by e-mail, SMS and/or Telegram",
)
async def post_deliveries(
    agreement_id: int, data: s.DeliveryRequest, request: Request, user: User = view_customer
):
    made = await request_deliveries(
        agreement_id,
        data.channels,
        senders=request.app.state.senders,
        settings=request.app.state.settings,
        user=user,
    )
    return [s.DeliveryOut.model_validate(d) for d in made]


@router.get(
    "/deliveries",
    response_model=list[s.DeliveryOut],
    summary="Sends by status (failed ones are for the attendants to act on), newest first",
)
async def list_deliveries(
    status: Annotated[DeliveryStatus, Query()] = DeliveryStatus.FAILED,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    _: User = view_customer,
):
    rows = await Delivery.filter(status=status).order_by("-created_at", "-id").limit(limit)
    return [s.DeliveryOut.model_validate(d) for d in rows]


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=s.DeliveryOut,
    summary="Try a failed send again now",
)
async def retry_delivery(delivery_id: int, request: Request, user: User = view_customer):
    delivery = await get_or_404(Delivery, delivery_id, "envio")
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(f"o envio {delivery.id} não falhou ({delivery.status})")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    done = await attempt(
        delivery,
        senders=request.app.state.senders,
        settings=request.app.state.settings,
        now=clock.now(),
    )
    return s.DeliveryOut.model_validate(done)
