"""Payment conditions (Condição de Pagamento) with their installment options."""

from __future__ import annotations

from fastapi import APIRouter

from admin.deps import CanConfigure
from admin.schemas.base import IdPath
from admin.schemas.conditions import ConditionIn, ConditionOut
from negotiation import conditions as service

router = APIRouter(prefix="/conditions", tags=["configuração"])


@router.get("", response_model=list[ConditionOut], summary="List payment conditions")
async def list_conditions(_: CanConfigure):
    return [ConditionOut.model_validate(c) for c in await service.list_conditions()]


@router.get("/{condition_id}", response_model=ConditionOut, summary="One payment condition")
async def get_condition(condition_id: IdPath, _: CanConfigure):
    return ConditionOut.model_validate(await service.get_condition(condition_id))


@router.post("", response_model=ConditionOut, status_code=201, summary="Create a condition")
async def create_condition(data: ConditionIn, user: CanConfigure):
    return ConditionOut.model_validate(await service.save_condition(user, data.model_dump()))


@router.put("/{condition_id}", response_model=ConditionOut, summary="Replace a condition")
async def update_condition(condition_id: IdPath, data: ConditionIn, user: CanConfigure):
    saved = await service.save_condition(user, data.model_dump(), condition_id)
    return ConditionOut.model_validate(saved)


@router.delete("/{condition_id}", status_code=204, summary="Delete a condition")
async def delete_condition(condition_id: IdPath, user: CanConfigure) -> None:
    await service.delete_condition(user, condition_id)
