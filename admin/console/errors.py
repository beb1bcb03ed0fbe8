"""How errors look in the console: sign-in again, or a page that says what went wrong."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.console.render import page
from admin.console.session import LoginRequired
from negotiation.errors import QuitaError

CONSOLE_STATIC = Path(__file__).resolve().parent / "static"

_TITLES = {403: "Acesso negado", 404: "Não encontrado", 409: "Conflito", 422: "Dados inválidos"}


def console_error(request: Request, exc: QuitaError):
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/console"
        return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)
    signed = getattr(request.state, "signed", None)
    title = _TITLES.get(exc.http_status, "Erro")
    if signed is None:
        return HTMLResponse(f"<h1>{title}</h1><p>{exc}</p>", status_code=exc.http_status)
    return page(
        request,
        signed,
        "console/error.html.j2",
        status_code=exc.http_status,
        title=title,
        message=str(exc),
    )
