"""Payment conditions (Condição de Pagamento) with their installment options: the audited writes
the API and the console both call. `data` is ConditionIn's validated dict (options included)."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import InstallmentOption, PaymentCondition, User
from negotiation import audit, catalog
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission, ensure


async def get_condition(condition_id: int) -> PaymentCondition:
    """The condition with its options loaded; NotFound when there is none."""
    condition = await catalog.existing(PaymentCondition, condition_id, "condição")
    await condition.fetch_related("options")
    return condition


async def list_conditions() -> list[PaymentCondition]:
    conditions = await PaymentCondition.all().prefetch_related("options")
    return list(conditions)


async def save_condition(
    by: User, data: dict[str, Any], condition_id: int | None = None
) -> PaymentCondition:
    """Create (no id) or replace a condition and its options, with the audit entry, at once."""
    ensure(by, Permission.CONFIGURE)
    if condition_id is None:
        condition, action, before = PaymentCondition(), "create", None
    else:
        condition, action = await get_condition(condition_id), "update"
        before = audit.snapshot(condition, options=[audit.snapshot(o) for o in condition.options])
    if data["is_default"] and condition_id is not None and await condition.rules.all().exists():
        raise InvalidInput(
            "is_default: a condição padrão aparece sempre na lista; desligue-a das regras antes"
        )
    options = data["options"]
    fields = {k: v for k, v in data.items() if k != "options"}
    async with in_transaction() as conn:
        if data["is_default"]:
            # One default at a time: the new one takes over.
            query = PaymentCondition.filter(is_default=True)
            if condition_id is not None:
                query = query.exclude(id=condition_id)
            await query.using_db(conn).update(is_default=False)
        condition.update_from_dict(fields)
        await condition.save(using_db=conn)
        await InstallmentOption.filter(condition_id=condition.id).using_db(conn).delete()
        await InstallmentOption.bulk_create(
            [
                InstallmentOption(condition=condition, position=i, **o)
                for i, o in enumerate(options)
            ],
            using_db=conn,
        )
        await audit.record(
            user=by,
            action=action,
            entity="payment_condition",
            entity_id=condition.id,
            before=before,
            after=audit.snapshot(condition, options=options),
            using_db=conn,
        )
    return await get_condition(condition.id)


async def delete_condition(by: User, condition_id: int) -> None:
    """Refused (Conflict) while agreements or rules' history point to it."""
    ensure(by, Permission.CONFIGURE)
    await catalog.delete(await catalog.existing(PaymentCondition, condition_id, "condição"), by)
