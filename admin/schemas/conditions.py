"""Payment conditions and their installment options."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from admin.schemas.base import MAX_MONEY, Body, Days, Money, Out, Percent, ordered
from models.enums import (
    BreakAction,
)


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
    overdue_days_min: Days | None = None
    overdue_days_max: Days | None = None
    billing_method_filter: Annotated[str | None, Field(max_length=30)] = None
    billing_method_generate: Annotated[str, Field(min_length=1, max_length=30)] = "boleto"
    interest_pct: Percent = Decimal(0)
    fine_pct: Percent = Decimal(0)
    min_installment_amount: Annotated[
        Decimal | None, Field(gt=0, le=MAX_MONEY, max_digits=12, decimal_places=2)
    ] = None
    tolerance_days: Annotated[int, Field(ge=0, le=90)] = 5
    break_action: BreakAction = BreakAction.CANCEL
    misses_to_cancel: Annotated[int, Field(ge=1, le=12)] = 2
    options: Annotated[list[OptionIn], Field(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _bounds(self) -> ConditionIn:
        ordered(self.amount_min, self.amount_max, "amount_min/amount_max")
        ordered(self.overdue_days_min, self.overdue_days_max, "overdue_days_min/max")
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
