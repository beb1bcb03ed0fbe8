"""The Twilio signature check on its own: the form as Twilio posts it (urlencoded, parsed by
the standard library) and any other body (Starlette's parser), the public URL with its query,
and the port variants Twilio may sign."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from twilio.request_validator import RequestValidator

from negotiation.errors import PermissionDenied
from quita.settings import Settings
from telephony.security import verified_form

TOKEN = "security-test-token-0123456789abcdef"
PUBLIC = "https://quita.example.com"
PARAMS = {"CallSid": "CA" + "5" * 32, "From": "+55 19 98888-7777", "Body": "Olá & até já"}


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(
        database_url="sqlite://:memory:",
        secret_key="x" * 40,
        public_base_url=PUBLIC,
        twilio_auth_token=TOKEN,
    )

    @app.exception_handler(PermissionDenied)
    async def denied(_: Request, exc: PermissionDenied) -> PlainTextResponse:
        return PlainTextResponse(str(exc), status_code=403)

    @app.post("/twilio/x")
    async def endpoint(request: Request) -> dict[str, str]:
        return await verified_form(request)

    return app


def _signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params)}


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:8080") as c:
        yield c


async def test_urlencoded_form_signed_on_the_public_url(client) -> None:
    url = f"{PUBLIC}/twilio/x?turn=2"
    answer = await client.post("/twilio/x?turn=2", data=PARAMS, headers=_signed(url, PARAMS))
    assert answer.status_code == 200 and answer.json() == PARAMS


async def test_multipart_body_goes_through_starlettes_parser(client) -> None:
    url = f"{PUBLIC}/twilio/x"
    boundary = "quita-test-boundary"
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in PARAMS.items()
        )
        + f"--{boundary}--\r\n"
    )
    headers = {
        **_signed(url, PARAMS),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    answer = await client.post("/twilio/x", content=body.encode(), headers=headers)
    assert answer.status_code == 200 and answer.json() == PARAMS


async def test_a_signature_over_the_url_with_its_port_is_accepted(client) -> None:
    url = f"{PUBLIC}:443/twilio/x"
    answer = await client.post("/twilio/x", data=PARAMS, headers=_signed(url, PARAMS))
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("signed_url", "sent"),
    [
        (f"{PUBLIC}/twilio/x", {**PARAMS, "From": "+5511900000000"}),  # tampered field
        ("http://internal:8080/twilio/x", PARAMS),  # the URL behind the proxy
        (f"{PUBLIC}/twilio/x?turn=1", PARAMS),  # another query
    ],
)
async def test_anything_else_is_refused(client, signed_url, sent) -> None:
    answer = await client.post("/twilio/x", data=sent, headers=_signed(signed_url, PARAMS))
    assert answer.status_code == 403
    missing = await client.post("/twilio/x", data=PARAMS)
    assert missing.status_code == 403
