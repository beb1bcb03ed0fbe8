"""An API client on the real app (in process) and one signed-in user per role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from admin.passwords import hash_password
from models import Agency, User
from models.enums import Role
from quita.app import create_app
from quita.settings import Settings

PASSWORD = "senha-de-teste"
_HASH = hash_password(PASSWORD)  # Argon2 is slow on purpose: hash once per session


@pytest.fixture
async def api(db) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url=db, secret_key="a-test-secret-of-at-least-32-bytes-long")
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def agency(db) -> Agency:
    return await Agency.create(name="Escritório Teste")


@pytest.fixture
async def users(db, agency) -> dict[Role, User]:
    made = {}
    for role in Role:
        made[role] = await User.create(
            username=role.value,
            role=role,
            password_hash=_HASH,
            agency=agency if role == Role.AGENCY else None,
        )
    return made


@pytest.fixture
async def as_role(api, users):
    """as_role(Role.X) -> headers with that user's bearer token (through the real sign-in)."""
    cache: dict[Role, dict[str, str]] = {}

    async def headers(role: Role) -> dict[str, str]:
        if role not in cache:
            answer = await api.post(
                "/api/v1/auth/token", data={"username": role.value, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            cache[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return cache[role]

    return headers
