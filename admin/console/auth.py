"""Sign in and out of the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.console.session import close_session, open_session
from admin.security import NotAuthenticated, authenticate
from negotiation.rendering import render_html

router = APIRouter(prefix="/console")


def _safe_next(target: str | None) -> str:
    # Only back into the console: never an open redirect.
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    settings = request.app.state.settings
    return HTMLResponse(
        render_html(
            "console/login.html.j2",
            next=_safe_next(next),
            error=None,
            username="",
            isp={"name": settings.isp_name},
        )
    )


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console",
):
    try:
        user = await authenticate(username.strip(), password)
    except NotAuthenticated:
        settings = request.app.state.settings
        html = render_html(
            "console/login.html.j2",
            next=_safe_next(next),
            error="Usuário ou senha incorretos.",
            username=username,
            isp={"name": settings.isp_name},
        )
        return HTMLResponse(html, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    await open_session(response, user, request)
    return response


@router.post("/logout")
async def logout(request: Request):
    # Signing out needs no CSRF check: the worst a forged one does is sign someone out.
    response = RedirectResponse("/console/login", status_code=303)
    await close_session(request, response)
    return response
