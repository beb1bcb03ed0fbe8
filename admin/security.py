"""Bearer tokens (OAuth2 password flow) and the signed-in user; the permission dependencies
are admin.deps' (Requires), over negotiation.permissions.ensure."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from models import User, clock
from negotiation import sign_in_throttle
from negotiation.errors import QuitaError
from negotiation.passwords import verify_password


class NotAuthenticated(QuitaError):
    http_status = 401


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def issue_token(user: User, secret: str, minutes: int) -> str:
    expires = clock.now() + timedelta(minutes=minutes)
    return jwt.encode({"sub": str(user.id), "exp": expires}, secret, algorithm="HS256")


async def authenticate(username: str, password: str, address: str = "") -> User:
    """The user, when the password is theirs. Raises TooManySignIns while the username or
    the client address has too many recent failures (the password is then not checked)."""
    await sign_in_throttle.start_attempt(username, address)
    user = await User.get_or_none(username=username)
    # The hash is checked even for an unknown user (against a dummy): the same time either
    # way. Argon2 takes tens of milliseconds: in a thread, not on the event loop.
    hashed = user.password_hash if user else None
    matches = await run_in_threadpool(verify_password, password, hashed)
    if user is None or not user.active or not matches:
        raise NotAuthenticated("usuário ou senha incorretos")
    await sign_in_throttle.succeeded(username)
    user.last_login_at = clock.now()
    await user.save(update_fields=["last_login_at"])
    return user


def client_address(request: Request) -> str:
    """The client's IP as the ASGI server reports it (behind a proxy, uvicorn's
    --proxy-headers and --forwarded-allow-ips make it the real client's)."""
    return request.client.host if request.client else ""


_MAX_ID = 2**31 - 1  # the users table's INT key


def _user_id(sub: object) -> int | None:
    """The user id a token names: a string of digits for a positive int the key can hold
    (RFC 7519 makes "sub" a string; anything else is a forged or foreign token)."""
    if not isinstance(sub, str) or not sub.isascii() or not sub.isdigit():
        return None
    number = int(sub)
    return number if 0 < number <= _MAX_ID else None


async def current_user(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise NotAuthenticated("faça login: envie o token no cabeçalho Authorization: Bearer")
    settings = request.app.state.settings
    try:
        # PyJWT would check "exp" against the machine's clock; Quita's clock decides.
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=["HS256"],
            options={"verify_exp": False, "require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError:
        raise NotAuthenticated("token inválido") from None
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= clock.timestamp():
        raise NotAuthenticated("sessão expirada: faça login de novo")
    user_id = _user_id(claims["sub"])
    if user_id is None:
        raise NotAuthenticated("token inválido")
    user = await User.get_or_none(id=user_id, active=True)
    if user is None:
        raise NotAuthenticated("usuário inexistente ou desativado")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
