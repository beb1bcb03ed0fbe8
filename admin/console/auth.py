"""Sign in and out of the console.

The sign-in form carries a CSRF token of its own (there is no session yet to bind one to):
a random value in an HttpOnly cookie scoped to /console/login, and in the form its HMAC
under the app's secret key. A page elsewhere can neither read the cookie nor forge the
HMAC, so it cannot sign a browser in to an account of its choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.console.session import close_session, open_session
from admin.security import NotAuthenticated, authenticate, client_address
from negotiation.rendering import render_html
from negotiation.sign_in_throttle import TooManySignIns

router = APIRouter(prefix="/console")

LOGIN_COOKIE = "quita_login"
_LOGIN_PATH = "/console/login"


def _safe_next(target: str | None) -> str:
    # Only back into the console: never an open redirect.
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


def _form_token(secret: str, nonce: str) -> str:
    message = b"console-login:" + nonce.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _nonce_of(request: Request) -> str | None:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    return nonce if 20 <= len(nonce) <= 64 and nonce.isascii() else None


def _login_page(
    request: Request,
    *,
    next: str | None,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    # The same cookie for every open sign-in tab: a new page does not void another's form.
    nonce = _nonce_of(request) or secrets.token_urlsafe(32)
    html = render_html(
        "console/login.html.j2",
        next=_safe_next(next),
        error=error,
        username=username,
        csrf_token=_form_token(settings.secret_key, nonce),
        isp={"name": settings.isp_name},
    )
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https://"),
        path=_LOGIN_PATH,
    )
    return response


def _form_is_ours(request: Request, token: str) -> bool:
    nonce = _nonce_of(request)
    expected = nonce and _form_token(request.app.state.settings.secret_key, nonce)
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next=next)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console",
    csrf_token: Annotated[str, Form()] = "",
):
    if not _form_is_ours(request, csrf_token):
        refused = "A página de entrada expirou ou o pedido não veio dela. Tente entrar de novo."
        return _login_page(request, next=next, error=refused, username=username, status_code=403)
    try:
        user = await authenticate(username.strip(), password, client_address(request))
    except TooManySignIns as error:
        message = str(error)
        return _login_page(
            request,
            next=next,
            error=message[0].upper() + message[1:] + ".",
            username=username,
            status_code=429,
            headers={"Retry-After": str(error.retry_after)},
        )
    except NotAuthenticated:
        wrong = "Usuário ou senha incorretos."
        return _login_page(request, next=next, error=wrong, username=username, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    await open_session(response, user, request)
    return response


@router.post("/logout")
async def logout(request: Request):
    # Signing out needs no CSRF check: the worst a forged one does is sign someone out.
    response = RedirectResponse("/console/login", status_code=303)
    await close_session(request, response)
    return response
