"""Collection rules (filters, actions, linked conditions) and their runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from admin.schemas.base import Body, Days, Id, Money, Out, Text, ordered
from models.enums import (
    ActionKind,
    FilterField,
    FilterOperator,
)
from negotiation.audit import plain
from negotiation.errors import InvalidInput
from negotiation.rule_filters import check_filter


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
    days_late: Days | None = None
    template: Annotated[str | None, Field(max_length=80)] = None
    # E-mail, SMS and Telegram: a message template of the same channel (None: the channel's
    # first active template).
    message_template_id: Id | None = None
    active: bool = True


class ActionOut(Out, ActionIn):
    id: int


class RuleIn(Body):
    description: Annotated[str, Field(min_length=1, max_length=120)]
    active: bool = False
    general: bool = True
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    minutes_per_call: Annotated[int, Field(ge=1, le=240)] = 5
    # The robot's retries; their ranges are checked by the service (pt-BR messages).
    retry_minutes: int = 120
    max_attempts: int = 3
    notes: Text | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    filters: Annotated[list[FilterIn], Field(max_length=50)] = []
    actions: Annotated[list[ActionIn], Field(max_length=20)] = []
    condition_ids: Annotated[list[Id], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _list_defined(self) -> RuleIn:
        ordered(self.amount_min, self.amount_max, "amount_min/amount_max")
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
    retry_minutes: int
    max_attempts: int
    notes: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    filters: list[FilterOut]
    actions: list[ActionOut]
    condition_ids: list[int]

    @classmethod
    def of(cls, rule: Any) -> RuleOut:
        """From a rule with its filters, actions and conditions loaded."""
        parts = ("filters", "actions", "condition_ids")
        return cls(
            **{k: getattr(rule, k) for k in cls.model_fields if k not in parts},
            filters=list(rule.filters),
            actions=list(rule.actions),
            condition_ids=[c.id for c in rule.conditions],
        )


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
