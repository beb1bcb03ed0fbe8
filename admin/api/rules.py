"""Collection rules (Regra de Cobrança): filters, actions, amount limits, linked conditions."""

from __future__ import annotations

from fastapi import APIRouter
from tortoise.transactions import in_transaction

from admin.api.crud import audited_delete, get_or_404
from admin.schemas import RuleIn, RuleOut
from admin.security import CurrentUser, require
from models import CollectionAction, CollectionRule, PaymentCondition, RuleFilter, User
from negotiation import audit
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission

router = APIRouter(prefix="/rules", tags=["regras"])
configure = require(Permission.CONFIGURE)


async def _out(rule: CollectionRule) -> RuleOut:
    await rule.fetch_related("filters", "actions", "conditions")
    return RuleOut(
        **{
            k: getattr(rule, k)
            for k in RuleOut.model_fields
            if k not in ("filters", "actions", "condition_ids")
        },
        filters=list(rule.filters),
        actions=list(rule.actions),
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


async def _save(rule: CollectionRule, data: RuleIn, user: User, action: str) -> RuleOut:
    conditions = await _linkable(data.condition_ids)
    before = None if rule.id is None else (await _out(rule)).model_dump()
    async with in_transaction() as conn:
        rule.update_from_dict(data.model_dump(exclude={"filters", "actions", "condition_ids"}))
        await rule.save(using_db=conn)
        await RuleFilter.filter(rule_id=rule.id).using_db(conn).delete()
        await CollectionAction.filter(rule_id=rule.id).using_db(conn).delete()
        await RuleFilter.bulk_create(
            [
                RuleFilter.line(rule, i, f.field, f.operator, f.value)
                for i, f in enumerate(data.filters)
            ],
            using_db=conn,
        )
        await CollectionAction.bulk_create(
            [CollectionAction(rule=rule, **a.model_dump()) for a in data.actions], using_db=conn
        )
        await rule.conditions.clear(using_db=conn)
        if conditions:
            await rule.conditions.add(*conditions, using_db=conn)
        await audit.record(
            user=user,
            action=action,
            entity="collection_rule",
            entity_id=rule.id,
            before=before,
            after=data.model_dump(),
            using_db=conn,
        )
    return await _out(rule)


@router.get("", response_model=list[RuleOut], summary="List collection rules")
async def list_rules(_: CurrentUser):
    return [await _out(r) for r in await CollectionRule.all()]


@router.get("/{rule_id}", response_model=RuleOut, summary="One collection rule")
async def get_rule(rule_id: int, _: CurrentUser):
    return await _out(await get_or_404(CollectionRule, rule_id, "regra"))


@router.post("", response_model=RuleOut, status_code=201, summary="Create a collection rule")
async def create_rule(data: RuleIn, user: User = configure):
    return await _save(CollectionRule(), data, user, "create")


@router.put("/{rule_id}", response_model=RuleOut, summary="Replace a collection rule")
async def update_rule(rule_id: int, data: RuleIn, user: User = configure):
    return await _save(await get_or_404(CollectionRule, rule_id, "regra"), data, user, "update")


@router.delete("/{rule_id}", status_code=204, summary="Delete a collection rule")
async def delete_rule(rule_id: int, user: User = configure) -> None:
    rule = await get_or_404(CollectionRule, rule_id, "regra")
    await audited_delete(rule, user, before=(await _out(rule)).model_dump())
