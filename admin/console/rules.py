"""Réguas de cobrança: list, form with the filter builder, preview, Executar and the run page.

Validation is the API's (RuleIn, whose filters go through rule_filters.check_filter); saving,
preview and runs call the services the API calls (negotiation.rules), so a page handler only
turns form fields into the schema's dict and the answers into HTML.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from admin import schemas as s
from admin.console.conditions import field_errors, number, optional, put, row_indexes
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page, SettingsDep, TodayDep
from admin.views import run_out
from models import RuleRun
from models.enums import ActionKind, FilterField, FilterOperator, RunStatus
from negotiation import catalog, conditions, message_templates
from negotiation import rules as service
from negotiation.errors import InvalidInput
from negotiation.labels import choices, label
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
Configure = Page(Permission.CONFIGURE)
RunRules = Page(Permission.RUN_RULES)

EXTRA_ROWS = 2  # empty filter and action rows the form always offers (works without JS)

FIELDS = choices(FilterField)
OPERATORS = choices(FilterOperator)
ACTIONS = choices(ActionKind)
_MONEY_FIELDS = {FilterField.AMOUNT.value, FilterField.TOTAL_DEBT.value}
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


# --- form ↔ schema ----------------------------------------------------------------------------


def _scalar(field: str, text: str) -> str:
    """One filter value as check_filter reads it: money with a dot, dates ISO."""
    text = text.strip()
    if field in _MONEY_FIELDS:
        return number(text)
    if field == FilterField.DUE_DATE.value and (m := _BR_DATE.fullmatch(text)):
        day, month, year = m.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _filter_value(field: str, operator: str, value: str, value2: str) -> Any:
    """The value box(es) of a filter row as check_filter expects them: a list for em / não
    em (comma-separated), [mínimo, máximo] for entre (two boxes, or "a;b" in the first)."""
    if operator in (FilterOperator.IN.value, FilterOperator.NOT_IN.value):
        sep = ";" if field in _MONEY_FIELDS and ";" in value else ","
        return [_scalar(field, v) for v in value.split(sep) if v.strip()]
    if operator == FilterOperator.BETWEEN.value:
        if not value2 and ";" in value:
            value, value2 = value.split(";", 1)
        return [_scalar(field, value), _scalar(field, value2)]
    return _scalar(field, value)


def _rule_data(form: Any) -> tuple[dict, list[dict], list[dict]]:
    """The form as RuleIn's dict, with the filter and action rows as typed."""
    data: dict[str, Any] = {
        "description": str(form.get("description", "")).strip(),
        "active": form.get("active") == "on",
        "general": form.get("general") == "on",
        "notes": optional(form, "notes"),
        "condition_ids": [int(v) for v in form.getlist("condition_ids") if str(v).isdigit()],
    }
    numbers = ("priority", "minutes_per_call", "retry_minutes", "max_attempts")
    for name in (*numbers, "amount_min", "amount_max"):
        put(data, name, optional(form, name, numeric=True))
    filters, filter_rows = [], []
    for i in row_indexes(form, "filters"):
        typed = {
            k: str(form.get(f"filters-{i}-{k}", "")).strip()
            for k in ("field", "operator", "value", "value2")
        }
        if not typed["field"] and not typed["value"] and not typed["value2"]:
            continue
        filter_rows.append(typed)
        filters.append(
            {
                "field": typed["field"],
                "operator": typed["operator"],
                "value": _filter_value(
                    typed["field"], typed["operator"], typed["value"], typed["value2"]
                ),
            }
        )
    actions, action_rows = [], []
    for i in row_indexes(form, "actions"):
        typed = {
            "kind": str(form.get(f"actions-{i}-kind", "")).strip(),
            "days_late": str(form.get(f"actions-{i}-days_late", "")).strip(),
            "template": str(form.get(f"actions-{i}-template", "")).strip(),
            "message_template_id": str(form.get(f"actions-{i}-message_template_id", "")).strip(),
            "active": form.get(f"actions-{i}-active") == "on",
        }
        if not typed["kind"]:
            continue
        action_rows.append(typed)
        action: dict[str, Any] = {"kind": typed["kind"], "active": typed["active"]}
        put(action, "days_late", typed["days_late"] or None)
        put(action, "template", typed["template"] or None)
        put(action, "message_template_id", typed["message_template_id"] or None)
        actions.append(action)
    data["filters"], data["actions"] = filters, actions
    return data, filter_rows, action_rows


def _typed_filter(f: s.FilterOut) -> dict:
    value, value2 = f.value, ""
    if f.operator == FilterOperator.BETWEEN and isinstance(value, list) and len(value) == 2:
        value, value2 = value
    elif isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return {"field": f.field.value, "operator": f.operator.value, "value": value, "value2": value2}


def _typed_of(rule: s.RuleOut | None) -> tuple[dict, list[dict], list[dict]]:
    if rule is None:
        defaults = {"priority": 0, "minutes_per_call": 5, "retry_minutes": 120, "max_attempts": 3}
        return {"general": True, **defaults}, [], []
    values = rule.model_dump(exclude={"filters", "actions"})
    filters = [_typed_filter(f) for f in rule.filters]
    actions = [
        {
            "kind": a.kind.value,
            "days_late": "" if a.days_late is None else a.days_late,
            "template": a.template or "",
            "message_template_id": a.message_template_id or "",
            "active": a.active,
        }
        for a in rule.actions
    ]
    return values, filters, actions


def _money(value: Any) -> str:
    return "" if value is None else str(value).replace(".", ",")


async def _show_form(
    request: Request,
    signed: Signed,
    rule_id: int | None,
    values: dict,
    filters: list[dict],
    actions: list[dict],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    preview: s.PreviewOut | None = None,
):
    shown = {k: ("" if v is None else v) for k, v in values.items()}
    for name in ("amount_min", "amount_max"):
        if name in shown and not isinstance(shown[name], str):
            shown[name] = _money(shown[name])
    linkable = [c for c in await conditions.list_conditions() if not c.is_default]
    runs = []
    if rule_id and signed.can(Permission.RUN_RULES):
        runs = [await run_out(r) for r in await RuleRun.filter(rule_id=rule_id).limit(50)]
    blank_filter = {"field": "", "operator": "eq", "value": "", "value2": ""}
    blank_action = {
        "kind": "",
        "days_late": "",
        "template": "",
        "message_template_id": "",
        "active": True,
    }
    by_channel: dict[str, list] = {}
    for template in await message_templates.list_templates():
        by_channel.setdefault(template.channel, []).append(template)
    return page(
        request,
        signed,
        "console/rules_form.html.j2",
        status_code=status_code,
        rule_id=rule_id,
        v=shown,
        linked=set(values.get("condition_ids") or []),
        filters=list(filters) + [dict(blank_filter) for _ in range(EXTRA_ROWS)],
        actions=list(actions) + [dict(blank_action) for _ in range(EXTRA_ROWS)],
        conditions=linkable,
        fields=FIELDS,
        operators=OPERATORS,
        action_kinds=ACTIONS,
        message_templates=by_channel,
        errors=errors or {},
        preview=preview,
        runs=sorted(runs, key=lambda r: r.id, reverse=True)[:10],
    )


async def _submit(request: Request, signed: Signed, rule_id: int | None):
    form = await request.form()
    data, filters, actions = _rule_data(form)
    shown = {k: v for k, v in data.items() if k not in ("filters", "actions")}
    numbers = ("priority", "minutes_per_call", "retry_minutes", "max_attempts")
    for name in (*numbers, "amount_min", "amount_max"):
        shown[name] = str(form.get(name, "")).strip()
    try:
        body = s.RuleIn.model_validate(data)
        saved = await service.save_rule(signed.user, body.model_dump(), rule_id)
    except (ValidationError, InvalidInput) as exc:
        errors = field_errors(exc)
        return await _show_form(request, signed, rule_id, shown, filters, actions, errors, 422)
    ok = "created" if rule_id is None else "saved"
    return RedirectResponse(f"/console/rules/{saved.id}?ok={ok}", status_code=303)


def _describe(f: s.FilterOut) -> str:
    value = f.value
    if f.operator == FilterOperator.BETWEEN and isinstance(value, list):
        shown = " e ".join(str(v) for v in value)
    elif isinstance(value, list):
        shown = ", ".join(str(v) for v in value)
    else:
        shown = str(value)
    return f"{FIELDS[f.field.value]} {OPERATORS[f.operator.value]} {shown}"


# --- pages ------------------------------------------------------------------------------------


@router.get("/rules")
async def list_rules(request: Request, signed: Configure):
    rules = [s.RuleOut.of(r) for r in await service.list_rules()]
    return page(
        request,
        signed,
        "console/rules.html.j2",
        rules=rules,
        describe=_describe,
        action_kinds=ACTIONS,
    )


@router.get("/rules/new")
async def new_rule(request: Request, signed: Configure):
    values, filters, actions = _typed_of(None)
    return await _show_form(request, signed, None, values, filters, actions)


@router.post("/rules")
async def create_rule(request: Request, signed: Configure):
    return await _submit(request, signed, None)


@router.get("/rules/{rule_id}")
async def edit_rule(rule_id: int, request: Request, signed: Configure):
    values, filters, actions = _typed_of(s.RuleOut.of(await service.get_rule(rule_id)))
    return await _show_form(request, signed, rule_id, values, filters, actions)


@router.post("/rules/{rule_id}")
async def update_rule(rule_id: int, request: Request, signed: Configure):
    await service.get_rule(rule_id)  # 404 before reading the form
    return await _submit(request, signed, rule_id)


@router.post("/rules/{rule_id}/delete")
async def delete_rule(rule_id: int, signed: Configure):
    await service.delete_rule(signed.user, rule_id)
    return RedirectResponse("/console/rules?ok=deleted", status_code=303)


@router.post("/rules/{rule_id}/preview")
async def preview_rule(rule_id: int, request: Request, today: TodayDep, signed: RunRules):
    """Pré-visualizar: the counts a run would write today, shown on the rule's page."""
    rule = s.RuleOut.of(await service.get_rule(rule_id))
    selection = await service.preview(signed.user, rule_id, today)
    values, filters, actions = _typed_of(rule)
    shown = s.PreviewOut(**selection.__dict__)
    return await _show_form(request, signed, rule_id, values, filters, actions, preview=shown)


@router.post("/rules/{rule_id}/run")
async def run_rule(
    rule_id: int, today: TodayDep, tasks: BackgroundTasks, signed: RunRules, settings: SettingsDep
):
    """Executar: starts the run in the background exactly as the API does, then shows it."""
    run = await service.start_run(signed.user, rule_id, today)
    tasks.add_task(service.execute, run.id, today, settings.tz)
    return RedirectResponse(f"/console/runs/{run.id}?ok=started", status_code=303)


@router.get("/runs/{run_id}")
async def show_run(run_id: int, request: Request, signed: RunRules):
    run = await run_out(await catalog.existing(RuleRun, run_id, "execução"))
    rule = s.RuleOut.of(await service.get_rule(run.rule_id))
    return page(
        request,
        signed,
        "console/run.html.j2",
        run=run,
        rule=rule,
        running=run.status == RunStatus.RUNNING.value,
    )


@router.get("/runs/{run_id}/status.json")
async def run_status(run_id: int, signed: RunRules):
    run = await run_out(await catalog.existing(RuleRun, run_id, "execução"))
    return JSONResponse(
        {
            "status": run.status,
            "status_label": label(run.status, RunStatus),
            "progress": run.progress,
            "log": run.log,
            "error": run.error,
            "customers": run.customers_count,
            "receivables": run.receivables_count,
            "amount": str(run.amount),
            "campaign_id": run.campaign_id,
        },
        headers={"Cache-Control": "no-store"},
    )
