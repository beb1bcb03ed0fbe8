"""Sign-in for API clients: the OAuth2 password flow with bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from admin.deps import CurrentUser, SettingsDep
from admin.schemas.users import Token, UserOut
from admin.security import authenticate, issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token, summary="Sign in (OAuth2 password flow)")
async def token(
    settings: SettingsDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    user = await authenticate(form.username, form.password)
    return Token(access_token=issue_token(user, settings.secret_key, settings.token_minutes))


@router.get("/me", response_model=UserOut, summary="Who am I")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
