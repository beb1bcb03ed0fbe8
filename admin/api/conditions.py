"""Payment conditions (Condição de Pagamento) with their installment options."""

from __future__ import annotations

from fastapi import APIRouter
from tortoise.transactions import in_transaction

from admin.api.crud import audited_delete, get_or_404
from admin.schemas import ConditionIn, ConditionOut
from admin.security import CurrentUser, require
from models import InstallmentOption, PaymentCondition, User
from negotiation import audit
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission

router = APIRouter(prefix="/conditions", tags=["configuração"])
configure = require(Permission.CONFIGURE)


async def _out(condition: PaymentCondition) -> ConditionOut:
    await condition.fetch_related("options")
    return ConditionOut.model_validate(condition)


async def _save(condition: PaymentCondition, data: ConditionIn, user: User, action: str):
    before = (
        None
        if condition.id is None
        else audit.snapshot(
            condition, options=[audit.snapshot(o) for o in await condition.options.all()]
        )
    )
    if data.is_default and condition.id is not None and await condition.rules.all().exists():
        raise InvalidInput(
            "is_default: a condição padrão aparece sempre na lista; desligue-a das regras antes"
        )
    fields = data.model_dump(exclude={"options"})
    async with in_transaction() as conn:
        if data.is_default:
            # One default at a time: the new one takes over.
            query = PaymentCondition.filter(is_default=True)
            if condition.id is not None:
                query = query.exclude(id=condition.id)
            await query.using_db(conn).update(is_default=False)
        condition.update_from_dict(fields)
        await condition.save(using_db=conn)
        await InstallmentOption.filter(condition_id=condition.id).using_db(conn).delete()
        options = [
            InstallmentOption(condition=condition, position=i, **o.model_dump())
            for i, o in enumerate(data.options)
        ]
        await InstallmentOption.bulk_create(options, using_db=conn)
        await audit.record(
            user=user,
            action=action,
            entity="payment_condition",
            entity_id=condition.id,
            before=before,
            after=audit.snapshot(condition, options=[o.model_dump() for o in data.options]),
            using_db=conn,
        )
    return await _out(condition)


@router.get("", response_model=list[ConditionOut], summary="List payment conditions")
async def list_conditions(_: CurrentUser):
    return [await _out(c) for c in await PaymentCondition.all()]


@router.get("/{condition_id}", response_model=ConditionOut, summary="One payment condition")
async def get_condition(condition_id: int, _: CurrentUser):
    return await _out(await get_or_404(PaymentCondition, condition_id, "condição"))


@router.post("", response_model=ConditionOut, status_code=201, summary="Create a condition")
async def create_condition(data: ConditionIn, user: User = configure):
    return await _save(PaymentCondition(), data, user, "create")


@router.put("/{condition_id}", response_model=ConditionOut, summary="Replace a condition")
async def update_condition(condition_id: int, data: ConditionIn, user: User = configure):
    condition = await get_or_404(PaymentCondition, condition_id, "condição")
    return await _save(condition, data, user, "update")


@router.delete("/{condition_id}", status_code=204, summary="Delete a condition")
async def delete_condition(condition_id: int, user: User = configure) -> None:
    await audited_delete(await get_or_404(PaymentCondition, condition_id, "condição"), user)
