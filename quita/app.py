"""The FastAPI application factory: one app for the admin API, console and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from tortoise.exceptions import IntegrityError

from admin.api import router as api_router
from admin.console import router as console_router
from admin.console.conditions import message_of
from admin.console.errors import CONSOLE_STATIC, console_error
from admin.console.simulator import simulator_resumer
from admin.payment_page import router as payment_page_router
from admin.pix_webhook import router as pix_webhook_router
from bot.sandbox_feed import router as telegram_sandbox_router
from bot.webhook import router as telegram_webhook_router
from models.enums import Channel
from negotiation.errors import QuitaError
from negotiation.stale_runs import fail_stale_runs
from quita.channels import (
    build_channels,
    simulator_relay,
    telegram_relay,
    telegram_resumer,
)
from quita.db import close_db, migrate, open_db
from quita.docs_pages import oauth2_redirect_html, swagger_ui_html
from quita.jobs import run_forever
from quita.limits import Limits
from quita.settings import Settings, get_settings, with_secret_key
from quita.web_security import BrowserSecurity
from telephony.call_status import router as call_status_router
from telephony.dialer import run_forever as run_dialer
from telephony.sms_webhooks import router as sms_webhooks_router
from telephony.voice import router as voice_router

# A 503 (the database is down) asks to be tried again after this long.
RETRY_AFTER_SECONDS = 30

# Swagger UI's and ReDoc's JavaScript and CSS, as the fastapi-offline package ships them.
DOCS_ASSETS = "/docs-assets"


def _offline_docs(app: FastAPI) -> None:
    """/docs and /redoc with every asset served by the app itself, not a CDN: an ISP's back
    office is often on a closed network (FastAPI's "Custom Docs UI Static Assets" recipe)."""
    app.mount(
        DOCS_ASSETS,
        StaticFiles(directory=str(files("fastapi_offline") / "static")),
        name="docs-assets",
    )

    # The bundles themselves still name a few outside images (ReDoc's footer logo): the app's
    # Content-Security-Policy (quita/web_security.py) lets the browser load nothing from
    # elsewhere, so a closed network sees no failed requests. Behind a proxy that adds a path
    # prefix, every URL gets it (as FastAPI's own pages do).
    def root(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        prefix = root(request)
        return swagger_ui_html(
            title=f"{app.title} - Swagger UI",
            openapi_url=prefix + app.openapi_url,
            oauth2_redirect_url=prefix + app.swagger_ui_oauth2_redirect_url,
            assets=prefix + DOCS_ASSETS,
            init_js=f"{prefix}/console/static/swagger-init.js",
        )

    @app.get(app.swagger_ui_oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        prefix = root(request)
        return get_redoc_html(
            openapi_url=prefix + app.openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{prefix}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = with_secret_key(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # A fresh SQLite file gets its schema here: `quita serve` needs no other step.
        await migrate(settings.database_url)
        await open_db(settings.database_url)
        await fail_stale_runs()  # rule runs a dead process left "running"
        tasks = []
        if settings.jobs:
            tasks.append(asyncio.create_task(run_forever(settings, channels)))
        if settings.dialer:
            tasks.append(asyncio.create_task(run_dialer(settings)))
        tasks.append(asyncio.create_task(channels.warm_telegram()))
        # What start-up built (routes, templates, the ORM's metadata) lives as long as the
        # process: out of the collector's sight, a full collection under load took 2 ms
        # instead of 144 (issue 6's benchmark), a pause every request in flight waited out.
        gc.freeze()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await channels.aclose()
            await close_db()
            gc.unfreeze()  # collectable again (tests start and stop many apps)

    app = FastAPI(
        title="Quita",
        summary="Debt negotiation for ISPs: admin API, Telegram and Twilio webhooks.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by _offline_docs
        redoc_url=None,
    )
    app.state.settings = settings
    # Body size per route, NUL characters and JSON depth, refused before any route reads.
    app.add_middleware(Limits)
    # Outermost (added last): security headers on every answer, the limits' refusals
    # included; cross-site form posts to the console refused.
    app.add_middleware(BrowserSecurity, public_base_url=settings.public_base_url)
    channels = build_channels(settings)
    app.state.channels = channels
    app.state.senders = channels.senders
    app.state.relays = {
        Channel.TELEGRAM: telegram_relay(channels),
        Channel.CONSOLE: simulator_relay,  # the console's chat simulator: the page shows it
    }
    # After a hand-back the bot shows the debtor the screen of the step they were on.
    app.state.resumers = {Channel.CONSOLE: simulator_resumer(settings)}
    if settings.telegram_token:
        app.state.resumers[Channel.TELEGRAM] = telegram_resumer(channels, settings)

    @app.exception_handler(QuitaError)
    async def quita_error(request: Request, exc: QuitaError):
        # The one place where the error hierarchy becomes HTTP (a page for the console).
        if request.url.path.startswith("/console"):
            return console_error(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        if exc.http_status == 503:
            # How soon a sender that honours it (HTTP clients, proxies) may try again.
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return JSONResponse(
            status_code=exc.http_status, content={"detail": str(exc)}, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own array, as the OpenAPI documents it, each message in pt-BR after the
        # field's name (the console's translations).
        def field(loc: tuple) -> str:
            where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
            return ".".join(str(part) for part in where) or "corpo"

        errors = [{**e, "msg": f"{field(e['loc'])}: {message_of(e)}"} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        # A unique or foreign-key rule of the database said no: someone else's row is in the way.
        return JSONResponse(
            status_code=409,
            content={"detail": "conflito com dados existentes (duplicado ou ainda em uso)"},
        )

    # Routes are matched in order, one by one: the webhooks someone is waiting on (a caller
    # hears silence until Twilio gets our TwiML) come first, ahead of the API's and the
    # console's hundreds of routes.
    app.include_router(voice_router)
    app.include_router(call_status_router)
    app.include_router(sms_webhooks_router)
    app.include_router(telegram_webhook_router)
    app.include_router(telegram_sandbox_router)
    app.include_router(pix_webhook_router)
    app.include_router(payment_page_router)
    app.include_router(api_router)
    app.include_router(console_router)
    app.mount("/console/static", StaticFiles(directory=CONSOLE_STATIC), name="console-static")
    _offline_docs(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        from tortoise import connections

        await connections.get("default").execute_query("SELECT 1")
        return {"status": "ok"}

    return app
