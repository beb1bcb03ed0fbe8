"""Modelos de mensagem: the pt-BR templates of the rule actions per channel, edited with a
live preview (a sample debtor, rendered by the service) and, for SMS, the segment count.

The preview is an HTML fragment from POST /console/message-templates/preview: the page's
script sends the form there as it is typed; without the script, the "Pré-visualizar" button
re-renders the whole form with the preview.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.console.conditions import field_errors
from admin.console.render import page
from admin.deps import Page, SettingsDep, TodayDep
from models.enums import DeliveryChannel
from negotiation import message_templates as service
from negotiation.errors import Conflict, InvalidInput
from negotiation.labels import choices
from negotiation.permissions import Permission
from negotiation.rendering import render_html
from negotiation.sms_text import MAX_SEGMENTS

router = APIRouter(prefix="/console")
Configure = Page(Permission.CONFIGURE)
CHANNELS = choices(DeliveryChannel)
BASE = "/console/message-templates"


def _form_data(form: Any) -> dict[str, Any]:
    text = {k: str(form.get(k, "")).replace("\r\n", "\n") for k in ("subject", "text", "html")}
    return {
        "channel": str(form.get("channel", "")).strip() or DeliveryChannel.EMAIL.value,
        "name": str(form.get("name", "")).strip(),
        "subject": text["subject"].strip() or None,
        "text": text["text"],
        "html": text["html"].strip() or None,
        "active": form.get("active") == "on",
    }


def _preview(data: dict[str, Any], settings, today) -> tuple[Any, str | None]:
    """The rendered sample, or the reason it cannot be rendered (pt-BR)."""
    if data["channel"] not in CHANNELS:
        return None, "escolha o canal"
    try:
        return service.preview({**data, "name": data["name"] or "prévia"}, settings, today), None
    except InvalidInput as error:
        # The service names the field first ("text: …") for the form; the preview shows words.
        field, sep, words = str(error).partition(": ")
        return None, words if sep and field.replace("/", "").isidentifier() else str(error)


def _fragment(rendered, problem: str | None) -> str:
    return render_html(
        "console/message_preview.html.j2",
        rendered=rendered,
        problem=problem,
        max_segments=MAX_SEGMENTS,
    )


async def _form(
    request: Request,
    signed,
    settings,
    today,
    template_id: int | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
):
    rendered, problem = _preview(values, settings, today)
    return page(
        request,
        signed,
        "console/message_template_form.html.j2",
        status_code=status_code,
        template_id=template_id,
        v=values,
        errors=errors or {},
        channels=CHANNELS,
        variables=service.VARIABLES,
        preview=_fragment(rendered, problem),
    )


@router.get("/message-templates")
async def list_page(request: Request, signed: Configure):
    return page(
        request,
        signed,
        "console/message_templates.html.j2",
        templates=await service.list_templates(),
        channels=CHANNELS,
    )


@router.get("/message-templates/new")
async def new_page(request: Request, signed: Configure, settings: SettingsDep, today: TodayDep):
    channel = request.query_params.get("channel", DeliveryChannel.EMAIL.value)
    values = {"channel": channel, "name": "", "subject": "", "text": "", "html": "", "active": True}
    return await _form(request, signed, settings, today, None, values)


def _values_of(template) -> dict[str, Any]:
    """A saved template as the form shows it."""
    return {
        "channel": template.channel,
        "name": template.name,
        "subject": template.subject or "",
        "text": template.text,
        "html": template.html or "",
        "active": template.active,
    }


@router.get("/message-templates/{template_id:int}")
async def edit_page(
    template_id: int, request: Request, signed: Configure, settings: SettingsDep, today: TodayDep
):
    values = _values_of(await service.get_template(template_id))
    return await _form(request, signed, settings, today, template_id, values)


@router.post("/message-templates/preview")
async def preview_fragment(
    request: Request, signed: Configure, settings: SettingsDep, today: TodayDep
):
    rendered, problem = _preview(_form_data(await request.form()), settings, today)
    return HTMLResponse(_fragment(rendered, problem), headers={"Cache-Control": "no-store"})


async def _save(request: Request, signed, settings, today, template_id: int | None):
    form = await request.form()
    data = _form_data(form)
    if form.get("preview_only"):
        return await _form(request, signed, settings, today, template_id, data)
    try:
        saved = await service.save_template(signed.user, data, settings, today, template_id)
    except (InvalidInput, Conflict) as error:
        errors = field_errors(InvalidInput(str(error)))
        return await _form(request, signed, settings, today, template_id, data, errors, 422)
    ok = "created" if template_id is None else "saved"
    return RedirectResponse(f"{BASE}/{saved.id}?ok={ok}", status_code=303)


@router.post("/message-templates")
async def create(request: Request, signed: Configure, settings: SettingsDep, today: TodayDep):
    return await _save(request, signed, settings, today, None)


@router.post("/message-templates/{template_id:int}")
async def save(
    template_id: int, request: Request, signed: Configure, settings: SettingsDep, today: TodayDep
):
    return await _save(request, signed, settings, today, template_id)


@router.post("/message-templates/{template_id:int}/delete")
async def delete(
    template_id: int, request: Request, signed: Configure, settings: SettingsDep, today: TodayDep
):
    try:
        await service.delete_template(signed.user, template_id)
    except Conflict as error:
        values = _values_of(await service.get_template(template_id))
        errors = {"in_use": str(error)}
        return await _form(request, signed, settings, today, template_id, values, errors, 409)
    return RedirectResponse(f"{BASE}?ok=deleted", status_code=303)
