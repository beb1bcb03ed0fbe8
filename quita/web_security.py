"""What every browser is told about every answer, and the console's same-origin rule.

A pure ASGI middleware (no request body is read, streamed answers stay streamed):
- security headers on every response: a Content-Security-Policy with no inline script (each
  page's JavaScript is a file under /console/static), no framing by other sites, no MIME
  sniffing, a referrer policy, and HSTS when the public address is https. A header a route set
  itself wins (the payment page's stricter Referrer-Policy);
- a state-changing request to /console whose Origin (or, without one, Referer) names another
  site is refused with 403 before any handler runs: the console is signed in by cookie, which
  the browser attaches to a forged cross-site form too. The CSRF token already stops those; this
  is the second lock that needs no token. The API (bearer tokens the browser never attaches by
  itself) and the webhooks (signed by their senders, no cookie) are not cookie-authenticated,
  so a request from elsewhere is their normal case and they are not checked.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from quita.asgi import ASGIApp, Message, Receive, Scope, Send

# 'unsafe-inline' for styles only: the outbox shows e-mails (inline styles, as e-mail needs)
# in a sandboxed srcdoc frame that inherits this policy, and ReDoc styles itself at run time.
# Scripts get no such exception: an injected <script> or onclick= does not run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",  # ReDoc's search runs in a blob: worker
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
BASE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = ("strict-transport-security", "max-age=31536000")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE_DETAIL = "requisição recusada: veio de outro site, não deste console"
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower case, the default port left out; None if it has
    none (the browser's "null" origin included)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    shown = f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{shown}"


class BrowserSecurity:
    def __init__(self, app: ASGIApp, public_base_url: str) -> None:
        self.app = app
        self.public_origin = origin_of(public_base_url)
        self.headers = dict(BASE_HEADERS)
        if public_base_url.lower().startswith("https://"):
            self.headers.update([HSTS])
        self.raw = [(k.encode(), v.encode()) for k, v in self.headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._cross_site(scope):
            await self._refuse(send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.raw if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)

    def _cross_site(self, scope: Scope) -> bool:
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):  # behind a proxy's prefix, the path may carry it
            path = path[len(root) :]
        if scope["method"] not in STATE_CHANGING or not path.startswith("/console"):
            return False
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        claimed = headers.get("origin") or headers.get("referer")
        if claimed is None:
            return False  # old browsers and non-browsers send neither: the CSRF token decides
        own = {self.public_origin}
        if "host" in headers:
            own.add(origin_of(f"{scope.get('scheme', 'http')}://{headers['host']}"))
        own.discard(None)
        return origin_of(claimed) not in own

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": CROSS_SITE_DETAIL}, ensure_ascii=False).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *self.raw,
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})
