"""One agreement with its installments, payment instruments and sends; sending them.

Sending shows where the debtor receives mail and SMS: only roles that see the customer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from admin import schemas as s
from admin.deps import CanViewCustomer, SendersDep, SettingsDep
from admin.schemas.base import IdPath
from admin.views import agreement_detail, installment_receipt_of
from models import Delivery
from models.enums import DeliveryStatus
from negotiation.delivery import request_deliveries
from negotiation.delivery_retry import retry_failed

router = APIRouter(tags=["acordos"])


@router.get("/agreements/{agreement_id}", response_model=s.AgreementDetail, summary="One agreement")
async def get_agreement(agreement_id: IdPath, settings: SettingsDep, _: CanViewCustomer):
    return await agreement_detail(agreement_id, settings)


@router.get(
    "/agreements/{agreement_id}/installments/{number}/receipt.pdf",
    summary="Receipt of a paid installment (only when its Status Serasa allows receipts)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_installment_receipt(
    agreement_id: IdPath, number: IdPath, settings: SettingsDep, _: CanViewCustomer
):
    pdf = await installment_receipt_of(agreement_id, number, settings)
    return Response(pdf, media_type="application/pdf")


@router.post(
    "/agreements/{agreement_id}/deliveries",
    response_model=list[s.DeliveryOut],
    status_code=201,
    summary="Send the payment instruments by e-mail, SMS and/or Telegram",
)
async def post_deliveries(
    agreement_id: IdPath,
    data: s.DeliveryRequest,
    senders: SendersDep,
    settings: SettingsDep,
    user: CanViewCustomer,
):
    made = await request_deliveries(
        agreement_id, data.channels, senders=senders, settings=settings, user=user
    )
    return [s.DeliveryOut.model_validate(d) for d in made]


@router.get(
    "/deliveries",
    response_model=list[s.DeliveryOut],
    summary="Sends by status (failed ones are for the attendants to act on), newest first",
)
async def list_deliveries(
    _: CanViewCustomer,
    status: Annotated[DeliveryStatus, Query()] = DeliveryStatus.FAILED,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    rows = await Delivery.filter(status=status).order_by("-created_at", "-id").limit(limit)
    return [s.DeliveryOut.model_validate(d) for d in rows]


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=s.DeliveryOut,
    summary="Try a failed send again now",
)
async def retry_delivery(
    delivery_id: IdPath, senders: SendersDep, settings: SettingsDep, user: CanViewCustomer
):
    done = await retry_failed(user, delivery_id, senders=senders, settings=settings)
    return s.DeliveryOut.model_validate(done)
