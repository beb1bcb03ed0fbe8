"""The negotiation calculator: the `quita simulate` engine as a form.

The form is turned into the calculator's own input model (negotiation.scenario.Scenario), so
validation and math are exactly the CLI's; its errors are shown next to the fields.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from itertools import zip_longest
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from admin.console.render import page
from admin.deps import Page
from models.clock import today_in
from negotiation.amounts import form_number
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission
from negotiation.scenario import Scenario

router = APIRouter(prefix="/console")
Negotiate = Page(Permission.NEGOTIATE)

CONDITION_FIELDS = (
    "fine_pct",
    "interest_pct",
    "days_to_first_due",
    "min_installment_amount",
    "amount_min",
    "amount_max",
    "overdue_days_min",
    "overdue_days_max",
)
INTEGER_FIELDS = {"days_to_first_due", "overdue_days_min", "overdue_days_max"}
OPTION_FIELDS = (
    "installments",
    "days_between",
    "interest_discount_pct",
    "debt_discount_pct",
    "min_down_payment_pct",
)
OPTION_INTEGERS = {"installments", "days_between"}
BLANK_BILLS = 2
BLANK_OPTIONS = 1
MIN_ROWS = 3  # rows an empty form offers

# What pydantic says, in pt-BR (the model's own words when there is no better one).
_VALUE_ERRORS = (
    ("must not be negative", "não pode ser negativo"),
    ("must have at most two decimal places", "use no máximo duas casas decimais"),
    ("must be at most", "valor alto demais"),
    ("is not a real date", "data inexistente"),
    ("must be a date", "informe a data"),
    ("amount_min is greater than amount_max", "o valor mínimo é maior que o máximo"),
    (
        "overdue_days_min is greater than overdue_days_max",
        "o atraso mínimo é maior que o máximo",
    ),
)


def _empty(request: Request) -> dict[str, Any]:
    """A blank form: only the calculation date (today) is filled, nothing joins the input."""
    today = today_in(request.app.state.settings.timezone)
    blank = dict.fromkeys(("down_payment", *CONDITION_FIELDS), "")
    return {"as_of": today.isoformat(), **blank, "bills": [], "options": []}


def _example(request: Request) -> dict[str, Any]:
    """The example the "Exemplo" button asks for (never filled in unasked)."""
    today = today_in(request.app.state.settings.timezone)
    return {
        **_empty(request),
        "fine_pct": "2",
        "interest_pct": "1",
        "days_to_first_due": "3",
        "bills": [
            {"due_date": (today - timedelta(days=40)).isoformat(), "amount": "99,90"},
            {"due_date": (today - timedelta(days=10)).isoformat(), "amount": "99,90"},
        ],
        "options": [
            dict(zip(OPTION_FIELDS, ("1", "0", "100", "10", "0"), strict=True)),
            dict(zip(OPTION_FIELDS, ("3", "30", "50", "0", "0"), strict=True)),
            dict(zip(OPTION_FIELDS, ("4", "20", "0", "0", "30"), strict=True)),
        ],
    }


def _number(text: str) -> str:
    """ "1.234,56" or "1234.56" -> "1234.56" (the model parses it)."""
    return form_number(text)


def _integer(text: str) -> int | str:
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _read(form) -> dict[str, Any]:
    """The form's values as typed (to show again), rows without blank ones."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip()
        for name in ("as_of", "down_payment", *CONDITION_FIELDS)
    }
    dues, amounts = form.getlist("bill_due_date"), form.getlist("bill_amount")
    values["bills"] = [
        {"due_date": str(d).strip(), "amount": str(a).strip()}
        for d, a in zip_longest(dues, amounts, fillvalue="")
        if str(d).strip() or str(a).strip()
    ]
    columns = [form.getlist(f"opt_{f}") for f in OPTION_FIELDS]
    values["options"] = [
        {f: str(v).strip() for f, v in zip(OPTION_FIELDS, row, strict=True)}
        for row in zip_longest(*columns, fillvalue="")
        if any(str(v).strip() for v in row)
    ]
    return values


def _scenario_input(values: dict[str, Any]) -> dict[str, Any]:
    """The Scenario model's input; an empty field is left out (missing, or its default)."""
    condition: dict[str, Any] = {}
    for name in CONDITION_FIELDS:
        if values[name]:
            condition[name] = (
                _integer(values[name]) if name in INTEGER_FIELDS else _number(values[name])
            )
    condition["options"] = [
        {
            f: (_integer(row[f]) if f in OPTION_INTEGERS else _number(row[f]))
            for f in OPTION_FIELDS
            if row[f]
        }
        for row in values["options"]
    ]
    raw: dict[str, Any] = {
        "receivables": [
            {
                "id": str(i + 1),
                **({"due_date": b["due_date"]} if b["due_date"] else {}),
                **({"amount": _number(b["amount"])} if b["amount"] else {}),
            }
            for i, b in enumerate(values["bills"])
        ],
        "condition": condition,
    }
    if values["as_of"]:
        raw["as_of"] = values["as_of"]
    if values["down_payment"]:
        raw["down_payment"] = _number(values["down_payment"])
    return raw


def _field_of(loc: tuple[Any, ...]) -> str:
    """pydantic's location -> the form field's id."""
    if loc[:1] == ("receivables",) and len(loc) >= 3:
        return f"bill_{loc[2]}_{loc[1]}"
    if loc[:2] == ("condition", "options") and len(loc) >= 4:
        return f"opt_{loc[3]}_{loc[2]}"
    if loc[:1] == ("condition",) and len(loc) >= 2:
        return str(loc[1])
    return str(loc[0]) if loc else "scenario"


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    last = str(error["loc"][-1]) if error["loc"] else ""
    if last.endswith("_pct") and kind in ("less_than_equal", "greater_than_equal"):
        return "deve ser uma porcentagem de 0 a 100"
    if kind == "missing":
        return "obrigatório"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "informe um número inteiro"
    if kind.startswith("decimal") or kind.startswith("float"):
        return "informe um número"
    if kind == "greater_than_equal":
        return f"deve ser no mínimo {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"deve ser no máximo {ctx.get('le')}"
    if kind == "too_short":
        return "informe pelo menos uma linha"
    message = str(error["msg"]).removeprefix("Value error, ")
    for english, portuguese in _VALUE_ERRORS:
        if english in message:
            return portuguese
    return message


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        found.setdefault(_field_of(tuple(error["loc"])), _message(error))
    return found


def _rows(values: dict[str, Any]) -> dict[str, Any]:
    """The form's rows, with blank ones to add more."""
    blank_bills = max(BLANK_BILLS, MIN_ROWS - len(values["bills"]))
    blank_options = max(BLANK_OPTIONS, MIN_ROWS - len(values["options"]))
    bills = values["bills"] + [{"due_date": "", "amount": ""}] * blank_bills
    options = values["options"] + [dict.fromkeys(OPTION_FIELDS, "")] * blank_options
    return {**values, "bills": bills, "options": options}


def _render(request, signed, values, *, result=None, errors=None, status_code=200):
    return page(
        request,
        signed,
        "console/calculator.html.j2",
        status_code=status_code,
        form=_rows(values),
        result=result,
        errors=errors or {},
        option_fields=OPTION_FIELDS,
    )


@router.get("/calculator")
async def calculator_page(request: Request, signed: Negotiate, example: bool = False):
    return _render(request, signed, _example(request) if example else _empty(request))


@router.post("/calculator")
async def calculate(request: Request, signed: Negotiate):
    values = _read(await request.form())
    try:
        scenario = Scenario.model_validate(_scenario_input(values))
        result = scenario.run()
    except ValidationError as exc:
        return _render(request, signed, values, errors=_errors(exc), status_code=422)
    except InvalidInput as exc:
        return _render(request, signed, values, errors={"scenario": str(exc)}, status_code=422)
    total = result.principal + result.fine + result.interest
    view = {
        "n": result,
        "total": total,
        "offers": [
            {"offer": o, "discount": max(total - o.total, Decimal(0))} for o in result.offers
        ],
    }
    return _render(request, signed, values, result=view)
