"""Sign-in for API clients: the OAuth2 password flow with bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from admin.deps import CurrentUser, SettingsDep
from admin.schemas.users import Token, UserOut
from admin.security import authenticate, client_address, issue_token
from negotiation.sign_in_throttle import TooManySignIns

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    summary="Sign in (OAuth2 password flow)",
    responses={429: {"description": "Too many failed sign-ins: wait Retry-After seconds"}},
)
async def token(
    request: Request,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    try:
        user = await authenticate(form.username, form.password, client_address(request))
    except TooManySignIns as error:
        raise HTTPException(
            429, str(error), headers={"Retry-After": str(error.retry_after)}
        ) from None
    return Token(access_token=issue_token(user, settings.secret_key, settings.token_minutes))


@router.get("/me", response_model=UserOut, summary="Who am I")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
