"""Payments recorded, an agreement's installments and the sends of its instruments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from admin.schemas.base import MAX_MONEY, Body, Id, Out
from admin.schemas.campaigns import AgreementOut
from models.enums import (
    DeliveryChannel,
)


class PaymentIn(Body):
    receivable_id: Id
    amount: Annotated[Decimal, Field(gt=0, le=MAX_MONEY, max_digits=12, decimal_places=2)]
    paid_at: datetime
    external_id: Annotated[str | None, Field(min_length=1, max_length=64)] = None

    @field_validator("paid_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("informe o fuso, por exemplo 2026-12-01T14:00:00-03:00")
        return value


class PaymentRecorded(BaseModel):
    id: int
    receivable_id: int
    amount: Decimal
    paid_at: datetime
    source: str
    external_id: str | None
    replayed: bool
    agreement_fulfilled: bool


class InstallmentOut(BaseModel):
    receivable_id: int
    number: int
    due_date: date
    amount: Decimal
    status: str
    boleto_line: str | None
    boleto_barcode: str | None
    pix_copy_paste: str | None
    # Paid, and its Status Serasa allows a receipt (GET .../installments/{number}/receipt.pdf).
    receipt_allowed: bool = False


class DeliveryOut(Out):
    id: int
    agreement_id: int
    channel: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class DeliveryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: list[DeliveryChannel] = Field(
        min_length=1, max_length=3, description="email, sms and/or telegram"
    )


class AgreementDetail(AgreementOut):
    installments: list[InstallmentOut]
    payment_url: str | None
    deliveries: list[DeliveryOut]
