"""Limits checked before any route sees a request: the body's size per route, NUL characters
anywhere (PostgreSQL's text cannot hold one) and the nesting depth of JSON.

A pure ASGI middleware, so the checks cost nothing on the way out and no body is read twice.
Refusals are `{"detail": "<pt-BR text>"}`, as every other refusal of the API.
"""

from __future__ import annotations

import json
import re

from quita.asgi import ASGIApp, Message, Receive, Scope, Send

KB = 1024
MB = 1024 * KB
# (path prefix, largest body). Webhooks carry one small event; an import carries up to
# 50,000 rows of a few hundred bytes (admin/schemas/imports.py).
CAPS: tuple[tuple[str, int], ...] = (
    ("/twilio/", 256 * KB),
    ("/telegram/", 256 * KB),
    ("/pix/", 256 * KB),
    ("/api/v1/imports/", 50 * MB),
)
DEFAULT_CAP = 1 * MB
# Deeper JSON than any of our bodies: refused before json.loads recurses into it.
MAX_JSON_DEPTH = 32
NUL_REFUSED = "caractere nulo (\\0) não é aceito"

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_OPEN = frozenset(b"[{")


def cap_for(path: str) -> int:
    for prefix, cap in CAPS:
        if path.startswith(prefix):
            return cap
    return DEFAULT_CAP


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON nests deeper than `limit`: brackets counted outside strings (a
    malformed body is left to the JSON parser)."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = 0
    for char in brackets:
        if char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _has_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


def _json_has_nul(body: bytes) -> bool:
    return b"\x00" in body or b"\\u0000" in body


class TooLarge(Exception):
    pass


class Limits:
    """Refuses, before the app reads anything: a body above the route's cap (413, by its
    Content-Length or once a chunked body passes the cap); a NUL in the path, the query, a form
    or a JSON string (422); JSON nested deeper than MAX_JSON_DEPTH (422).

    Twilio's webhooks are not buffered here: their signature header is checked before their
    body is read (telephony/security.py), and their body is counted as it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if (
            "\x00" in path
            or _has_nul(scope.get("raw_path") or b"")
            or _has_nul(scope.get("query_string", b""))
        ):
            await _refuse(send, 422, NUL_REFUSED)
            return
        cap = cap_for(path)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and not length.isdigit():
            await _refuse(send, 400, "Content-Length inválido")
            return
        if length is not None and int(length) > cap:
            await _refuse(send, 413, _too_large(cap))
            return
        if path.startswith("/twilio/"):
            await self._streamed(scope, receive, send, cap)
            return
        try:
            body = await _read(receive, cap)
        except TooLarge:
            await _refuse(send, 413, _too_large(cap))
            return
        problem = _problem(headers.get(b"content-type", b""), body)
        if problem:
            await _refuse(send, 422, problem)
            return

        pending = [body]

        async def replay() -> Message:
            if not pending:
                return await receive()  # after the body: a disconnect
            return {"type": "http.request", "body": pending.pop(), "more_body": False}

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except TooLarge:
            if not started:
                await _refuse(send, 413, _too_large(cap))


async def _read(receive: Receive, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _problem(content_type: bytes, body: bytes) -> str | None:
    if not body:
        return None
    kind = content_type.split(b";")[0].strip().lower()
    if kind == b"application/x-www-form-urlencoded":
        if _has_nul(body):
            return NUL_REFUSED
    elif kind == b"multipart/form-data":
        # No route takes a file: a NUL in a multipart form is a field's, as in a plain one.
        if b"\x00" in body:
            return NUL_REFUSED
    elif kind == b"application/json" or kind.endswith(b"+json"):
        if _json_has_nul(body):
            return NUL_REFUSED
        if json_depth_exceeds(body):
            return f"JSON aninhado demais (mais de {MAX_JSON_DEPTH} níveis)"
    return None


def _too_large(cap: int) -> str:
    size = f"{cap // MB} MB" if cap >= MB else f"{cap // KB} KB"
    return f"corpo da requisição grande demais (máximo {size})"


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
