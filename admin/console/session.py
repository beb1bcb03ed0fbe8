"""Console sign-in: a cookie session over the same users and roles as the API.

The cookie (HttpOnly, SameSite=Lax, Secure when the public URL is https) holds a random key;
the database keeps its SHA-256 with the session's CSRF token, so signing out or expiry ends it
for good. Every POST must carry that token (form field `csrf_token` or header X-CSRF-Token).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response

from models import ConsoleSession, User, clock
from negotiation.errors import PermissionDenied, QuitaError
from negotiation.permissions import Permission, allows

COOKIE = "quita_console"


class LoginRequired(QuitaError):
    """No valid session: the console sends the browser to the sign-in page."""

    http_status = 401


class CsrfRefused(PermissionDenied):
    pass


@dataclass(frozen=True)
class Signed:
    user: User
    csrf_token: str

    def can(self, permission: Permission | str) -> bool:
        return allows(self.user.role, Permission(permission))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def open_session(response: Response, user: User, request: Request) -> None:
    settings = request.app.state.settings
    key = secrets.token_urlsafe(32)
    await ConsoleSession.create(
        key_hash=_hash(key),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=clock.now() + timedelta(minutes=settings.token_minutes),
    )
    response.set_cookie(
        COOKIE,
        key,
        max_age=settings.token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https://"),
        path="/console",
    )


async def close_session(request: Request, response: Response) -> None:
    key = request.cookies.get(COOKIE)
    if key:
        await ConsoleSession.filter(key_hash=_hash(key)).delete()
    response.delete_cookie(COOKIE, path="/console")


async def signed_in(request: Request) -> Signed:
    """The signed-in user and their CSRF token; LoginRequired when there is none."""
    key = request.cookies.get(COOKIE)
    session = key and await ConsoleSession.get_or_none(key_hash=_hash(key)).select_related("user")
    if not session or session.expires_at <= clock.now() or not session.user.active:
        raise LoginRequired("faça login para continuar")
    signed = Signed(session.user, session.csrf_token)
    request.state.signed = signed
    return signed


async def check_csrf(request: Request, signed: Signed) -> None:
    """Every state-changing request carries the session's token."""
    given = request.headers.get("X-CSRF-Token")
    if given is None:
        form = await request.form()
        given = str(form.get("csrf_token", ""))
    if not hmac.compare_digest(given.encode(), signed.csrf_token.encode()):
        raise CsrfRefused("formulário expirado ou de outra origem (CSRF); recarregue a página")


def allowed(permission: Permission | None = None):
    """Dependency of a console page: signed in, allowed, and for POSTs the CSRF token."""
    from fastapi import Depends

    async def check(request: Request) -> Signed:
        signed = await signed_in(request)
        if permission is not None and not signed.can(permission):
            raise PermissionDenied("seu perfil não pode abrir esta página")
        if request.method not in ("GET", "HEAD"):
            await check_csrf(request, signed)
        return signed

    return Depends(check)
