"""Condições de Pagamento: list, form with repeatable installment options, delete.

The pages validate with the API's own schema (ConditionIn) and save through the same service
(negotiation.conditions), so every rule lives in one place; a page only turns form
fields into the schema's dict and the schema's messages into messages next to the fields.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from admin import schemas as s
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page
from models.enums import BreakAction
from negotiation import conditions as service
from negotiation.amounts import form_number
from negotiation.errors import InvalidInput
from negotiation.labels import choices
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
Configure = Page(Permission.CONFIGURE)

EXTRA_ROWS = 3  # empty option rows the form always offers (works without JavaScript)
OPTION_FIELDS = (
    "installments",
    "days_between",
    "interest_discount_pct",
    "debt_discount_pct",
    "min_down_payment_pct",
)
_NUMERIC = (
    "amount_min",
    "amount_max",
    "days_to_first_due",
    "overdue_days_min",
    "overdue_days_max",
    "interest_pct",
    "fine_pct",
    "min_installment_amount",
    "tolerance_days",
    "misses_to_cancel",
)


# --- form helpers (shared with the rules pages) -------------------------------------------------


def number(text: str) -> str:
    """A number as a person types it in Brazil (1.234,56 or 1234,56 or 1234.56) → 1234.56."""
    return form_number(text)


def optional(form: Any, name: str, *, numeric: bool = False) -> str | None:
    """A text field, None when left empty (the schema then applies its default or null)."""
    value = str(form.get(name, "")).strip()
    if not value:
        return None
    return number(value) if numeric else value


def put(data: dict, name: str, value: Any) -> None:
    """Set a field only when given, so the schema's defaults apply to empty inputs."""
    if value is not None:
        data[name] = value


def row_indexes(form: Any, prefix: str) -> list[int]:
    """The row numbers present in the form for `prefix-N-field` inputs, in order."""
    found = {int(m.group(1)) for k in form if (m := re.fullmatch(rf"{prefix}-(\d+)-\w+", k))}
    return sorted(found)


_PT = {
    "missing": "obrigatório",
    "string_too_short": "obrigatório",
    "string_too_long": "texto longo demais (até {max_length} caracteres)",
    "int_parsing": "informe um número inteiro",
    "int_from_float": "informe um número inteiro",
    "decimal_parsing": "informe um número (por exemplo 1234,56)",
    "decimal_max_places": "use no máximo {decimal_places} casas decimais",
    "decimal_max_digits": "número grande demais",
    "greater_than_equal": "deve ser no mínimo {ge}",
    "greater_than": "deve ser maior que {gt}",
    "less_than_equal": "deve ser no máximo {le}",
    "less_than": "deve ser menor que {lt}",
    "enum": "escolha uma das opções",
    "bool_parsing": "marque ou desmarque",
    "too_short": "informe ao menos um item",
    "too_long": "itens demais (até {max_length})",
    "string_pattern_mismatch": "formato inválido",
}


def message_of(error: dict) -> str:
    if error["type"] == "value_error":
        text = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        return text.removeprefix("Value error, ")
    template = _PT.get(error["type"])
    if template is None:
        return error["msg"]
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template


def field_errors(exc: ValidationError | InvalidInput) -> dict[str, str]:
    """Validation messages keyed by form field name ("options-0-installments", "fine_pct").

    Messages of the schema's own checks start with the field ("days_between: ..."); that
    prefix picks the field and is dropped from the text shown next to it.
    """
    errors: dict[str, str] = {}
    items: list[tuple[tuple, str]]
    if isinstance(exc, InvalidInput):
        items = [((), str(exc))]
    else:
        items = [(tuple(e["loc"]), message_of(e)) for e in exc.errors()]
    for loc, text in items:
        key = "-".join(str(part) for part in loc)
        head, sep, rest = text.partition(": ")
        if sep and re.fullmatch(r"[a-z_]+(/[a-z_]+)?", head):
            field = head.split("/")[0]
            key = f"{key}-{field}" if key else field
            text = rest
        errors.setdefault(key or "__all__", text)
    return errors


# --- conditions -------------------------------------------------------------------------------


def _condition_data(form: Any) -> tuple[dict, list[dict]]:
    """The form as ConditionIn's dict, and the option rows as typed (to show them again)."""
    data: dict[str, Any] = {
        "description": str(form.get("description", "")).strip(),
        "active": form.get("active") == "on",
        "is_default": form.get("is_default") == "on",
    }
    for name in _NUMERIC:
        put(data, name, optional(form, name, numeric=True))
    put(data, "billing_method_filter", optional(form, "billing_method_filter"))
    put(data, "billing_method_generate", optional(form, "billing_method_generate"))
    put(data, "break_action", optional(form, "break_action"))
    # Options are validated without the empty rows and shown again typed rows first, in order,
    # so row n of the schema's messages is row n of the form shown.
    rows, options = [], []
    for i in row_indexes(form, "options"):
        typed = {f: str(form.get(f"options-{i}-{f}", "")).strip() for f in OPTION_FIELDS}
        if not any(typed.values()):
            continue  # an extra row left empty
        option: dict[str, Any] = {}
        for f in OPTION_FIELDS:
            put(option, f, number(typed[f]) or None)
        if "installments" not in option:
            option["installments"] = ""  # the schema says it is required, next to the field
        rows.append(typed)
        options.append(option)
    data["options"] = options
    return data, rows


def _form_of(condition: s.ConditionOut | None) -> tuple[dict, list[dict]]:
    if condition is None:
        return {"active": True, "billing_method_generate": "boleto", "break_action": "cancel"}, []
    values = condition.model_dump(exclude={"options"})
    rows = [{f: _plain(getattr(o, f)) for f in OPTION_FIELDS} for o in condition.options]
    return values, rows


def _plain(value: Any) -> str:
    """A stored number as the form shows it (1234,56; no trailing zeros on percents)."""
    if value is None:
        return ""
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _show_form(
    request: Request,
    signed: Signed,
    condition_id: int | None,
    values: dict,
    rows: list[dict],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
):
    shown = {k: ("" if v is None else v) for k, v in values.items()}
    for name in _NUMERIC:
        if name in shown and not isinstance(shown[name], str):
            shown[name] = _plain(shown[name])
    blank = dict.fromkeys(OPTION_FIELDS, "")
    return page(
        request,
        signed,
        "console/conditions_form.html.j2",
        status_code=status_code,
        condition_id=condition_id,
        v=shown,
        rows=list(rows) + [dict(blank) for _ in range(EXTRA_ROWS)],
        option_fields=OPTION_FIELDS,
        break_actions=choices(BreakAction),
        errors=errors or {},
    )


async def _submit(request: Request, signed: Signed, condition_id: int | None):
    form = await request.form()
    data, rows = _condition_data(form)
    shown = {k: v for k, v in data.items() if k != "options"}
    for name in (*_NUMERIC, "billing_method_filter", "billing_method_generate", "break_action"):
        shown[name] = str(form.get(name, "")).strip()
    try:
        body = s.ConditionIn.model_validate(data)
        saved = await service.save_condition(signed.user, body.model_dump(), condition_id)
    except (ValidationError, InvalidInput) as exc:
        errors = field_errors(exc)
        if "options" in errors and not rows:
            errors["options"] = "informe ao menos um parcelamento"
        return _show_form(request, signed, condition_id, shown, rows, errors, 422)
    ok = "created" if condition_id is None else "saved"
    return RedirectResponse(f"/console/conditions/{saved.id}?ok={ok}", status_code=303)


@router.get("/conditions")
async def list_conditions(request: Request, signed: Configure):
    conditions = [s.ConditionOut.model_validate(c) for c in await service.list_conditions()]
    return page(
        request,
        signed,
        "console/conditions.html.j2",
        conditions=conditions,
        break_actions=choices(BreakAction),
    )


@router.get("/conditions/new")
async def new_condition(request: Request, signed: Configure):
    values, rows = _form_of(None)
    return _show_form(request, signed, None, values, rows)


@router.post("/conditions")
async def create_condition(request: Request, signed: Configure):
    return await _submit(request, signed, None)


@router.get("/conditions/{condition_id}")
async def edit_condition(condition_id: int, request: Request, signed: Configure):
    condition = s.ConditionOut.model_validate(await service.get_condition(condition_id))
    values, rows = _form_of(condition)
    return _show_form(request, signed, condition_id, values, rows)


@router.post("/conditions/{condition_id}")
async def update_condition(condition_id: int, request: Request, signed: Configure):
    await service.get_condition(condition_id)  # 404 before reading the form
    return await _submit(request, signed, condition_id)


@router.post("/conditions/{condition_id}/delete")
async def delete_condition(condition_id: int, signed: Configure):
    await service.delete_condition(signed.user, condition_id)
    return RedirectResponse("/console/conditions?ok=deleted", status_code=303)
