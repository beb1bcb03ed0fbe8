"""/docs and /redoc work on a closed network: every asset they load comes from the app."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from quita.app import create_app
from quita.settings import Settings

BASE = "http://quita.test"
# Where a page makes the browser fetch something: src/href attributes, and the URLs the
# pages' inline scripts give Swagger UI and ReDoc (OpenAPI document, OAuth2 redirect).
ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")
SCRIPT_URL = re.compile(r"""\b(?:url|oauth2RedirectUrl|spec-url)\s*[:=]\s*["']([^"']+)["']""")
ANY_URL = re.compile(r"""(?:https?:)?//[\w.-]+[^\s"'<>)]*""")

EXPECTED_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
    "oauth2-redirect": "text/html",
}


@pytest.fixture
async def client(db):
    app = create_app(Settings(database_url=db, jobs=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


def _referenced(html: str) -> set[str]:
    return {urljoin(BASE + "/", url) for url in ATTRIBUTE.findall(html) + SCRIPT_URL.findall(html)}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_references_nothing_outside_the_app(client, page):
    answer = await client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text

    outside = [
        u for u in ANY_URL.findall(html) if urlsplit(urljoin(BASE, u)).netloc != "quita.test"
    ]
    assert outside == [], f"{page} loads from outside the app: {outside}"
    # The bundles name outside images of their own (ReDoc's logo): the browser is told to
    # load nothing from anywhere but the app.
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert "fonts.googleapis" not in html

    assets = _referenced(html)
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts, f"{page} loads no script: {html}"
    if page == "/docs":
        assert any(a.endswith(".css") for a in assets)
    for asset in sorted(assets):
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        kind = next(v for k, v in EXPECTED_TYPES.items() if asset.endswith(k))
        assert fetched.headers["content-type"].startswith(kind), (asset, fetched.headers)
        assert len(fetched.content) > 100, asset


async def test_swagger_ui_calls_no_outside_validator_and_has_its_oauth2_redirect(client):
    html = (await client.get("/docs")).text
    # Swagger UI's default validatorUrl (validator.swagger.io) is in its bundle, not the page.
    assert re.search(r"""["']validatorUrl["']\s*:\s*null""", html), html
    redirect = await client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text.lower()


async def test_the_docs_scripts_are_the_real_ui_bundles(client):
    assets = _referenced((await client.get("/docs")).text) | _referenced(
        (await client.get("/redoc")).text
    )
    bodies = {a.rsplit("/", 1)[-1]: (await client.get(a)).text for a in assets if a.endswith(".js")}
    assert "SwaggerUIBundle" in "".join(bodies.values())
    assert "Redoc" in "".join(bodies.values())
    # The OpenAPI document the pages load is the app's own.
    spec = await client.get("/openapi.json")
    assert spec.json()["info"]["title"] == "Quita"
