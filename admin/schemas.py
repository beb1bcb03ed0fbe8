"""Request and response bodies of the admin API. Validation messages name the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.enums import (
    ActionKind,
    BreakAction,
    ContactKind,
    DeliveryChannel,
    FilterField,
    FilterOperator,
    ResultKind,
    Role,
)
from negotiation.audit import plain
from negotiation.documents import normalize_document
from negotiation.errors import InvalidInput
from negotiation.rule_run import check_filter

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _ordered(low: Any, high: Any, what: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"{what}: o mínimo é maior que o máximo")


# --- small catalogs ---------------------------------------------------------------------


class CollectionStatusIn(Body):
    name: Name
    allows_receipt: bool = False
    active: bool = True


class CollectionStatusOut(Out, CollectionStatusIn):
    id: int


class ResultTypeIn(Body):
    name: Name
    kind: ResultKind = ResultKind.OTHER
    active: bool = True


class ResultTypeOut(Out, ResultTypeIn):
    id: int


class ContactTypeIn(Body):
    name: Name
    kind: ContactKind = ContactKind.PHONE
    active: bool = True


class ContactTypeOut(Out, ContactTypeIn):
    id: int


class AgencyIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    cnpj: str | None = None
    email: Annotated[str | None, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = (
        None
    )
    phone: Annotated[str | None, Field(max_length=20)] = None
    contact_name: Annotated[str | None, Field(max_length=120)] = None
    active: bool = True

    @field_validator("cnpj")
    @classmethod
    def _cnpj(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            digits = normalize_document(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        if len(digits) != 14:
            raise ValueError("um escritório de cobrança tem CNPJ, não CPF")
        return digits


class AgencyOut(Out, AgencyIn):
    id: int


# --- payment conditions -------------------------------------------------------------------


class OptionIn(Body):
    installments: Annotated[int, Field(ge=1, le=360)]
    days_between: Annotated[int, Field(ge=0, le=365)] = 0
    interest_discount_pct: Percent = Decimal(0)
    debt_discount_pct: Percent = Decimal(0)
    min_down_payment_pct: Percent = Decimal(0)

    @model_validator(mode="after")
    def _spread(self) -> OptionIn:
        if self.installments > 1 and self.days_between == 0:
            raise ValueError("days_between: parcelas precisam de dias entre os vencimentos")
        return self


class OptionOut(Out, OptionIn):
    id: int
    position: int


class ConditionIn(Body):
    description: Annotated[str, Field(min_length=1, max_length=120)]
    active: bool = True
    is_default: bool = False
    amount_min: Money | None = None
    amount_max: Money | None = None
    days_to_first_due: Annotated[int, Field(ge=0, le=365)] = 0
    overdue_days_min: Annotated[int | None, Field(ge=0)] = None
    overdue_days_max: Annotated[int | None, Field(ge=0)] = None
    billing_method_filter: Annotated[str | None, Field(max_length=30)] = None
    billing_method_generate: Annotated[str, Field(min_length=1, max_length=30)] = "boleto"
    interest_pct: Percent = Decimal(0)
    fine_pct: Percent = Decimal(0)
    min_installment_amount: Annotated[Decimal | None, Field(gt=0, decimal_places=2)] = None
    tolerance_days: Annotated[int, Field(ge=0, le=90)] = 5
    break_action: BreakAction = BreakAction.CANCEL
    misses_to_cancel: Annotated[int, Field(ge=1, le=12)] = 2
    options: Annotated[list[OptionIn], Field(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _bounds(self) -> ConditionIn:
        _ordered(self.amount_min, self.amount_max, "amount_min/amount_max")
        _ordered(self.overdue_days_min, self.overdue_days_max, "overdue_days_min/max")
        return self


class ConditionOut(Out):
    id: int
    description: str
    active: bool
    is_default: bool
    amount_min: Decimal | None
    amount_max: Decimal | None
    days_to_first_due: int
    overdue_days_min: int | None
    overdue_days_max: int | None
    billing_method_filter: str | None
    billing_method_generate: str
    interest_pct: Decimal
    fine_pct: Decimal
    min_installment_amount: Decimal | None
    tolerance_days: int
    break_action: BreakAction
    misses_to_cancel: int
    options: list[OptionOut]


# --- collection rules ---------------------------------------------------------------------


class FilterIn(Body):
    field: FilterField
    operator: FilterOperator
    value: Any

    @model_validator(mode="after")
    def _value(self) -> FilterIn:
        try:
            checked = check_filter(self.field, self.operator, self.value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        self.value = plain(checked.value)  # stored as JSON
        return self


class FilterOut(Out):
    id: int
    field: FilterField
    operator: FilterOperator
    value: Any


class ActionIn(Body):
    kind: ActionKind
    days_late: Annotated[int | None, Field(ge=0)] = None
    template: Annotated[str | None, Field(max_length=80)] = None
    active: bool = True


class ActionOut(Out, ActionIn):
    id: int


class RuleIn(Body):
    description: Annotated[str, Field(min_length=1, max_length=120)]
    active: bool = False
    general: bool = True
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    minutes_per_call: Annotated[int, Field(ge=1, le=240)] = 5
    notes: str | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    filters: Annotated[list[FilterIn], Field(max_length=50)] = []
    actions: Annotated[list[ActionIn], Field(max_length=20)] = []
    condition_ids: Annotated[list[int], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _list_defined(self) -> RuleIn:
        _ordered(self.amount_min, self.amount_max, "amount_min/amount_max")
        # The seed: an active rule is refused unless it is set up to produce a call list.
        if self.active and not self.filters and self.amount_min is None and self.amount_max is None:
            raise ValueError(
                "active: uma regra ativa precisa de ao menos um filtro ou limite de valor "
                "que defina a lista de ligações"
            )
        return self


class RuleOut(Out):
    id: int
    description: str
    active: bool
    general: bool
    priority: int
    minutes_per_call: int
    notes: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    filters: list[FilterOut]
    actions: list[ActionOut]
    condition_ids: list[int]


# --- users ----------------------------------------------------------------------------------


class UserIn(Body):
    username: Annotated[str, Field(min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$")]
    full_name: Annotated[str, Field(max_length=120)] = ""
    email: Annotated[str | None, Field(max_length=254)] = None
    role: Role
    agency_id: int | None = None
    password: Annotated[str, Field(min_length=8, max_length=200)]
    active: bool = True

    @model_validator(mode="after")
    def _agency(self) -> UserIn:
        if (self.role == Role.AGENCY) != (self.agency_id is not None):
            raise ValueError("agency_id: obrigatório para o perfil agency, e só para ele")
        return self


class UserOut(Out):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    agency_id: int | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class AuditOut(Out):
    id: int
    created_at: datetime
    user_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any


# --- campaigns ------------------------------------------------------------------------------


class CampaignOut(Out):
    id: int
    rule_id: int
    run_id: int | None
    description: str
    contact_type_id: int | None
    active: bool
    created_at: datetime


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
    step, what was pressed or said ("***" for identification data, "" for silence), when."""

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


class DebtOut(BaseModel):
    total: Decimal
    receivables_count: int


class EntryDetail(EntryOut):
    record: CustomerRecord | None
    bills: list[BillOut]
    offers: list[OfferOut]
    calls: list[CallOut]
    # total_debt / receivables_count are the call list's snapshot; debt_now is what
    # "Negociar" negotiates today (open entries only), debt_note says when they differ.
    debt_now: DebtOut | None = None
    debt_note: str | None = None


class ResultIn(Body):
    result_type_id: int
    collection_status_id: int | None = None
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
    condition_id: int
    option_id: int
    down_payment: Annotated[Decimal | None, Field(gt=0, decimal_places=2)] = None


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
    agency_id: int
    entry_ids: Annotated[list[int], Field(min_length=1, max_length=10000)]


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


# --- rule runs ------------------------------------------------------------------------------


class PreviewOut(BaseModel):
    rule_id: int
    today: date
    customers: int
    receivables: int
    amount: Decimal


class RunOut(Out):
    id: int
    rule_id: int
    started_by_id: int | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    progress: int
    customers_count: int
    receivables_count: int
    amount: Decimal
    log: str
    error: str | None
    campaign_id: int | None = None


# --- data in --------------------------------------------------------------------------------


class ImportIn(Body):
    """The same columns as the CSV files (README, "Data in"), one object per line."""

    rows: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=50000)]


class RejectionOut(BaseModel):
    line: int
    external_id: str
    reasons: list[str]


class ImportOut(BaseModel):
    created: int
    updated: int
    rejected: list[RejectionOut]


# --- payments -------------------------------------------------------------------------------


class PaymentIn(Body):
    receivable_id: int
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
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


# --- dashboard ----------------------------------------------------------------------------


class ChannelFigures(BaseModel):
    channel: str
    agreements: int
    total: Decimal


class RuleFigures(BaseModel):
    rule: str
    entries: int
    agreements: int
    conversion: Decimal  # percent of the entries that became an agreement


class DayFigure(BaseModel):
    day: date
    amount: Decimal


class DashboardOut(BaseModel):
    """The Painel's figures: the whole ISP's, or an agency user's own agency's entries'."""

    model_config = ConfigDict(from_attributes=True)

    recovered: Decimal
    recovered_30d: Decimal
    agreements: dict[str, int]
    by_channel: list[ChannelFigures]
    by_rule: list[RuleFigures]
    calls_today: int
    calls_today_answered: int
    waiting_conversations: int
    daily: list[DayFigure]
