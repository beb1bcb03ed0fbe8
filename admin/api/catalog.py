"""Status Serasa, result types, contact types and agencies: one create/read/update/delete
router per catalog over negotiation.catalog's audited writes.

No `from __future__ import annotations` here: FastAPI must see the real body classes.
"""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from tortoise.models import Model

from admin import schemas as s
from admin.deps import CanConfigure, CanRecordResults
from admin.schemas.base import IdPath
from models import Agency, CollectionStatus, ContactType, ResultType
from negotiation import catalog


def catalog_router(
    model: type[Model],
    body: type[BaseModel],
    out: type[BaseModel],
    path: str,
    label: str,
    reader: Any = CanConfigure,
) -> APIRouter:
    """`reader`: who may read the catalog (negotiation.permissions.RESOURCES)."""
    router = APIRouter(prefix=f"/{path}", tags=["configuração"])

    @router.get("", response_model=list[out], summary=f"List {path}")
    async def list_items(_: reader):  # type: ignore[valid-type]
        return [out.model_validate(i) for i in await model.all()]

    @router.get("/{item_id}", response_model=out, summary=f"One of {path}")
    async def get_item(item_id: IdPath, _: reader):  # type: ignore[valid-type]
        return out.model_validate(await catalog.existing(model, item_id, label))

    @router.post("", response_model=out, status_code=201, summary=f"Create in {path}")
    async def create_item(data: body, user: CanConfigure):  # type: ignore[valid-type]
        return out.model_validate(await catalog.create(model, data.model_dump(), user))

    @router.put("/{item_id}", response_model=out, summary=f"Replace one of {path}")
    async def update_item(item_id: IdPath, data: body, user: CanConfigure):  # type: ignore[valid-type]
        item = await catalog.existing(model, item_id, label)
        return out.model_validate(await catalog.update(item, data.model_dump(), user))

    @router.delete("/{item_id}", status_code=204, summary=f"Delete one of {path}")
    async def delete_item(item_id: IdPath, user: CanConfigure) -> None:
        await catalog.delete(await catalog.existing(model, item_id, label), user)

    return router


router = APIRouter()
router.include_router(
    catalog_router(
        CollectionStatus,
        s.CollectionStatusIn,
        s.CollectionStatusOut,
        "collection-statuses",
        "status de cobrança",
        reader=CanRecordResults,  # what recording a result picks from
    )
)
router.include_router(
    catalog_router(
        ResultType,
        s.ResultTypeIn,
        s.ResultTypeOut,
        "result-types",
        "tipo de resultado",
        reader=CanRecordResults,
    )
)
router.include_router(
    catalog_router(
        ContactType,
        s.ContactTypeIn,
        s.ContactTypeOut,
        "contact-types",
        "tipo de contato",
        reader=CanRecordResults,
    )
)
router.include_router(catalog_router(Agency, s.AgencyIn, s.AgencyOut, "agencies", "escritório"))
