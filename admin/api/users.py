"""Users and roles, and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin.deps import CanManageUsers, CanViewAudit
from admin.schemas.base import Offset, TextQuery
from admin.schemas.users import AuditOut, UserIn, UserOut
from models import AuditLog, User
from negotiation import users as service

router = APIRouter(tags=["usuários"])


@router.get("/users", response_model=list[UserOut], summary="List users")
async def list_users(_: CanManageUsers):
    return [UserOut.model_validate(u) for u in await User.all()]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
async def create_user(data: UserIn, user: CanManageUsers):
    return UserOut.model_validate(await service.create_user(user, data.model_dump()))


@router.get("/audit", response_model=list[AuditOut], summary="The audit log, newest first")
async def audit_log(
    _: CanViewAudit,
    entity: TextQuery = None,
    entity_id: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
):
    query = AuditLog.all()
    if entity:
        query = query.filter(entity=entity)
    if entity_id:
        query = query.filter(entity_id=entity_id)
    return [AuditOut.model_validate(a) for a in await query.offset(offset).limit(limit)]
