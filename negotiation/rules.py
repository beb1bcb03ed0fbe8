"""Collection rules (Regra de Cobrança): filters, actions, amount limits and linked conditions,
written with their audit entry. `data` is RuleIn's validated dict (filters already checked by
rule_filters.check_filter); the API and the console both call these."""

from __future__ import annotations

import logging
from datetime import date, tzinfo
from typing import Any

from tortoise.transactions import in_transaction

from models import CollectionAction, CollectionRule, PaymentCondition, RuleFilter, RuleRun, User
from negotiation import audit, catalog, message_templates, rule_run
from negotiation.contact_windows import BRASILIA
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission, ensure

_PARTS = ("filters", "actions", "condition_ids")
# The robot's retries: minutes between calls of one entry (a week at most), calls in all.
RETRY_MINUTES = (1, 7 * 24 * 60)
MAX_ATTEMPTS = (1, 20)
log = logging.getLogger("quita.runs")


async def get_rule(rule_id: int) -> CollectionRule:
    """The rule with its filters, actions and conditions loaded; NotFound when there is none."""
    rule = await catalog.existing(CollectionRule, rule_id, "regra")
    await rule.fetch_related("filters", "actions", "conditions")
    return rule


async def list_rules() -> list[CollectionRule]:
    return list(await CollectionRule.all().prefetch_related("filters", "actions", "conditions"))


def _snapshot(rule: CollectionRule) -> dict[str, Any] | None:
    return audit.snapshot(
        rule,
        filters=[
            {"field": f.field, "operator": f.operator, "value": f.value} for f in rule.filters
        ],
        actions=[audit.snapshot(a) for a in rule.actions],
        condition_ids=[c.id for c in rule.conditions],
    )


async def _linkable(ids: list[int]) -> list[PaymentCondition]:
    conditions = await PaymentCondition.filter(id__in=ids)
    missing = set(ids) - {c.id for c in conditions}
    if missing:
        raise InvalidInput(f"condition_ids: condição {sorted(missing)} não existe")
    if any(c.is_default for c in conditions):
        # The seed: the default condition always shows in the call list, so no rule links it.
        raise InvalidInput("condition_ids: a condição padrão não pode ser ligada a uma regra")
    return conditions


def _check_retries(data: dict[str, Any]) -> None:
    """The robot's retry interval and attempt limit, in range (pt-BR messages)."""
    low, high = RETRY_MINUTES
    retry = data.get("retry_minutes", 120)
    if isinstance(retry, bool) or not isinstance(retry, int) or not low <= retry <= high:
        raise InvalidInput(
            f"retry_minutes: o intervalo entre tentativas deve ser de {low} a {high} minutos"
        )
    low, high = MAX_ATTEMPTS
    attempts = data.get("max_attempts", 3)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not low <= attempts <= high:
        raise InvalidInput(f"max_attempts: o limite de tentativas deve ser de {low} a {high}")


async def save_rule(by: User, data: dict[str, Any], rule_id: int | None = None) -> CollectionRule:
    """Create (no id) or replace a rule with its parts, and the audit entry, at once."""
    ensure(by, Permission.CONFIGURE)
    _check_retries(data)
    if rule_id is None:
        rule, action, before = CollectionRule(), "create", None
    else:
        rule, action = await get_rule(rule_id), "update"
        before = _snapshot(rule)
    conditions = await _linkable(data["condition_ids"])
    for number, part in enumerate(data["actions"], 1):
        await message_templates.template_for_action(
            part.get("message_template_id"), part["kind"], number
        )
    async with in_transaction() as conn:
        rule.update_from_dict({k: v for k, v in data.items() if k not in _PARTS})
        await rule.save(using_db=conn)
        await RuleFilter.filter(rule_id=rule.id).using_db(conn).delete()
        await CollectionAction.filter(rule_id=rule.id).using_db(conn).delete()
        await RuleFilter.bulk_create(
            [
                RuleFilter.line(rule, i, f["field"], f["operator"], f["value"])
                for i, f in enumerate(data["filters"])
            ],
            using_db=conn,
        )
        await CollectionAction.bulk_create(
            [CollectionAction(rule=rule, **a) for a in data["actions"]], using_db=conn
        )
        await rule.conditions.clear(using_db=conn)
        if conditions:
            await rule.conditions.add(*conditions, using_db=conn)
        await audit.record(
            user=by,
            action=action,
            entity="collection_rule",
            entity_id=rule.id,
            before=before,
            after=data,
            using_db=conn,
        )
    return await get_rule(rule.id)


async def delete_rule(by: User, rule_id: int) -> None:
    """Refused (Conflict) while runs or campaigns point to it."""
    ensure(by, Permission.CONFIGURE)
    rule = await get_rule(rule_id)
    await catalog.delete(rule, by, before=_snapshot(rule))


# --- Executar: preview and run ----------------------------------------------------------------


async def preview(by: User, rule_id: int, today: date) -> rule_run.RuleSelection:
    """The counts a run would write today, writing nothing."""
    ensure(by, Permission.RUN_RULES)
    return await rule_run.preview(rule_id, today)


async def start_run(by: User, rule_id: int, today: date) -> RuleRun:
    """Open a run (the caller executes it in the background with `execute`); a rule that
    cannot run says why now, with a 4xx, before any run is written."""
    ensure(by, Permission.RUN_RULES)
    await rule_run.preview(rule_id, today)
    return await rule_run.start_run(rule_id, by.id)


async def execute(run_id: int, today: date, timezone: tzinfo | str | None = None) -> None:
    """`timezone`: the ISP's (debtors without a known state, the log's times)."""
    # The run records its own failure (status failed, error, log); here it only must not
    # escape into the server as an unhandled task error.
    try:
        await rule_run.execute_run(run_id, today, timezone=timezone or BRASILIA)
    except Exception:
        log.exception("rule run %s failed", run_id)
