"""The call campaign pages: campaigns, the filtered entries list, and the export to an agency.

Every rule (who sees which entries, what may be exported) lives in the services the admin API
calls (negotiation/campaigns.py, negotiation/export.py); these handlers only read the form.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from admin import schemas as s
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page
from admin.views import export_csv
from models import Agency, ContactType
from models.enums import EntryState
from negotiation import campaign_setup
from negotiation import campaigns as service
from negotiation.errors import InvalidInput
from negotiation.labels import choices
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
View = Page(Permission.VIEW_CAMPAIGNS)
Export = Page(Permission.EXPORT_TO_AGENCY)
Configure = Page(Permission.CONFIGURE)

PER_PAGE = 50
EXPORT_MAX = 1000


def _int(value: str | None, field: str, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        errors[field] = "valor inválido"
        return None


def read_filter(query, errors: dict[str, str]) -> service.EntryFilter:
    """The list's filters from the query string (the same EntryFilter the API builds)."""
    day = None
    if query.get("day"):
        try:
            day = date.fromisoformat(query["day"])
        except ValueError:
            errors["day"] = "data inválida"
    active = {"1": True, "0": False}.get(query.get("active", ""))
    state = None
    if query.get("state"):
        try:
            state = EntryState(query["state"])
        except ValueError:
            errors["state"] = "situação inválida"
    return service.EntryFilter(
        campaign_id=_int(query.get("campaign_id"), "campaign_id", errors),
        contact_type_id=_int(query.get("contact_type_id"), "contact_type_id", errors),
        agency_id=_int(query.get("agency_id"), "agency_id", errors),
        day=day,
        active=active,
        state=state,
    )


def _query_of(where: service.EntryFilter) -> dict[str, str]:
    values = {
        "campaign_id": where.campaign_id,
        "contact_type_id": where.contact_type_id,
        "agency_id": where.agency_id,
        "day": where.day.isoformat() if where.day else None,
        "active": None if where.active is None else ("1" if where.active else "0"),
        "state": where.state.value if where.state else None,
    }
    return {k: str(v) for k, v in values.items() if v is not None}


async def _choices() -> dict:
    return {
        "contact_types": await ContactType.filter(active=True),
        "agencies": await Agency.filter(active=True),
        "states": choices(EntryState),
    }


async def _list(
    request: Request,
    signed: Signed,
    campaign_id: int | None = None,
    *,
    setup_errors: dict[str, str] | None = None,
    setup_values: dict | None = None,
):
    errors: dict[str, str] = {}
    query = dict(request.query_params)
    if campaign_id is not None:
        query["campaign_id"] = str(campaign_id)
    where = read_filter(query, errors)
    page_no = max(_int(query.get("page"), "page", errors) or 1, 1)
    tz = request.app.state.settings.tz
    campaigns = await service.campaigns(signed.user)
    entries = []
    if not errors:
        entries = await service.list_entries(
            signed.user, where, tz, PER_PAGE + 1, (page_no - 1) * PER_PAGE
        )
    has_next = len(entries) > PER_PAGE
    base = _query_of(where)
    shown = next((c for c in campaigns if c.id == campaign_id), None)
    setup = setup_values
    if setup is None and shown is not None:
        setup = {"contact_type_id": shown.contact_type_id, "active": shown.active}
    return page(
        request,
        signed,
        "console/campaigns.html.j2",
        status_code=422 if errors or setup_errors else 200,
        campaign=shown,
        setup=setup,
        setup_errors=setup_errors or {},
        campaigns=campaigns,
        entries=entries[:PER_PAGE],
        where=where,
        errors=errors,
        page_no=page_no,
        prev_url=f"?{urlencode({**base, 'page': page_no - 1})}" if page_no > 1 else None,
        next_url=f"?{urlencode({**base, 'page': page_no + 1})}" if has_next else None,
        export_url=f"/console/campaigns/export?{urlencode(base)}",
        **await _choices(),
    )


@router.get("/campaigns")
async def campaigns_page(request: Request, signed: View):
    return await _list(request, signed)


@router.get("/campaigns/{campaign_id:int}")
async def campaign_page(campaign_id: int, request: Request, signed: View):
    return await _list(request, signed, campaign_id)


@router.post("/campaigns/{campaign_id:int}/setup")
async def campaign_setup_post(campaign_id: int, request: Request, signed: Configure):
    """The campaign's contact type and active flag (the same service as the API's PATCH)."""
    form = await request.form()
    errors: dict[str, str] = {}
    type_id = _int(str(form.get("contact_type_id", "")), "contact_type_id", errors)
    changes = {"contact_type_id": type_id, "active": form.get("active") == "on"}
    if not errors:
        try:
            await campaign_setup.update_campaign(signed.user, campaign_id, changes)
            return RedirectResponse(f"/console/campaigns/{campaign_id}?ok=saved", 303)
        except InvalidInput as error:
            field, _, message = str(error).partition(": ")
            errors[field if message else "contact_type_id"] = message or str(error)
    return await _list(request, signed, campaign_id, setup_errors=errors, setup_values=changes)


async def _export_form(
    request: Request,
    signed: Signed,
    query: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    chosen: set[int] | None = None,
    agency_id: int | None = None,
    status_code: int = 200,
):
    errors = dict(errors or {})
    where = read_filter(query, errors)
    tz = request.app.state.settings.tz
    entries = await service.list_entries(signed.user, where, tz, EXPORT_MAX, 0)
    exportable = [e for e in entries if e.state in (EntryState.PENDING, EntryState.SCHEDULED)]
    return page(
        request,
        signed,
        "console/export.html.j2",
        status_code=422 if errors and status_code == 200 else status_code,
        entries=exportable,
        where=where,
        filter_query=urlencode(_query_of(where)),
        errors=errors,
        chosen=chosen,
        agency_id=agency_id,
        **await _choices(),
    )


@router.get("/campaigns/export")
async def export_page(request: Request, signed: Export):
    return await _export_form(request, signed, dict(request.query_params))


@router.post("/campaigns/export")
async def export_post(request: Request, signed: Export):
    form = await request.form()
    errors: dict[str, str] = {}
    agency_id = _int(str(form.get("agency_id", "")), "agency_id", errors)
    if agency_id is None and "agency_id" not in errors:
        errors["agency_id"] = "escolha o escritório de cobrança"
    entry_ids = [int(v) for v in form.getlist("entry_ids") if str(v).isdigit()]
    if not entry_ids:
        errors["entry_ids"] = "escolha ao menos uma entrada"
    query = {k: str(form.get(k, "")) for k in ("campaign_id", "contact_type_id", "day", "state")}
    query["active"] = str(form.get("active", ""))
    if not errors:
        try:
            # Exactly the API's export: the same service, the same CSV response.
            data = s.ExportIn(agency_id=agency_id, entry_ids=entry_ids)
            return await export_csv(signed.user, data, request.app.state.settings)
        except InvalidInput as error:
            field, _, message = str(error).partition(": ")
            if not message:
                field, message = "entry_ids", str(error)
            errors[field] = message
    return await _export_form(
        request,
        signed,
        query,
        errors=errors,
        chosen=set(entry_ids),
        agency_id=agency_id,
        status_code=422,
    )
