"""Campaigns and entries: the entry worked (its customer, bills, offers and calls), results,
negotiation, the export to an agency and the customer statement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from admin.schemas.base import MAX_MONEY, Body, Id, Out
from admin.schemas.contact_windows import RefusalOut


class CampaignOut(Out):
    id: int
    rule_id: int
    run_id: int | None
    description: str
    contact_type_id: int | None
    active: bool
    created_at: datetime


class CampaignIn(Body):
    """PATCH: only the fields sent change (validated by the service, in pt-BR)."""

    contact_type_id: Id | None = None
    active: bool | None = None


class CustomerSummary(BaseModel):
    id: int
    name: str
    city: str | None
    state: str | None
    plan: str | None


class CustomerRecord(CustomerSummary):
    external_id: str
    document: str
    birth_date: date | None
    email: str | None
    status: str
    phones: list[str]
    opted_out: bool


class EntryOut(BaseModel):
    id: int
    campaign_id: int
    rule_id: int
    position: int
    state: str
    total_debt: Decimal
    receivables_count: int
    oldest_due_date: date
    plans: str | None
    call_at: datetime | None
    reschedule_at: datetime | None
    attempts: int
    result_type_id: int | None
    collection_status_id: int | None
    notes: str | None
    agency_id: int | None
    exported_at: datetime | None
    agreement_id: int | None
    customer: CustomerSummary


class BillOut(BaseModel):
    id: int
    external_id: str | None
    due_date: date
    amount: Decimal
    status: str
    days_late: int
    billing_method: str
    collection_status: str | None
    receipt_allowed: bool
    agreement_id: int | None = None
    installment_number: int | None = None


class PaymentOut(BaseModel):
    number: int
    due_date: date
    amount: Decimal


class OfferOut(BaseModel):
    condition_id: int
    condition: str
    option_id: int
    installments: int
    total: Decimal
    interest: Decimal
    down_payment: Decimal | None
    schedule: list[PaymentOut]


class CallKey(BaseModel):
    """One answer of the voice dialog, as negotiation.ivr stores it on the call: the question's
    step, what was pressed or said (identification data masked, "" for silence), when."""

    step: str
    input: str
    at: datetime


class CallOut(Out):
    id: int
    sid: str | None
    direction: str
    status: str
    customer_id: int | None
    entry_id: int | None
    from_number: str
    to_number: str
    answered_by: str | None
    outcome: str | None
    keys: list[CallKey]
    agreement_id: int | None
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None
    # Set when the final status never came and the call was closed as failed (pt-BR reason).
    closed_without_status: str | None = None


class DebtOut(BaseModel):
    total: Decimal
    receivables_count: int


class ActionSendOut(Out):
    """One rule action's message to the entry's debtor: sent, postponed (and until when),
    refused or skipped, with the reason."""

    id: int
    action_id: int
    channel: str
    status: str
    reason: str | None
    retry_at: datetime | None
    recipient: str | None
    attempts: int
    updated_at: datetime


class PauseOut(Out):
    """Collection of the debtor's debt paused: "já paguei" being checked, or a dispute."""

    reason: str  # paid, dispute
    detail: str  # the pause in one pt-BR line
    starts_on: date
    ends_on: date  # the first day collection may resume
    channel: str
    ticket_id: int | None


class EntryDetail(EntryOut):
    record: CustomerRecord | None
    bills: list[BillOut]
    offers: list[OfferOut]
    calls: list[CallOut]
    messages: list[ActionSendOut] = []
    # total_debt / receivables_count are the call list's snapshot; debt_now is what
    # "Negociar" negotiates today (open entries only), debt_note says when they differ.
    debt_now: DebtOut | None = None
    debt_note: str | None = None
    last_refusal: RefusalOut | None = None  # why the gate last refused or postponed a contact
    pause: PauseOut | None = None  # collection paused today: no robot call nor message


class PauseEndIn(Body):
    """Ending a pause early: why, in a short line (noted on the pause's ticket and audited)."""

    reason: Annotated[str, Field(min_length=1, max_length=300)]


class ResultIn(Body):
    result_type_id: Id
    collection_status_id: Id | None = None
    reschedule_at: datetime | None = None
    notes: Annotated[str | None, Field(max_length=2000)] = None
    ticket_subject: Annotated[str | None, Field(min_length=1, max_length=160)] = None
    ticket_description: Annotated[str, Field(max_length=4000)] = ""

    @field_validator("reschedule_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("informe o fuso, por exemplo 2026-12-01T14:00:00-03:00")
        return value


class NegotiateIn(Body):
    condition_id: Id
    option_id: Id
    down_payment: Annotated[
        Decimal | None, Field(gt=0, le=MAX_MONEY, max_digits=12, decimal_places=2)
    ] = None


class AgreementOut(Out):
    id: int
    customer_id: int
    condition_id: int
    option_id: int | None
    status: str
    channel: str
    principal: Decimal
    fine: Decimal
    interest: Decimal
    interest_discount: Decimal
    debt_discount: Decimal
    total: Decimal
    down_payment: Decimal | None
    installments_count: int
    created_at: datetime
    created_by_id: int | None


class ExportIn(Body):
    agency_id: Id
    entry_ids: Annotated[list[Id], Field(min_length=1, max_length=10000)]


class AgencyEntryOut(BaseModel):
    entry_id: int
    campaign_id: int
    agency_id: int
    agency: str
    exported_at: datetime | None


class StatementOut(BaseModel):
    customer: CustomerSummary
    bills: list[BillOut]
    agreements: list[AgreementOut]
    with_agency: list[AgencyEntryOut]
