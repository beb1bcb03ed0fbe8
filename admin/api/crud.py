"""Create/read/update/delete for the small catalogs, written once for all of them.

No `from __future__ import annotations` here: FastAPI must see the real body classes.
"""

from fastapi import APIRouter
from pydantic import BaseModel
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from admin.security import CurrentUser, require
from models import User
from negotiation import audit
from negotiation.catalog import ensure_unused, in_use_message
from negotiation.errors import Conflict, NotFound
from negotiation.permissions import Permission


async def get_or_404(model: type[Model], item_id: int, label: str) -> Model:
    item = await model.get_or_none(id=item_id)
    if item is None:
        raise NotFound(f"{label} {item_id} não existe")
    return item


async def audited_delete(item: Model, user: User, before: dict | None = None) -> None:
    """Delete a row and write the audit entry (with what it was) in one transaction. A row
    that history points to is refused (Conflict, saying where it is used), never deleted."""
    try:
        async with in_transaction() as conn:
            await ensure_unused(item, conn)
            await audit.record(
                user=user,
                action="delete",
                entity=item._meta.db_table,
                entity_id=item.id,
                before=before if before is not None else audit.snapshot(item),
                using_db=conn,
            )
            await item.delete(using_db=conn)
    except IntegrityError:
        # Put to use by someone else between the check and the delete: the database's
        # ON DELETE RESTRICT said no, and the transaction wrote nothing.
        raise Conflict(in_use_message(item, [])) from None


async def audited_create(model: type[Model], values: dict, user: User) -> Model:
    """Create a row and write the audit entry in one transaction."""
    async with in_transaction() as conn:
        item = await model.create(using_db=conn, **values)
        await audit.record(
            user=user,
            action="create",
            entity=model._meta.db_table,
            entity_id=item.id,
            after=audit.snapshot(item),
            using_db=conn,
        )
    return item


async def audited_update(item: Model, values: dict, user: User) -> Model:
    """Change a row and write the audit entry (before and after) in one transaction."""
    before = audit.snapshot(item)
    async with in_transaction() as conn:
        item.update_from_dict(values)
        await item.save(using_db=conn)
        await audit.record(
            user=user,
            action="update",
            entity=item._meta.db_table,
            entity_id=item.id,
            before=before,
            after=audit.snapshot(item),
            using_db=conn,
        )
    return item


def catalog_router(
    model: type[Model], body: type[BaseModel], out: type[BaseModel], path: str, label: str
) -> APIRouter:
    router = APIRouter(prefix=f"/{path}", tags=["configuração"])
    configure = require(Permission.CONFIGURE)

    @router.get("", response_model=list[out], summary=f"List {path}")
    async def list_items(_: CurrentUser):
        return [out.model_validate(i) for i in await model.all()]

    @router.get("/{item_id}", response_model=out, summary=f"One of {path}")
    async def get_item(item_id: int, _: CurrentUser):
        return out.model_validate(await get_or_404(model, item_id, label))

    @router.post("", response_model=out, status_code=201, summary=f"Create in {path}")
    async def create_item(data: body, user: User = configure):  # type: ignore[valid-type]
        return out.model_validate(await audited_create(model, data.model_dump(), user))

    @router.put("/{item_id}", response_model=out, summary=f"Replace one of {path}")
    async def update_item(item_id: int, data: body, user: User = configure):  # type: ignore[valid-type]
        item = await get_or_404(model, item_id, label)
        return out.model_validate(await audited_update(item, data.model_dump(), user))

    @router.delete("/{item_id}", status_code=204, summary=f"Delete one of {path}")
    async def delete_item(item_id: int, user: User = configure) -> None:
        await audited_delete(await get_or_404(model, item_id, label), user)

    return router
