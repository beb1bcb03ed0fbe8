"""Caixa de saída (demo): in the sandbox (QUITA_SANDBOX), everything Quita would have sent,
newest first, as the debtor would have seen it; attachments download. Without the sandbox the
page does not exist."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from admin.console.render import page
from admin.deps import Page
from models import SandboxChannel
from negotiation import sandbox
from negotiation.errors import NotFound
from negotiation.labels import choices
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
ViewOutbox = Page(Permission.VIEW_CUSTOMER)  # the debtors' messages are customer data

CHANNELS = choices(SandboxChannel)


def _require_sandbox(request: Request) -> None:
    if not request.app.state.settings.sandbox:
        raise NotFound("a caixa de saída só existe no modo demonstração (QUITA_SANDBOX)")


@router.get("/outbox")
async def outbox_page(request: Request, signed: ViewOutbox):
    _require_sandbox(request)
    channel = request.query_params.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    tz = request.app.state.settings.tz
    items = await sandbox.outbox(channel=channel or None)
    rows = [
        {
            "item": item,
            "when": item.message.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S"),
        }
        for item in items
    ]
    return page(
        request,
        signed,
        "console/outbox.html.j2",
        rows=rows,
        channel=channel,
        channels=CHANNELS,
    )


@router.get("/outbox/{message_id}/attachments/{attachment_id}")
async def outbox_attachment(
    message_id: int, attachment_id: int, request: Request, signed: ViewOutbox
) -> Response:
    _require_sandbox(request)
    found = await sandbox.attachment(message_id, attachment_id)
    # Images show in the page; anything else (the boleto's PDF) downloads.
    disposition = "inline" if found.mime.startswith("image/") else "attachment"
    return Response(
        found.content,
        media_type=found.mime,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
