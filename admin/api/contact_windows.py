"""Janelas e feriados: each state's calling window (DESIGN.md §7's default until the ISP sets
its own) and the ISP's extra holidays (municipal or state-wide), over
negotiation.contact_calendar's audited writes."""

from __future__ import annotations

from fastapi import APIRouter

from admin import schemas as s
from admin.deps import CanConfigure
from admin.schemas.base import IdPath, TextQuery
from negotiation import contact_calendar as service

router = APIRouter(tags=["configuração"])


@router.get("/contact-windows", response_model=list[s.WindowOut], summary="Windows per state")
async def list_windows(_: CanConfigure):
    return [s.WindowOut.of(w) for w in await service.windows()]


@router.get("/contact-windows/{state}", response_model=s.WindowOut, summary="A state's window")
async def get_window(state: str, _: CanConfigure):
    return s.WindowOut.of(await service.window(state))


@router.put("/contact-windows/{state}", response_model=s.WindowOut, summary="Set a window")
async def put_window(state: str, data: s.WindowIn, user: CanConfigure):
    """Times as HH:MM in the state's own zone; both Saturday times empty: no Saturday."""
    return s.WindowOut.of(await service.set_window(user, state, **data.model_dump()))


@router.delete(
    "/contact-windows/{state}", response_model=s.WindowOut, summary="Back to the default"
)
async def delete_window(state: str, user: CanConfigure):
    return s.WindowOut.of(await service.reset_window(user, state))


@router.get("/holidays", response_model=list[s.HolidayOut], summary="The ISP's holidays")
async def list_holidays(_: CanConfigure, state: TextQuery = None, since: TextQuery = None):
    return [s.HolidayOut.model_validate(h) for h in await service.holidays(state, since)]


@router.post("/holidays", response_model=s.HolidayOut, status_code=201, summary="Add a holiday")
async def post_holiday(data: s.HolidayIn, user: CanConfigure):
    """A municipal holiday (with `city`) or one for the whole state (without)."""
    holiday = await service.add_holiday(user, **data.model_dump())
    return s.HolidayOut.model_validate(holiday)


@router.delete("/holidays/{holiday_id}", status_code=204, summary="Remove a holiday")
async def delete_holiday(holiday_id: IdPath, user: CanConfigure) -> None:
    await service.remove_holiday(user, holiday_id)
