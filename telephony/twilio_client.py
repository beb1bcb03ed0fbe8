"""The Twilio REST client, built from settings, on aiohttp (the library's async support).

One place builds `twilio.rest.Client` for SMS (`client.messages.create_async`) and robot
calls (`client.calls.create_async`). Its HTTP client re-bases every request to a Twilio host
onto `settings.twilio_api_base`, so a proxy or the tests' fake Twilio can stand in for
https://api.twilio.com.

The aiohttp session is opened with the client and must be closed: use `twilio_client()` as an
async context manager, or `build_client()` + `close_client()` for a long-lived client. Both
need a running event loop (aiohttp binds its session to it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from quita.settings import Settings

DEFAULT_API_BASE = "https://api.twilio.com"
DEFAULT_TIMEOUT = 15.0  # seconds for a whole request; the library's default is none at all


class TwilioNotConfigured(RuntimeError):
    """QUITA_TWILIO_ACCOUNT_SID or QUITA_TWILIO_AUTH_TOKEN is missing."""


def _is_twilio_host(host: str) -> bool:
    host = host.lower()
    return host == "twilio.com" or host.endswith(".twilio.com")


class RebasingAsyncHttpClient(AsyncTwilioHttpClient):
    """`AsyncTwilioHttpClient` that sends requests for `*.twilio.com` to another base URL.

    Why: Twilio's library has no base-URL option. Each resource builds absolute URLs on its
    product's host (`https://api.twilio.com/2010-04-01/...`, and `edge`/`region` turn them
    into e.g. `api.sao-paulo.us1.twilio.com`), so the only place to point it at a proxy or at
    the tests' fake server is the HTTP client. The path and query are kept; the original host
    travels in `X-Forwarded-Host` (every product's host maps onto the one base, and the
    paths we use, `/2010-04-01/Accounts/...`, belong to api.twilio.com).

    Also: the library passes `timeout=None` on every request, which aiohttp would take as "no
    timeout"; requests here fall back to the client's `timeout` instead.
    """

    def __init__(self, api_base: str = DEFAULT_API_BASE, *, timeout: float = DEFAULT_TIMEOUT):
        parts = urlsplit(api_base.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"QUITA_TWILIO_API_BASE must be an http(s) URL, not {api_base!r}")
        super().__init__(pool_connections=True, timeout=timeout)  # opens the aiohttp session
        self._base = parts
        self.rebasing = api_base.rstrip("/").lower() != DEFAULT_API_BASE

    def rebase(self, url: str) -> str:
        """`url` on the configured base when it is a Twilio URL and the base is not Twilio's."""
        parts = urlsplit(url)
        if not self.rebasing or not _is_twilio_host(parts.hostname or ""):
            return url
        path = self._base.path + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    async def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        # The library's own `request` hands aiohttp a `BasicAuth`, deprecated in aiohttp 3.14
        # (a DeprecationWarning on every request), and reads the body without releasing the
        # connection on errors; this one sends the same request with an Authorization header.
        timeout = timeout if timeout is not None else self.timeout
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        target = self.rebase(url)
        request_headers = dict(headers or {})
        if target != url:
            request_headers["X-Forwarded-Host"] = urlsplit(url).netloc
        if auth is not None:
            request_headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        kwargs = {
            "method": method.upper(),
            "url": target,
            "params": params,
            "data": data,
            "headers": request_headers,
            "timeout": aiohttp.ClientTimeout(total=timeout),
            "allow_redirects": allow_redirects,
        }
        self.log_request(kwargs)  # leaves the Authorization header out
        if self.session is None or self.session.closed:
            raise RuntimeError("the Twilio client is closed")
        async with self.session.request(**kwargs) as response:
            text = await response.text()
            self.log_response(response.status, response)
            return Response(response.status, text, response.headers)


def build_client(settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> Client:
    """A Twilio client on its own aiohttp session; close it with `close_client`.

    Must be called with a running event loop. Raises `TwilioNotConfigured` without the
    account SID and auth token.
    """
    if not settings.twilio_account_sid or not settings.twilio_auth_token:
        raise TwilioNotConfigured(
            "Twilio não configurado: defina QUITA_TWILIO_ACCOUNT_SID e QUITA_TWILIO_AUTH_TOKEN"
        )
    http_client = RebasingAsyncHttpClient(settings.twilio_api_base, timeout=timeout)
    return Client(
        username=settings.twilio_account_sid,
        password=settings.twilio_auth_token,
        account_sid=settings.twilio_account_sid,
        http_client=http_client,
    )


async def close_client(client: Client) -> None:
    """Closes the client's aiohttp session (safe to call twice)."""
    http_client = client.http_client
    if isinstance(http_client, AsyncTwilioHttpClient) and http_client.session is not None:
        await http_client.close()


@asynccontextmanager
async def twilio_client(
    settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
) -> AsyncIterator[Client]:
    """`async with twilio_client(settings) as client: await client.messages.create_async(...)`."""
    client = build_client(settings, timeout=timeout)
    try:
        yield client
    finally:
        await close_client(client)
