"""Every phone call (robot and inbound): when, how long, outcome, keys pressed, agreement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.security import require
from models import Call, User
from negotiation.permissions import Permission

router = APIRouter(prefix="/calls", tags=["ligações"])
view_customer = require(Permission.VIEW_CUSTOMER)


@router.get("", response_model=list[s.CallOut], summary="Calls, newest first")
async def list_calls(
    customer_id: Annotated[int | None, Query()] = None,
    entry_id: Annotated[int | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    _: User = view_customer,
):
    query = Call.all()
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    if entry_id is not None:
        query = query.filter(entry_id=entry_id)
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return [s.CallOut.model_validate(c) for c in rows]


@router.get("/{call_id}", response_model=s.CallOut, summary="One call")
async def get_call(call_id: int, _: User = view_customer):
    return s.CallOut.model_validate(await get_or_404(Call, call_id, "ligação"))
