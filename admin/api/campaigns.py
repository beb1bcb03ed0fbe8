"""The call list: campaigns, entries, results, negotiation, export to an agency."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from admin import schemas as s
from admin.deps import (
    CanConfigure,
    CanExport,
    CanHandleConversations,
    CanNegotiate,
    CanRecordResults,
    CanViewCampaigns,
    SettingsDep,
    TodayDep,
)
from admin.schemas.base import IdPath, IdQuery, Offset
from admin.views import entry_detail, entry_out, export_csv
from models.enums import EntryState
from negotiation import campaign_setup
from negotiation import campaigns as service

router = APIRouter(tags=["campanhas"])


@router.get("/campaigns", response_model=list[s.CampaignOut], summary="Call campaigns")
async def list_campaigns(user: CanViewCampaigns):
    return [s.CampaignOut.model_validate(c) for c in await service.campaigns(user)]


@router.patch(
    "/campaigns/{campaign_id}",
    response_model=s.CampaignOut,
    summary="Set a campaign's contact type (the robot's: the dialer calls it) or active flag",
)
async def patch_campaign(campaign_id: IdPath, data: s.CampaignIn, user: CanConfigure):
    changes = data.model_dump(exclude_unset=True)
    return s.CampaignOut.model_validate(
        await campaign_setup.update_campaign(user, campaign_id, changes)
    )


@router.get("/entries", response_model=list[s.EntryOut], summary="Call-list entries")
async def list_entries(
    settings: SettingsDep,
    user: CanViewCampaigns,
    campaign_id: IdQuery = None,
    contact_type_id: IdQuery = None,
    agency_id: IdQuery = None,
    day: Annotated[date | None, Query(description="The call turn's day")] = None,
    active: bool | None = None,
    state: EntryState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
):
    where = service.EntryFilter(campaign_id, contact_type_id, agency_id, day, active, state)
    entries = await service.list_entries(user, where, settings.tz, limit, offset)
    return [entry_out(e) for e in entries]


@router.get("/entries/{entry_id}", response_model=s.EntryDetail, summary="One entry, worked")
async def get_entry(entry_id: IdPath, today: TodayDep, user: CanViewCampaigns):
    return await entry_detail(user, entry_id, today)


@router.post(
    "/entries/{entry_id}/start", response_model=s.EntryOut, summary="Take the entry to call now"
)
async def post_start(entry_id: IdPath, user: CanRecordResults, settings: SettingsDep):
    return entry_out(await service.start_call(user, entry_id, settings))


@router.post("/entries/{entry_id}/result", response_model=s.EntryOut, summary="Record a result")
async def post_result(entry_id: IdPath, data: s.ResultIn, user: CanRecordResults):
    entry = await service.record_result(user, entry_id, **data.model_dump())
    return entry_out(entry)


@router.post(
    "/entries/{entry_id}/pause/end",
    response_model=s.EntryDetail,
    summary="End the debtor's collection pause early (the receipt checked, the dispute settled)",
    responses={409: {"description": "Collection of this debtor is not paused"}},
)
async def post_pause_end(
    entry_id: IdPath, data: s.PauseEndIn, today: TodayDep, user: CanHandleConversations
):
    await service.end_pause(user, entry_id, data.reason, today)
    return await entry_detail(user, entry_id, today)


@router.post(
    "/entries/{entry_id}/agreement",
    response_model=s.AgreementOut,
    status_code=201,
    summary="Negotiate: accept one of the entry's offers",
)
async def post_agreement(
    entry_id: IdPath,
    data: s.NegotiateIn,
    today: TodayDep,
    settings: SettingsDep,
    user: CanNegotiate,
):
    agreement = await service.negotiate(
        user, entry_id, today=today, settings=settings, **data.model_dump()
    )
    return s.AgreementOut.model_validate(agreement)


@router.post(
    "/exports",
    summary="Export entries to an agency (CSV file)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def post_export(data: s.ExportIn, settings: SettingsDep, user: CanExport):
    return await export_csv(user, data, settings)
