"""Scenarios of the negotiation calculator (`quita simulate`): JSON in, JSON out.

Input is validated with pydantic so a bad scenario is refused with one line that names the
field and the problem; the math itself is `negotiation.engine`.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from negotiation.engine import Bill, ConditionTerms, Negotiation, OptionTerms, negotiate
from negotiation.errors import InvalidInput


def _iso_date(value: Any) -> date:
    # pydantic alone would also take a Unix timestamp; a scenario date is ISO text only.
    if not isinstance(value, str):
        raise ValueError("must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date (YYYY-MM-DD)") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
# A century of days: any more is a typo, and would push due dates off the calendar.
Days = Annotated[int, Field(ge=0, le=36500, strict=True)]
# What the database stores (14 digits, 2 places); larger amounts are typos too.
MAX_AMOUNT = Decimal("999999999999.99")


def _money(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("must have at most two decimal places")
    return value.quantize(Decimal("0.01"))


Money = Annotated[Decimal, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioReceivable(_Strict):
    id: str = Field(min_length=1)
    due_date: IsoDate
    amount: Money
    billing_method: str | None = None
    status: str = "open"

    _amount = field_validator("amount")(lambda cls, v: _money(v))


class ScenarioOption(_Strict):
    installments: int = Field(ge=1, le=360, strict=True)
    days_between: Days
    interest_discount_pct: Percent = Decimal(0)
    debt_discount_pct: Percent = Decimal(0)
    min_down_payment_pct: Percent = Decimal(0)


class ScenarioCondition(_Strict):
    active: bool = True
    amount_min: Money | None = None
    amount_max: Money | None = None
    overdue_days_min: Days | None = None
    overdue_days_max: Days | None = None
    billing_method_filter: str | None = None
    fine_pct: Percent
    interest_pct: Percent
    days_to_first_due: Days
    min_installment_amount: Money | None = None
    options: list[ScenarioOption] = Field(min_length=1)

    @field_validator("amount_min", "amount_max", "min_installment_amount")
    @classmethod
    def _amounts(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _money(value)

    @model_validator(mode="after")
    def _bounds_in_order(self) -> ScenarioCondition:
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise ValueError("amount_min is greater than amount_max")
        if (
            self.overdue_days_min is not None
            and self.overdue_days_max is not None
            and self.overdue_days_min > self.overdue_days_max
        ):
            raise ValueError("overdue_days_min is greater than overdue_days_max")
        return self

    def terms(self) -> ConditionTerms:
        return ConditionTerms(
            active=self.active,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            overdue_days_min=self.overdue_days_min,
            overdue_days_max=self.overdue_days_max,
            billing_method_filter=self.billing_method_filter,
            fine_pct=self.fine_pct,
            interest_pct=self.interest_pct,
            days_to_first_due=self.days_to_first_due,
            min_installment_amount=self.min_installment_amount,
            options=tuple(OptionTerms(**o.model_dump()) for o in self.options),
        )


class Scenario(_Strict):
    as_of: IsoDate
    receivables: list[ScenarioReceivable]
    condition: ScenarioCondition
    down_payment: Money | None = None

    @field_validator("down_payment")
    @classmethod
    def _down_payment(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _money(value)

    @field_validator("receivables")
    @classmethod
    def _unique_ids(cls, value: list[ScenarioReceivable]) -> list[ScenarioReceivable]:
        seen: set[str] = set()
        for r in value:
            if r.id in seen:
                raise ValueError(f"receivable id {r.id!r} appears twice")
            seen.add(r.id)
        return value

    def run(self) -> Negotiation:
        bills = [Bill(**r.model_dump()) for r in self.receivables]
        try:
            return negotiate(bills, self.condition.terms(), self.as_of, self.down_payment)
        except OverflowError:
            raise InvalidInput("due dates fall beyond the year 9999") from None


def _where(loc: tuple[Any, ...]) -> str:
    """pydantic's location tuple as a path: `[1].condition.options[0].installments`."""
    parts = ""
    for item in loc:
        if isinstance(item, int):
            parts += f"[{item}]"
        elif item in ("Scenario", "list[Scenario]"):
            continue  # union tags: noise for a person
        else:
            parts += f".{item}" if parts else str(item)
    return parts or "scenario"


def _first_error(exc: ValidationError) -> str:
    # With a union of one scenario or a list, pydantic reports both branches; report the
    # branch that matches the shape of the input.
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = _where(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if str(err["loc"][-1]).endswith("_pct") and err["type"] in (
        "less_than_equal",
        "greater_than_equal",
    ):
        return f"{loc}: must be a percentage from 0 to 100 (got {err['input']})"
    if err["type"] == "missing":
        return f"{loc}: missing field"
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field"
    return f"{loc}: {msg}"


def parse_scenarios(text: str) -> tuple[list[Scenario], bool]:
    """Parse one scenario or a JSON array of them. Returns (scenarios, was_a_list)."""
    try:
        raw = json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise InvalidInput("unreadable JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"unreadable JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if isinstance(raw, list):
        if not raw:
            raise InvalidInput("the array holds no scenario")
        adapter: TypeAdapter[Any] = TypeAdapter(list[Scenario])
    elif isinstance(raw, dict):
        adapter = TypeAdapter(Scenario)
    else:
        raise InvalidInput("expected a scenario object or an array of scenarios")
    try:
        parsed = adapter.validate_python(raw)
    except ValidationError as exc:
        message = _first_error(exc)
        raise InvalidInput(f"scenarios{message}" if message.startswith("[") else message) from None
    return (parsed if isinstance(raw, list) else [parsed]), isinstance(raw, list)


def _money_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def negotiation_json(result: Negotiation) -> dict[str, Any]:
    """The calculator's output for one scenario (the format of issue 2's example)."""
    return {
        "eligible": result.eligible,
        "principal": _money_str(result.principal),
        "fine": _money_str(result.fine),
        "interest": _money_str(result.interest),
        "max_days_late": result.max_days_late,
        "receivables": result.receivable_ids,
        "offers": [
            {
                "option": o.option_index,
                "installments": o.installments,
                "interest": _money_str(o.interest),
                "total": _money_str(o.total),
                "down_payment": _money_str(o.down_payment),
                "schedule": [
                    {
                        "number": p.number,
                        "due_date": p.due_date.isoformat(),
                        "amount": _money_str(p.amount),
                    }
                    for p in o.schedule
                ],
            }
            for o in result.offers
        ],
    }


def simulate_text(text: str) -> Any:
    """Run the scenarios in `text`; one result for one scenario, a list for a list."""
    scenarios, as_list = parse_scenarios(text)
    results = [negotiation_json(s.run()) for s in scenarios]
    return results if as_list else results[0]
