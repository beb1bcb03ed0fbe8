"""Console sign-in with cookie sessions, CSRF on every form, menus by role."""

from __future__ import annotations

from datetime import timedelta

from models import ConsoleSession, clock
from models.enums import Role
from tests.admin.console.conftest import login_form


async def test_pages_need_a_session_and_send_to_sign_in(browser):
    answer = await browser.get("/console?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console%3Fx%3D1"


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(browser, users):
    form = await login_form(browser, username="admin", password="x")
    wrong = await browser.post("/console/login", data=form)
    assert wrong.status_code == 401 and "incorretos" in wrong.text
    form = await login_form(
        browser, username="admin", password="senha-de-teste", next="https://evil.example"
    )
    answer = await browser.post("/console/login", data=form)
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert (await browser.get("/console")).status_code == 200
    assert await ConsoleSession.all().count() == 1

    await browser.post("/console/logout")
    assert await ConsoleSession.all().count() == 0
    assert (await browser.get("/console")).status_code == 303


async def test_an_expired_session_is_refused(browser, sign_in):
    await sign_in(Role.ADMIN)
    await ConsoleSession.all().update(expires_at=clock.now() - timedelta(minutes=1))
    assert (await browser.get("/console")).status_code == 303


async def test_the_menu_shows_only_what_the_role_may_use(browser, sign_in):
    await sign_in(Role.AGENCY)
    html = (await browser.get("/console")).text
    assert "/console/campaigns" in html
    assert "/console/conditions" not in html and "/console/users" not in html
    assert "/console/inbox" not in html


async def test_a_post_without_the_csrf_token_is_refused(browser, sign_in, console_app):
    from fastapi import APIRouter

    from admin.console.session import Signed, allowed

    probe = APIRouter()

    @probe.post("/console/_probe")
    async def _probe(signed: Signed = allowed()):  # noqa: B008
        return {"ok": True}

    console_app.include_router(probe)
    token = await sign_in(Role.ADMIN)
    refused = await browser.post("/console/_probe", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert (await browser.post("/console/_probe", data={})).status_code == 403
    ok = await browser.post("/console/_probe", data={"csrf_token": token})
    assert ok.status_code == 200
    header = await browser.post("/console/_probe", headers={"X-CSRF-Token": token})
    assert header.status_code == 200


async def test_the_dashboard_shows_money_in_reais(browser, sign_in):
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get("/console")).text
    assert "Recuperado (total)" in html and "R$" in html
