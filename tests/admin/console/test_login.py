"""The console's sign-in page: its own CSRF token, and the sign-in throttle shown on it."""

from __future__ import annotations

import re

from admin.console.auth import LOGIN_COOKIE
from tests.admin.conftest import PASSWORD
from tests.admin.console.conftest import login_form


async def test_a_sign_in_without_the_pages_token_is_refused(browser, users):
    bare = {"username": "admin", "password": PASSWORD}
    refused = await browser.post("/console/login", data=bare)
    assert refused.status_code == 403
    assert "A página de entrada expirou ou o pedido não veio dela" in refused.text
    assert "quita_console" not in refused.headers.get("set-cookie", "")
    # A token made up, or one without the cookie it was made for, is refused too.
    forged = {**bare, "csrf_token": "0" * 64}
    assert (await browser.post("/console/login", data=forged)).status_code == 403
    form = await login_form(browser, **bare)
    browser.cookies.clear()
    assert (await browser.post("/console/login", data=form)).status_code == 403
    # The refusal page carries a fresh form that works.
    token = re.search(r'name="csrf_token" value="([^"]+)"', refused.text)
    assert token is not None
    form = await login_form(browser, **bare)
    assert (await browser.post("/console/login", data=form)).status_code == 303


async def test_the_token_cookie_is_http_only_and_kept_across_tabs(browser, users):
    first = await browser.get("/console/login")
    cookie = first.headers["set-cookie"].lower()
    assert cookie.startswith(LOGIN_COOKIE) and "httponly" in cookie
    assert "samesite=lax" in cookie and "path=/console/login" in cookie
    older = await login_form(browser, username="admin", password=PASSWORD)
    await browser.get("/console/login")  # a second tab
    assert (await browser.post("/console/login", data=older)).status_code == 303


async def test_too_many_failures_show_the_wait_on_the_page(browser, users):
    for _ in range(5):
        form = await login_form(browser, username="admin", password="chute")
        assert (await browser.post("/console/login", data=form)).status_code == 401
    form = await login_form(browser, username="admin", password=PASSWORD)
    held = await browser.post("/console/login", data=form)
    assert held.status_code == 429
    assert 0 < int(held.headers["retry-after"]) <= 15 * 60
    assert "Muitas tentativas de entrada sem sucesso" in held.text
    assert "tente de novo em 15 minutos" in held.text
