"""Janelas e feriados: every state with its IANA zone and the calling window in force
(DESIGN.md §7's default until the ISP saves its own), an edit page per state, and the ISP's
extra holidays (municipal or state-wide), added and removed here. Writes go through
negotiation.contact_calendar (permission, audit); its pt-BR refusals are shown next to the
field and nothing is saved."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from admin.console.conditions import field_errors
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page
from negotiation import contact_calendar as service
from negotiation.contact_windows import STATES
from negotiation.errors import Conflict, InvalidInput
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
Configure = Page(Permission.CONFIGURE)
_TIMES = ("weekday_start", "weekday_end", "saturday_start", "saturday_end")
_HOLIDAY = ("day", "state", "city", "name")


def _hhmm(value) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def _values_of(shown: service.StateWindow) -> dict[str, str]:
    w = shown.window
    return {
        "weekday_start": _hhmm(w.weekday_start),
        "weekday_end": _hhmm(w.weekday_end),
        "saturday_start": _hhmm(w.saturday_start),
        "saturday_end": _hhmm(w.saturday_end),
    }


async def _list_page(request: Request, signed: Signed, *, values=None, errors=None, status=200):
    return page(
        request,
        signed,
        "console/windows.html.j2",
        status_code=status,
        windows=await service.windows(),
        holidays=await service.holidays(),
        states=STATES,
        values=values or {"day": "", "state": "", "city": "", "name": ""},
        errors=errors or {},
    )


@router.get("/windows")
async def windows_page(request: Request, signed: Configure):
    return await _list_page(request, signed)


def _edit_page(request, signed, shown, values, errors=None, status_code=200):
    return page(
        request,
        signed,
        "console/window_edit.html.j2",
        status_code=status_code,
        w=shown,
        values=values,
        errors=errors or {},
    )


@router.get("/windows/{state}")
async def edit_window(state: str, request: Request, signed: Configure):
    shown = await service.window(state)
    return _edit_page(request, signed, shown, _values_of(shown))


@router.post("/windows/{state}")
async def save_window(state: str, request: Request, signed: Configure):
    shown = await service.window(state)  # 422 for a state that is not one, before the form
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _TIMES}
    try:
        await service.set_window(signed.user, state, **values)
    except InvalidInput as exc:
        return _edit_page(request, signed, shown, values, field_errors(exc), 422)
    return RedirectResponse(f"/console/windows?ok=saved#uf-{shown.state}", status_code=303)


@router.post("/windows/{state}/reset")
async def reset_window(state: str, request: Request, signed: Configure):
    shown = await service.reset_window(signed.user, state)
    return RedirectResponse(f"/console/windows?ok=saved#uf-{shown.state}", status_code=303)


@router.post("/holidays")
async def add_holiday(request: Request, signed: Configure):
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _HOLIDAY}
    try:
        await service.add_holiday(signed.user, **values)
    except (InvalidInput, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        errors = field_errors(InvalidInput(str(exc)))
        return await _list_page(request, signed, values=values, errors=errors, status=status)
    return RedirectResponse("/console/windows?ok=created#feriados", status_code=303)


@router.post("/holidays/{holiday_id}/delete")
async def remove_holiday(holiday_id: int, request: Request, signed: Configure):
    await service.remove_holiday(signed.user, holiday_id)
    return RedirectResponse("/console/windows?ok=deleted#feriados", status_code=303)
