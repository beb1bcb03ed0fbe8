"""Browser tests: the real app under uvicorn on 127.0.0.1, driven by headless Chromium.

One uvicorn subprocess serves the whole session against the run's test database (the same
SQLite file or PostgreSQL database the `db` fixture empties before every test: the server reads
it per request, so each test seeds its own rows from this process with the usual factories).
The server's Telegram bot talks to a fake Bot API server, its e-mail to a local SMTP server,
both started here for the session.

Chromium is Debian's (/usr/bin/chromium, or QUITA_CHROMIUM): Playwright drives it, no browser
download. Without it the tests fail in CI (the CI variable is set) and are skipped elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from admin.passwords import hash_password
from models import Agency, User
from models.enums import Role
from tests.bot.conftest import SECRET, Chat
from tests.conftest import TEST_NOW, _run_backend
from tests.fakes.smtp import SmtpServer
from tests.fakes.telegram_api import FakeTelegramAPI

PASSWORD = "senha-de-teste"
_HASH = hash_password(PASSWORD)
SECRET_KEY = "a-browser-test-secret-of-at-least-32-bytes"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 10_000  # the longest any single wait may take


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the console in headless Chromium (tests/browser)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


_prewarmed: subprocess.Popen | None = None


def _server_process(workdir: Path | None = None) -> subprocess.Popen:
    log = (workdir or Path(os.environ.get("TMPDIR", "/tmp"))) / f"quita-browser-{os.getpid()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.serve"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    process.log = log  # type: ignore[attr-defined]
    return process


def pytest_collection_finish(session: pytest.Session) -> None:
    # Start importing the app in the server's process while the tests set up.
    global _prewarmed
    here = Path(__file__).parent
    if _chromium() and any(here in Path(item.path).parents for item in session.items):
        _prewarmed = _server_process()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _prewarmed is not None and _prewarmed.poll() is None:
        _prewarmed.kill()
        _prewarmed.wait()


def _chromium() -> str | None:
    wanted = os.environ.get("QUITA_CHROMIUM")
    for candidate in (wanted, "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        _unavailable(
            "Chromium not found at /usr/bin/chromium (apt-get install chromium) or QUITA_CHROMIUM"
        )
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    telegram_api: FakeTelegramAPI
    smtp: SmtpServer
    log: Path

    def tail(self, lines: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@pytest.fixture(scope="session")
def session_telegram_api() -> Iterator[FakeTelegramAPI]:
    api = FakeTelegramAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
def session_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture(scope="session")
async def console_server(
    chromium_path, databases, session_telegram_api, session_smtp, tmp_path_factory
) -> AsyncIterator[Server]:
    """`quita.app:create_app` under uvicorn, in its own process, on the run's database."""
    url = await databases.url_for(_run_backend())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("server")  # no .env nor secret file of the checkout
    env = {
        "QUITA_DATABASE_URL": url,
        "QUITA_SECRET_KEY": SECRET_KEY,
        "QUITA_JOBS": "false",
        "QUITA_PUBLIC_BASE_URL": base,
        "QUITA_TELEGRAM_TOKEN": session_telegram_api.token,
        "QUITA_TELEGRAM_API_SERVER": session_telegram_api.url,
        "QUITA_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "QUITA_TELEGRAM_CHAT_INTERVAL": "0",
        "QUITA_SMTP_URL": session_smtp.url,
    }
    global _prewarmed
    process, _prewarmed = _prewarmed or _server_process(workdir), None
    log = process.log  # type: ignore[attr-defined]
    # The server's clock starts where the tests' does (tests/conftest.py), so "today" and the
    # calling windows agree whatever the machine's clock says.
    order = {"env": env, "port": port, "cwd": str(workdir), "now": TEST_NOW.isoformat()}
    process.stdin.write((json.dumps(order) + "\n").encode())
    process.stdin.close()
    server = Server(base, session_telegram_api, session_smtp, log)
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient(base_url=base) as client:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"the server stopped at start:\n{server.tail()}", pytrace=False)
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/console/login")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer:\n{server.tail()}", pytrace=False)
                await asyncio.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
async def chromium(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(db, console_server, chromium, request):
    """A fresh browser context (no cookies) on the server, the database emptied by `db`."""
    context = await chromium.new_context(
        base_url=console_server.url,
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
        viewport={"width": 1280, "height": 800},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = await context.new_page()
    problems: list[str] = []
    tab.csp_violations = await _watch_csp(context, tab)  # type: ignore[attr-defined]
    tab.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))
    tab.on(
        "response",
        lambda r: (
            problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if r.status >= 500
            else None
        ),
    )
    try:
        yield tab
    finally:
        await context.close()
    if problems:
        # Not a failure by itself (a test may provoke errors), but the report says where.
        print("\n".join(["browser saw:", *problems, "server log:", console_server.tail(30)]))
    # A script or style the Content-Security-Policy stopped is a page that half works. Only
    # the API docs' bundles name outside images, which the policy blocks on purpose.
    stopped = [v for v in tab.csp_violations if not _outside_image(v)]  # type: ignore[attr-defined]
    if stopped:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(stopped), pytrace=False)


# Runs in every page before its own scripts (Playwright's init scripts are not subject to the
# page's policy) and reports each violation to the test: directive, what was blocked, where.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const what = e.blockedURI || "inline";
  window.quitaCspViolation(`${e.effectiveDirective} ${what} on ${location.pathname}`);
});
"""


def _outside_image(violation: str) -> bool:
    return violation.startswith("img-src") or 'directive: "img-src' in violation


async def _watch_csp(context, tab) -> list[str]:
    """The Content-Security-Policy violations of every page the tab opens (listener events,
    and the console errors Chromium logs for them, in case a page fires no event)."""
    seen: list[str] = []
    await context.expose_function("quitaCspViolation", lambda text: seen.append(text))
    await context.add_init_script(_CSP_LISTENER)
    tab.on(
        "console",
        lambda m: (
            seen.append(f"console: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    return seen


@pytest.fixture
async def agency(db) -> Agency:
    return await Agency.create(name="Escritório Parceiro")


@pytest.fixture
async def users(db, agency) -> dict[Role, User]:
    """One user per role, named after it (password PASSWORD)."""
    made = {}
    for role in Role:
        made[role] = await User.create(
            username=role.value,
            full_name=f"Usuário {role.value}",
            role=role,
            password_hash=_HASH,
            agency=agency if role == Role.AGENCY else None,
        )
    return made


@pytest.fixture
def sign_in(page, users):
    async def go(role: Role = Role.SUPERVISOR):
        await page.goto("/console/login")
        await page.get_by_label("Usuário").fill(role.value)
        await page.get_by_label("Senha").fill(PASSWORD)
        await page.get_by_role("button", name="Entrar").click()
        await page.wait_for_url("**/console")
        return page

    return go


@pytest.fixture
async def debtor_chat(console_server) -> AsyncIterator:
    """new(chat_id) -> a debtor's Telegram chat posting updates to the server's webhook."""
    async with httpx.AsyncClient(base_url=console_server.url, timeout=20) as client:

        def new(chat_id: int) -> Chat:
            return Chat([client], console_server.telegram_api, chat_id)

        yield new
