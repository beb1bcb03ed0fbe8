"""Every phone call (robot and inbound): when, how long, outcome, keys pressed, agreement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin import schemas as s
from admin.deps import CanViewCustomer
from admin.schemas.base import IdPath, IdQuery, Offset
from models import Call
from negotiation import catalog

router = APIRouter(prefix="/calls", tags=["ligações"])


@router.get("", response_model=list[s.CallOut], summary="Calls, newest first")
async def list_calls(
    _: CanViewCustomer,
    customer_id: IdQuery = None,
    entry_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
):
    query = Call.all()
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    if entry_id is not None:
        query = query.filter(entry_id=entry_id)
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return [s.CallOut.model_validate(c) for c in rows]


@router.get("/{call_id}", response_model=s.CallOut, summary="One call")
async def get_call(call_id: IdPath, _: CanViewCustomer):
    return s.CallOut.model_validate(await catalog.existing(Call, call_id, "ligação"))
