"""A browser-like client for the console (cookies kept), signed in per role."""

from __future__ import annotations

import re

import httpx
import pytest

from models.enums import Role
from quita.app import create_app
from quita.settings import Settings
from tests.admin.conftest import PASSWORD


@pytest.fixture
async def console_app(db):
    return create_app(
        Settings(database_url=db, secret_key="a-test-secret-of-at-least-32-bytes-long", jobs=False)
    )


@pytest.fixture
async def browser(console_app):
    transport = httpx.ASGITransport(app=console_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


async def negotiate(client: httpx.AsyncClient, entry_id: int, data: dict) -> httpx.Response:
    """ "Negociar" on an offer, then "Confirmar acordo" on the confirmation page it shows."""
    review = await client.post(f"/console/entries/{entry_id}/negotiate", data=data)
    assert review.status_code == 200 and "Confirmar acordo" in review.text, review.text
    form = review.text[review.text.index(f'action="/console/entries/{entry_id}/negotiate"') :]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form))
    return await client.post(f"/console/entries/{entry_id}/negotiate", data=fields)


async def login_form(client: httpx.AsyncClient, **fields: str) -> dict[str, str]:
    """The sign-in form's fields as the page gives them (its CSRF token), with `fields`."""
    page = (await client.get("/console/login")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": token, **fields}


@pytest.fixture
def sign_in(browser, users):
    async def go(role: Role) -> str:
        form = await login_form(browser, username=role.value, password=PASSWORD)
        answer = await browser.post("/console/login", data=form)
        assert answer.status_code == 303, answer.text
        home = await browser.get("/console")
        assert home.status_code == 200
        return csrf_of(home.text)

    return go
