"""Security headers on every answer, the console's same-origin rule for state-changing
requests, and pages that need no inline script (the policy runs none)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from admin.passwords import hash_password
from models import ConsoleSession, User, clock
from models.enums import Role
from quita.app import create_app
from quita.settings import Settings
from quita.web_security import origin_of

KEY = "a-test-secret-of-at-least-32-bytes-long"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://quita.test")


@pytest.fixture
async def client(db):
    app = create_app(Settings(database_url=db, secret_key=KEY, jobs=False))
    async with _client(app) as http:
        yield http


@pytest.fixture
async def signed_in(client):
    """The client with a console session cookie (made directly: no sign-in form involved)."""
    user = await User.create(
        username="ana", full_name="Ana", role=Role.ADMIN, password_hash=hash_password("x" * 12)
    )
    key = secrets.token_urlsafe(32)
    await ConsoleSession.create(
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        user=user,
        csrf_token="t",
        expires_at=clock.now() + timedelta(hours=1),
    )
    client.cookies.set("quita_console", key, domain="quita.test", path="/console")
    return client


@pytest.mark.parametrize("path", ["/healthz", "/console/login", "/api/v1/users", "/nowhere"])
async def test_every_answer_carries_the_browser_headers(client, path):
    headers = (await client.get(path)).headers
    policy = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # served over plain http


async def test_hsts_only_when_the_public_address_is_https(db):
    app = create_app(
        Settings(database_url=db, secret_key=KEY, jobs=False, public_base_url="https://q.example")
    )
    async with _client(app) as http:
        answer = await http.get("/healthz")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


async def test_a_header_a_route_set_itself_wins(client):
    # The OAuth2 redirect page allows its one inline script by hash, nothing else inline.
    answer = await client.get("/docs/oauth2-redirect")
    [script] = re.findall(r"<script>(.*?)</script>", answer.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert answer.headers["content-security-policy"].count("script-src") == 1
    assert f"script-src 'self' 'sha256-{digest}';" in answer.headers["content-security-policy"]


@pytest.mark.parametrize(
    "claimed",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://quita.test.evil.example"},
        {"Referer": "https://evil.example/form.html"},
    ],
)
async def test_a_cross_site_console_post_is_refused_before_the_handler(signed_in, claimed):
    answer = await signed_in.post("/console/logout", headers=claimed)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "requisição recusada: veio de outro site, não deste console"}
    assert "frame-ancestors" in answer.headers["content-security-policy"]
    assert await ConsoleSession.all().count() == 1  # logout never ran: still signed in


@pytest.mark.parametrize(
    "claimed",
    [
        {"Origin": "http://quita.test"},  # the request's own host
        {"Origin": "http://127.0.0.1:8000"},  # QUITA_PUBLIC_BASE_URL's origin
        {"Referer": "http://QUITA.test:80/console"},
        {},  # neither header (old browsers, scripts): the CSRF token decides
    ],
)
async def test_a_same_site_console_post_goes_through(signed_in, claimed):
    answer = await signed_in.post("/console/logout", headers=claimed)
    assert answer.status_code == 303
    assert await ConsoleSession.all().count() == 0


async def test_the_api_and_webhooks_are_not_origin_checked(client):
    # Bearer tokens and webhook signatures are not sent by the browser by itself.
    evil = {"Origin": "https://evil.example"}
    token = await client.post(
        "/api/v1/auth/token", data={"username": "a", "password": "b"}, headers=evil
    )
    assert token.status_code == 401
    hook = await client.post("/pix/webhook", json={}, headers=evil)
    assert hook.status_code == 401  # its own secret decides


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Q.example:443/x?y", "https://q.example"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000/a", "http://[::1]:8000"),
        ("null", None),
        ("ftp://x.example", None),
        ("http://x.example:notaport", None),
    ],
)
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_no_page_has_inline_script_or_event_handlers():
    inline = []
    for path in sorted(TEMPLATES.rglob("*.html.j2")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                inline.append(f"{path.name}: {tag}")
        inline += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        inline += [f"{path.name}: javascript: URL" for _ in re.findall(r"javascript:", text)]
    assert inline == []


async def test_the_swagger_page_runs_no_inline_script(client):
    html = (await client.get("/docs")).text
    tags = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in t or 'type="application/json"' in t for t in tags), tags
    assert any("/console/static/swagger-init.js" in t for t in tags)
    init = await client.get("/console/static/swagger-init.js")
    assert init.status_code == 200 and "SwaggerUIBundle(" in init.text
