"""Users and roles, and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Query
from tortoise.transactions import in_transaction

from admin.passwords import hash_password
from admin.schemas import AuditOut, UserIn, UserOut
from admin.security import require
from models import Agency, AuditLog, User
from negotiation import audit
from negotiation.errors import InvalidInput
from negotiation.permissions import Permission

router = APIRouter(tags=["usuários"])
manage = require(Permission.MANAGE_USERS)
view_audit = require(Permission.VIEW_AUDIT)


@router.get("/users", response_model=list[UserOut], summary="List users")
async def list_users(_: User = manage):
    return [UserOut.model_validate(u) for u in await User.all()]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
async def create_user(data: UserIn, user: User = manage):
    if data.agency_id is not None and not await Agency.exists(id=data.agency_id):
        raise InvalidInput(f"agency_id: escritório {data.agency_id} não existe")
    async with in_transaction() as conn:
        created = await User.create(
            using_db=conn,
            password_hash=hash_password(data.password),
            **data.model_dump(exclude={"password"}),
        )
        await audit.record(
            user=user,
            action="create",
            entity="user",
            entity_id=created.id,
            after=audit.snapshot(created, password_hash="***"),
            using_db=conn,
        )
    return UserOut.model_validate(created)


@router.get("/audit", response_model=list[AuditOut], summary="The audit log, newest first")
async def audit_log(
    _: User = view_audit,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
):
    query = AuditLog.all()
    if entity:
        query = query.filter(entity=entity)
    if entity_id:
        query = query.filter(entity_id=entity_id)
    return [AuditOut.model_validate(a) for a in await query.offset(offset).limit(limit)]
