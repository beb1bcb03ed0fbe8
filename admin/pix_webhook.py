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
    if not secret_matches(request.app.state.settings.pix_webhook_secret, x_webhook_secret):
        return JSONResponse(status_code=401, content={"detail": "webhook não autenticado"})
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return JSONResponse(status_code=400, content={"detail": "corpo não é JSON"})
    result = await settle_pix_webhook(body)
    return JSONResponse(
        {"settled": result.settled, "replayed": result.replayed, "unknown": result.unknown}
    )
