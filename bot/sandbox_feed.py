"""GET /telegram/sandbox/{chat_id}: in the sandbox, what the bot sent to one chat (from the
outbox), for `quita chat`, which posts the debtor's updates to /telegram/webhook and reads the
bot's answers here. Authenticated like the webhook (the same secret header); absent without
the sandbox."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from negotiation import sandbox
from negotiation.webhook_secret import secret_matches

router = APIRouter(tags=["telegram"])


@router.get("/telegram/sandbox/{chat_id}", include_in_schema=False)
async def sandbox_feed(chat_id: str, request: Request, after: int = 0) -> JSONResponse:
    settings = request.app.state.settings
    if not settings.sandbox:
        return JSONResponse({"detail": "a caixa de saída só existe no modo demo"}, status_code=404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
    if not secret_matches(settings.telegram_webhook_secret, given):
        return JSONResponse({"detail": "segredo do webhook inválido"}, status_code=401)
    return JSONResponse({"messages": await sandbox.telegram_chat(chat_id, after=after)})
