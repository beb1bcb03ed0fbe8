"""A fake Twilio REST API (Messages and Calls), as a real HTTP server on 127.0.0.1.

The real `twilio` library talks to it over HTTP once `QUITA_TWILIO_API_BASE` is its `url`.
It is strict like Twilio: HTTP Basic auth with the account SID and auth token (401 with
Twilio's error JSON otherwise), the account in the path must be the authenticated one, and
the form fields are checked with Twilio's error codes (21211 invalid 'To', 21602 no Body,
21603 no From/MessagingServiceSid, 21205 no Url/Twiml, ...). Every request is recorded
(`requests`); created resources are in `messages` and `calls` (their form fields). A test can
make the next requests fail with any Twilio error (`fail_next`) or slow them down (`delay`).
A call is fetched as Twilio last knew it; `call_ended` moves it to a final status.

Fixtures: `twilio_api_server` (one server per session) and `twilio_api` (the same server,
reset before and after each test).
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from quita.settings import Settings
from tests.fakes.server import ThreadedServer

ACCOUNT_SID = "AC5f1c0a2e9d4b7c8e6a3f2b1d0c9e8a7b"
AUTH_TOKEN = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"
API_VERSION = "2010-04-01"

E164 = re.compile(r"\+[1-9]\d{7,14}")
ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")
APPLICATION_SID = re.compile(r"AP[0-9a-f]{32}")
HTTP_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
MAX_BODY = 1600

# Default HTTP status of the error codes tests usually force, and Twilio's messages.
ERROR_STATUS = {20003: 401, 20404: 404, 20429: 429, 20500: 500, 20503: 503}
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
DEFAULT_CODE = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]  # the last value of each field
    form_items: list[tuple[str, str]]  # every field, in order (repeated MediaUrl, ...)
    authorized: bool = False
    status: int = 0  # what the fake answered
    generation: int = 0  # the fake's reset count when it arrived


@dataclass
class Forced:
    status: int
    code: int
    message: str
    endpoint: str | None  # "messages", "calls" or None for any


@dataclass
class FakeTwilioApi:
    """State of the fake Twilio; the server thread and the test share it under `lock`."""

    host: str = "127.0.0.1"
    port: int = 0
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    delay: float = 0.0  # seconds before answering any request
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)  # form fields, accepted only
    calls: list[dict[str, str]] = field(default_factory=list)  # form fields, accepted only
    updates: list[dict[str, str]] = field(default_factory=list)  # live-call updates, accepted
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> JSON answered
    forced: list[Forced] = field(default_factory=list)
    generation: int = 0  # bumped by reset(): a slow request from an earlier test is dropped
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        """The REST base (what QUITA_TWILIO_API_BASE would be)."""
        return f"http://{self.host}:{self.port}"

    def settings(self, **overrides: Any) -> Settings:
        """Settings pointing the real Twilio client here (no database needed)."""
        values: dict[str, Any] = {
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
            "twilio_from_number": "+5519999990000",
            "twilio_api_base": self.url,
            "public_base_url": "https://quita.example.com",
            "secret_key": "x" * 40,
            "database_url": "sqlite://:memory:",
        }
        values.update(overrides)
        return Settings(**values)

    # --- test controls ----------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.delay = 0.0
            self.requests.clear()
            self.messages.clear()
            self.calls.clear()
            self.updates.clear()
            self.created.clear()
            self.forced.clear()

    def fail_next(
        self,
        code: int | None = None,
        status: int | None = None,
        *,
        times: int = 1,
        message: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """The next `times` authorized requests (to `endpoint`, if given) get this error.

        `fail_next(21211)` is a 400 "invalid 'To'"; `fail_next(status=500)` a 500 with code
        20500; `fail_next(21610, 400)`, `fail_next(20429)` (429) and so on.
        """
        if code is None and status is None:
            raise ValueError("give a Twilio error code, an HTTP status or both")
        if status is None:
            status = ERROR_STATUS.get(code or 0, 400)
        if code is None:
            code = DEFAULT_CODE.get(status, 20500 if status >= 500 else 21211)
        text = message or ERROR_MESSAGES.get(code, f"Forced error {code}")
        with self.lock:
            self.forced.extend(Forced(status, code, text, endpoint) for _ in range(times))

    def _take_forced(self, endpoint: str) -> Forced | None:
        with self.lock:
            for i, forced in enumerate(self.forced):
                if forced.endpoint in (None, endpoint):
                    return self.forced.pop(i)
        return None

    # --- the API ----------------------------------------------------------------------

    async def _record(self, request: Request) -> Recorded:
        form = await request.form()
        items = [(key, str(value)) for key, value in form.multi_items()]
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            form=dict(items),
            form_items=items,
        )
        recorded.authorized = self._authorized(recorded)
        with self.lock:
            recorded.generation = self.generation
            self.requests.append(recorded)
            delay = self.delay
        if delay:
            await asyncio.sleep(delay)
        return recorded

    def _authorized(self, recorded: Recorded) -> bool:
        scheme, _, value = recorded.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(
            f"{user}:{password}".encode(), f"{self.account_sid}:{self.auth_token}".encode()
        )

    def _gate(self, request: Request, recorded: Recorded, endpoint: str) -> JSONResponse | None:
        """Auth, the account in the path, then forced failures."""
        if recorded.generation != self.generation:  # the test that sent it is over
            return _error(recorded, 503, 20503, "Service unavailable")
        if not recorded.authorized:
            return _error(
                recorded, 401, 20003, "Authenticate", "Your AccountSid or AuthToken was incorrect."
            )
        if request.path_params["account"] != self.account_sid:
            return _error(
                recorded, 404, 20404, f"The requested resource {recorded.path} was not found"
            )
        forced = self._take_forced(endpoint)
        if forced is not None:
            return _error(recorded, forced.status, forced.code, forced.message)
        return None

    async def create_message(self, request: Request) -> JSONResponse:
        recorded = await self._record(request)
        if (refused := self._gate(request, recorded, "messages")) is not None:
            return refused
        form = recorded.form
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not to:
            return _error(recorded, 400, 21604, "A 'To' phone number is required.")
        if not E164.fullmatch(to):
            return _error(
                recorded, 400, 21211, f"The 'To' number {to} is not a valid phone number."
            )
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            return _error(recorded, 400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return _error(
                recorded,
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            )
        if not sender and not service:
            return _error(
                recorded,
                400,
                21603,
                "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
            )
        if sender and not (E164.fullmatch(sender) or ALPHANUMERIC_SENDER.fullmatch(sender)):
            return _error(
                recorded,
                400,
                21212,
                f"The 'From' number {sender} is not a valid phone number, shortcode, "
                "or alphanumeric sender ID.",
            )
        if service and not MESSAGING_SERVICE_SID.fullmatch(service):
            return _error(recorded, 400, 21701, f"The Messaging Service Sid {service} is invalid.")
        if (callback := form.get("StatusCallback")) and not HTTP_URL.fullmatch(callback):
            return _error(recorded, 400, 21609, "Invalid StatusCallback url")
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        payload = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
        }
        with self.lock:
            self.messages.append(dict(form))
            self.created[sid] = payload
        recorded.status = 201
        return JSONResponse(payload, status_code=201)

    async def create_call(self, request: Request) -> JSONResponse:
        recorded = await self._record(request)
        if (refused := self._gate(request, recorded, "calls")) is not None:
            return refused
        form = recorded.form
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return _error(recorded, 400, 21201, "No 'To' number is specified")
        if not E164.fullmatch(to):
            return _error(
                recorded, 400, 21211, f"The 'To' number {to} is not a valid phone number."
            )
        if not sender:
            return _error(recorded, 400, 21213, "No 'From' number is specified")
        if not E164.fullmatch(sender):
            return _error(
                recorded, 400, 21212, f"The 'From' number {sender} is not a valid phone number."
            )
        url, twiml, app = form.get("Url", ""), form.get("Twiml", ""), form.get("ApplicationSid", "")
        if not (url or twiml or app):
            return _error(recorded, 400, 21205, "Url parameter is required.")
        if url and not HTTP_URL.fullmatch(url):
            return _error(recorded, 400, 21205, f"Url is not a valid URL: {url}")
        if app and not APPLICATION_SID.fullmatch(app):
            return _error(recorded, 400, 21218, f"Invalid ApplicationSid {app}")
        for name in ("StatusCallback", "AsyncAmdStatusCallback", "FallbackUrl"):
            value = form.get(name)
            if value and not HTTP_URL.fullmatch(value):
                return _error(recorded, 400, 21609, f"Invalid {name} url")
        detection = form.get("MachineDetection")
        if detection is not None and detection not in ("Enable", "DetectMessageEnd"):
            return _error(recorded, 400, 20001, f"Invalid MachineDetection: {detection}")
        for name in ("AsyncAmd", "Record"):
            value = form.get(name)
            if value is not None and value.lower() not in ("true", "false"):
                return _error(recorded, 400, 20001, f"Invalid {name}: {value}")
        sid = "CA" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}"
        payload = {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": sender,
            "from_formatted": sender,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": "PN" + secrets.token_hex(16),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {
                "notifications": f"{uri}/Notifications.json",
                "recordings": f"{uri}/Recordings.json",
            },
            "to": to,
            "to_formatted": to,
            "trunk_sid": None,
            "uri": f"{uri}.json",
            "queue_time": "0",
        }
        with self.lock:
            self.calls.append(dict(form))
            self.created[sid] = payload
        recorded.status = 201
        return JSONResponse(payload, status_code=201)

    async def update_call(self, request: Request) -> JSONResponse:
        """POST .../Calls/{CallSid}.json: new TwiML or Url for a live call (or its end)."""
        recorded = await self._record(request)
        if (refused := self._gate(request, recorded, "calls")) is not None:
            return refused
        sid = request.path_params["call_sid"]
        if not re.fullmatch(r"CA[0-9a-f]{32}", sid):
            return _error(
                recorded, 404, 20404, f"The requested resource {recorded.path} was not found"
            )
        form = recorded.form
        if not (form.get("Twiml") or form.get("Url") or form.get("Status")):
            return _error(recorded, 400, 21205, "Url, Twiml or Status is required.")
        with self.lock:
            self.updates.append({"sid": sid, **form})
            payload = dict(self.created.get(sid) or {"sid": sid, "account_sid": self.account_sid})
        payload["status"] = form.get("Status") or payload.get("status") or "in-progress"
        recorded.status = 200
        return JSONResponse(payload, status_code=200)

    async def fetch_call(self, request: Request) -> JSONResponse:
        """GET .../Calls/{CallSid}.json: the call as Twilio knows it (404 when it does not)."""
        recorded = await self._record(request)
        if (refused := self._gate(request, recorded, "calls")) is not None:
            return refused
        sid = request.path_params["call_sid"]
        with self.lock:
            payload = dict(self.created[sid]) if sid in self.created else None
        if payload is None:
            return _error(
                recorded, 404, 20404, f"The requested resource {recorded.path} was not found"
            )
        recorded.status = 200
        return JSONResponse(payload, status_code=200)

    def call_ended(
        self,
        sid: str,
        status: str,
        *,
        duration: int | None = None,
        answered_by: str | None = None,
        end_time: datetime | None = None,
    ) -> None:
        """Twilio's record of call `sid` moves to `status` (the call is made known if it was
        not), as GET .../Calls/{sid}.json then answers."""
        with self.lock:
            payload = self.created.setdefault(sid, {"sid": sid, "account_sid": self.account_sid})
            payload["status"] = status
            payload["duration"] = None if duration is None else str(duration)
            payload["answered_by"] = answered_by
            payload["end_time"] = end_time and format_datetime(end_time, usegmt=True)

    async def not_found(self, request: Request) -> JSONResponse:
        recorded = await self._record(request)
        return _error(recorded, 404, 20404, f"The requested resource {recorded.path} was not found")

    def app(self) -> Starlette:
        accounts = f"/{API_VERSION}/Accounts/{{account}}"
        return Starlette(
            routes=[
                Route(f"{accounts}/Messages.json", self.create_message, methods=["POST"]),
                Route(f"{accounts}/Calls.json", self.create_call, methods=["POST"]),
                Route(f"{accounts}/Calls/{{call_sid}}.json", self.update_call, methods=["POST"]),
                Route(f"{accounts}/Calls/{{call_sid}}.json", self.fetch_call, methods=["GET"]),
                Route(
                    "/{path:path}",
                    self.not_found,
                    methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                ),
            ]
        )


def _error(
    recorded: Recorded, status: int, code: int, message: str, detail: str | None = None
) -> JSONResponse:
    """Twilio's (legacy) error body, which the library turns into TwilioRestException."""
    recorded.status = status
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status)


def start_fake_twilio(**options: Any) -> tuple[FakeTwilioApi, ThreadedServer]:
    api = FakeTwilioApi(**options)
    server = ThreadedServer(api, "fake Twilio API")
    server.start()
    return api, server


@pytest.fixture(scope="session")
def twilio_api_server() -> Iterator[FakeTwilioApi]:
    """One fake Twilio for the session."""
    api, server = start_fake_twilio()
    try:
        yield api
    finally:
        server.stop()


@pytest.fixture
def twilio_api(twilio_api_server: FakeTwilioApi) -> Iterator[FakeTwilioApi]:
    """The session's fake Twilio, emptied: no records, resources or forced failures."""
    twilio_api_server.reset()
    yield twilio_api_server
    twilio_api_server.reset()
