"""Limits before work: body size per route (by Content-Length and while a chunked body is
read), Twilio's signature before its body, NUL characters and JSON depth, on the real app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from quita.app import create_app
from quita.limits import CAPS, DEFAULT_CAP, MAX_JSON_DEPTH, cap_for, json_depth_exceeds
from quita.settings import Settings

MB = 1024 * 1024
PIX_SECRET = "pix-secret-for-the-limits-test"
TELEGRAM_SECRET = "telegram-secret-for-the-limits-test"


class Body:
    """A body sent in 64 KB chunks, counting what the server pulled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"a" * (64 * 1024)
        while self.sent < self.size:
            self.sent += len(chunk)
            yield chunk


@pytest.fixture
async def client(db) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=db,
        secret_key="a-test-secret-of-at-least-32-bytes-long",
        twilio_auth_token="twilio-token-for-the-limits-test",
        public_base_url="https://quita.example",
        pix_webhook_secret=PIX_SECRET,
        telegram_webhook_secret=TELEGRAM_SECRET,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_unsigned_twilio_body_is_refused_before_it_is_read(client) -> None:
    body = Body(50 * MB)
    answer = await client.post(
        "/twilio/voice",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 403
    assert body.sent <= 64 * 1024  # not one chunk more than the transport's first


async def test_declared_length_above_the_cap_is_413_unread(client) -> None:
    body = Body(50 * MB)
    answer = await client.post(
        "/twilio/voice",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(50 * MB),
            "X-Twilio-Signature": "anything",
        },
    )
    assert answer.status_code == 413
    assert "grande demais" in answer.json()["detail"]
    assert body.sent <= 64 * 1024


@pytest.mark.parametrize(
    "path",
    ["/twilio/voice", "/api/v1/auth/token", "/pix/webhook", "/api/v1/imports/customers"],
)
async def test_chunked_body_stops_being_read_past_the_cap(client, path) -> None:
    cap = cap_for(path)
    body = Body(cap + 4 * MB)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"}
    answer = await client.post(path, content=body, headers=headers)
    assert answer.status_code == 413, answer.text
    assert body.sent <= cap + 128 * 1024


def test_caps_per_route() -> None:
    assert cap_for("/twilio/sms") == cap_for("/telegram/webhook") == cap_for("/pix/webhook")
    assert cap_for("/twilio/sms") <= 512 * 1024
    assert cap_for("/api/v1/rules") == cap_for("/console/rules/new") == DEFAULT_CAP == MB
    assert dict(CAPS)["/api/v1/imports/"] == 50 * MB


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/pix/webhook", {"X-Webhook-Secret": PIX_SECRET}),
        ("/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
        ("/api/v1/rules", {}),
    ],
)
async def test_deep_json_is_refused_before_parsing(client, path, headers) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = await client.post(
        path, content=deep, headers={**headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json() == {"detail": f"JSON aninhado demais (mais de {MAX_JSON_DEPTH} níveis)"}


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert not json_depth_exceeds(
        json.dumps({"a": "[[[[{{{{" * 100, "b": [1, [2, {"c": 3}]]}).encode()
    )
    assert not json_depth_exceeds(json.dumps({"q": 'a "quoted" \\ [[[['}).encode() * 50)
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    assert not json_depth_exceeds(json.dumps(nested).encode())
    assert json_depth_exceeds(json.dumps([nested]).encode())


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/api/v1/auth/token", {"data": {"username": "adm\x00in", "password": "x"}}),
        (
            "POST",
            "/api/v1/auth/token",
            {"files": {"username": (None, "adm\x00in"), "password": (None, "x")}},
        ),
        ("GET", "/api/v1/holidays", {"params": {"state": "S\x00P"}}),
        ("GET", "/api/v1/contact-windows/S%00P", {}),
        ("POST", "/api/v1/holidays", {"json": {"day": "08/12/2026", "name": "a\x00"}}),
    ],
)
async def test_nul_characters_are_422(client, method, path, kwargs) -> None:
    answer = await client.request(method, path, **kwargs)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "caractere nulo (\\0) não é aceito"}


async def test_a_length_that_is_not_a_number_is_400(client) -> None:
    answer = await client.post(
        "/api/v1/auth/token", content=b"username=a", headers={"Content-Length": "10x"}
    )
    assert answer.status_code == 400
