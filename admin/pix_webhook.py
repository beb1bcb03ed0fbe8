"""POST /pix/webhook: the PSP tells us a Pix was paid (Banco Central's Pix API webhook)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from negotiation.pix_settlement import settle_pix_webhook
from negotiation.webhook_secret import secret_matches

router = APIRouter(tags=["webhooks"])


@router.post("/pix/webhook", summary="Pix API webhook (PSP → Quita)")
async def pix_webhook(
    request: Request, x_webhook_secret: str | None = Header(default=None)
) -> JSONResponse:
    """Each item is settled on its own and reported in `items`. 200 when nothing is worth
    sending again (items settled, replayed, unknown or invalid); 503 when an item failed for
    a reason a retry can fix: the PSP's replay then settles only what is missing."""
    if not secret_matches(request.app.state.settings.pix_webhook_secret, x_webhook_secret):
        return JSONResponse(status_code=401, content={"detail": "webhook não autenticado"})
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return JSONResponse(status_code=400, content={"detail": "corpo não é JSON"})
    result = await settle_pix_webhook(body)
    return JSONResponse(
        status_code=503 if result.retry_needed else 200,
        content={
            "items": [item.as_dict() for item in result.items],
            "settled": result.settled,
            "replayed": result.replayed,
            "unknown": result.unknown,
        },
    )
