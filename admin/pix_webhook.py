"""POST /pix/webhook: the PSP tells us a Pix was paid (Banco Central's Pix API webhook)."""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from negotiation.pix_settlement import settle_pix_webhook

router = APIRouter(tags=["webhooks"])


@router.post("/pix/webhook", summary="Pix API webhook (PSP → Quita)")
async def pix_webhook(
    request: Request, x_webhook_secret: str | None = Header(default=None)
) -> JSONResponse:
    secret = request.app.state.settings.pix_webhook_secret
    if (
        not secret
        or not x_webhook_secret
        or not hmac.compare_digest(secret.encode(), x_webhook_secret.encode())
    ):
        return JSONResponse(status_code=401, content={"detail": "webhook não autenticado"})
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return JSONResponse(status_code=400, content={"detail": "corpo não é JSON"})
    result = await settle_pix_webhook(body)
    return JSONResponse(
        {"settled": result.settled, "replayed": result.replayed, "unknown": result.unknown}
    )
