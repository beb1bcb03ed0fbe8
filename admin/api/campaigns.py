"""The call list: campaigns, entries, results, negotiation, export to an agency."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from admin import schemas as s
from admin.api.views import bill_out, customer_record, entry_out, offer_out
from admin.security import require
from models import User
from models.clock import today_in
from models.enums import EntryState
from negotiation import campaigns as service
from negotiation.export import export_to_agency
from negotiation.permissions import Permission

router = APIRouter(tags=["campanhas"])
view = require(Permission.VIEW_CAMPAIGNS)
record = require(Permission.RECORD_RESULTS)
negotiate = require(Permission.NEGOTIATE)
export = require(Permission.EXPORT_TO_AGENCY)


def _today(request: Request) -> date:
    return today_in(request.app.state.settings.timezone)


@router.get("/campaigns", response_model=list[s.CampaignOut], summary="Call campaigns")
async def list_campaigns(user: User = view):
    return [s.CampaignOut.model_validate(c) for c in await service.campaigns(user)]


@router.get("/entries", response_model=list[s.EntryOut], summary="Call-list entries")
async def list_entries(
    request: Request,
    user: User = view,
    campaign_id: int | None = None,
    contact_type_id: int | None = None,
    agency_id: int | None = None,
    day: Annotated[date | None, Query(description="The call turn's day")] = None,
    active: bool | None = None,
    state: EntryState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    where = service.EntryFilter(campaign_id, contact_type_id, agency_id, day, active, state)
    tz = request.app.state.settings.tz
    return [entry_out(e) for e in await service.list_entries(user, where, tz, limit, offset)]


@router.get("/entries/{entry_id}", response_model=s.EntryDetail, summary="One entry, worked")
async def get_entry(entry_id: int, request: Request, user: User = view):
    today = _today(request)
    seen = await service.entry_view(user, entry_id, today)
    return entry_out(
        seen.entry,
        s.EntryDetail,
        record=await customer_record(seen.entry.customer) if seen.show_record else None,
        bills=[bill_out(b, today) for b in seen.bills],
        offers=[offer_out(o) for o in seen.offers],
        calls=[s.CallOut.model_validate(c) for c in seen.calls],
        debt_now=None if seen.debt_now is None else s.DebtOut(**vars(seen.debt_now)),
        debt_note=seen.debt_note,
    )


@router.post(
    "/entries/{entry_id}/start", response_model=s.EntryOut, summary="Take the entry to call now"
)
async def post_start(entry_id: int, request: Request, user: User = record):
    return entry_out(await service.start_call(user, entry_id, request.app.state.settings))


@router.post("/entries/{entry_id}/result", response_model=s.EntryOut, summary="Record a result")
async def post_result(entry_id: int, data: s.ResultIn, user: User = record):
    entry = await service.record_result(user, entry_id, **data.model_dump())
    return entry_out(entry)


@router.post(
    "/entries/{entry_id}/agreement",
    response_model=s.AgreementOut,
    status_code=201,
    summary="Negotiate: accept one of the entry's offers",
)
async def post_agreement(
    entry_id: int, data: s.NegotiateIn, request: Request, user: User = negotiate
):
    agreement = await service.negotiate(
        user,
        entry_id,
        today=_today(request),
        settings=request.app.state.settings,
        **data.model_dump(),
    )
    return s.AgreementOut.model_validate(agreement)


@router.post(
    "/exports",
    summary="Export entries to an agency (CSV file)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def post_export(data: s.ExportIn, request: Request, user: User = export):
    settings = request.app.state.settings
    made = await export_to_agency(
        user,
        data.agency_id,
        data.entry_ids,
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        tz=settings.tz,
    )
    return Response(
        content=made.content.encode("utf-8-sig"),  # the BOM makes Excel read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )
