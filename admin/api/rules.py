"""Collection rules (Regra de Cobrança): filters, actions, amount limits, linked conditions."""

from __future__ import annotations

from fastapi import APIRouter

from admin.deps import CanConfigure
from admin.schemas.base import IdPath
from admin.schemas.rules import RuleIn, RuleOut
from negotiation import rules as service

router = APIRouter(prefix="/rules", tags=["regras"])


@router.get("", response_model=list[RuleOut], summary="List collection rules")
async def list_rules(_: CanConfigure):
    return [RuleOut.of(r) for r in await service.list_rules()]


@router.get("/{rule_id}", response_model=RuleOut, summary="One collection rule")
async def get_rule(rule_id: IdPath, _: CanConfigure):
    return RuleOut.of(await service.get_rule(rule_id))


@router.post("", response_model=RuleOut, status_code=201, summary="Create a collection rule")
async def create_rule(data: RuleIn, user: CanConfigure):
    return RuleOut.of(await service.save_rule(user, data.model_dump()))


@router.put("/{rule_id}", response_model=RuleOut, summary="Replace a collection rule")
async def update_rule(rule_id: IdPath, data: RuleIn, user: CanConfigure):
    return RuleOut.of(await service.save_rule(user, data.model_dump(), rule_id))


@router.delete("/{rule_id}", status_code=204, summary="Delete a collection rule")
async def delete_rule(rule_id: IdPath, user: CanConfigure) -> None:
    await service.delete_rule(user, rule_id)
