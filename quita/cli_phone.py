"""`quita phone`: a phone in the terminal for the robot, against a running `quita serve`.

It calls the app's Twilio voice webhooks as Twilio would, each request signed with the twilio
library's `RequestValidator` and the app's auth token (configured, or the sandbox's stand-in
derived from the secret key, which this command knows from the same folder's settings). Every
<Say> is printed; at every <Gather> you type the keys (or words, sent as speech); an empty line
is silence. Without --from it calls as a demo debtor with overdue bills; with --answer it picks
up the last robot call the dialer placed in the sandbox. Afterwards it prints the SMS the robot
sent to that phone (from the sandbox's outbox).
"""

from __future__ import annotations

import asyncio
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import httpx
import typer
from twilio.request_validator import RequestValidator

from quita.settings import SANDBOX_FROM_NUMBER, Settings

Typed = Callable[[], Awaitable[str | None]]  # the next keys; None: the caller hung up
Out = Callable[[str], None]


class PhoneError(Exception):
    """The app did not answer like Twilio expects (a wrong URL, secret or server)."""


@dataclass
class Line:
    """Who calls whom: Twilio's CallSid, From, To and Direction."""

    sid: str
    caller: str
    called: str
    direction: str = "inbound"


class Phone:
    """One call, driven like Twilio drives it: POST the form, read the TwiML."""

    def __init__(
        self, client: httpx.AsyncClient, settings: Settings, line: Line, out: Out = print
    ) -> None:
        if not settings.twilio_auth_token:
            raise PhoneError("QUITA_TWILIO_AUTH_TOKEN não está definido")
        self.client = client
        self.settings = settings
        self.line = line
        self.out = out
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.public = settings.public_base_url.rstrip("/")

    async def post(self, url: str, **fields: str) -> ET.Element:
        answer = await self._send(url, fields)
        return ET.fromstring(answer.text)

    async def status(self, status: str, **fields: str) -> None:
        """Twilio's status callback (answered, completed): the call's row follows the line."""
        await self._send("/twilio/voice/status", {"CallStatus": status, **fields})

    async def _send(self, url: str, fields: dict[str, str]) -> httpx.Response:
        # Twilio signs the public URL (QUITA_PUBLIC_BASE_URL + path); the request goes to the
        # client's base, which may be another address of the same app.
        path = url.removeprefix(self.public) if url.startswith(self.public) else url
        form = {
            "CallSid": self.line.sid,
            "AccountSid": self.settings.twilio_account_sid or "",
            "From": self.line.caller,
            "To": self.line.called,
            "CallStatus": "in-progress",
            "Direction": self.line.direction,
            **fields,
        }
        signature = self.validator.compute_signature(self.public + path, form)
        try:
            answer = await self.client.post(
                path, data=form, headers={"X-Twilio-Signature": signature}
            )
        except httpx.TransportError as error:
            raise PhoneError(f"o Quita não respondeu em {self.client.base_url}: {error}") from None
        if answer.status_code not in (200, 204):
            raise PhoneError(f"{path}: HTTP {answer.status_code} {answer.text[:200]}")
        return answer

    async def step(self, twiml: ET.Element, typed: Typed) -> ET.Element | None:
        """Play one TwiML answer; return the next one, or None when the call ends."""
        for element in twiml.iter("Say"):
            if (element.text or "").strip():
                self.out(f"Robô: {element.text.strip()}")
        gather = twiml.find("Gather")
        if gather is not None:
            keys = await typed()
            if keys is None:
                return None
            keys = keys.strip().rstrip("#")
            if keys:
                field = "Digits" if keys.isdigit() else "SpeechResult"
                return await self.post(gather.get("action", ""), **{field: keys})
        redirect = twiml.find("Redirect")
        if redirect is not None and (redirect.text or "").strip():
            return await self.post(redirect.text.strip())
        for verb in ("Dial", "Enqueue"):
            if twiml.find(verb) is not None:
                self.out(f"[{verb}: transferindo para um atendente]")
        return None

    async def call(self, typed: Typed) -> None:
        started = time.monotonic()
        if self.line.direction != "inbound":
            await self.status("in-progress", AnsweredBy="human")  # picked up by a person
        twiml: ET.Element | None = await self.post("/twilio/voice", CallStatus="ringing")
        while twiml is not None:
            twiml = await self.step(twiml, typed)
        seconds = str(max(1, round(time.monotonic() - started)))
        await self.status("completed", CallDuration=seconds)
        self.out("[ligação encerrada]")


async def demo_debtor(zone: str) -> dict[str, str] | None:
    """A customer with overdue open bills and a phone (the database open)."""
    from tortoise.expressions import Subquery

    from models import Customer, CustomerPhone, Receivable, clock

    today = clock.today_in(zone)
    overdue = Receivable.filter(status="open", due_date__lt=today, agreement_id__isnull=True)
    with_phone = Subquery(CustomerPhone.all().values("customer_id"))
    found = await overdue.filter(customer_id__in=with_phone).first()
    if found is None:
        return None
    customer = await Customer.get(id=found.customer_id)
    phone = await CustomerPhone.filter(customer_id=customer.id).first()
    assert phone is not None
    birth = customer.birth_date.strftime("%d/%m/%Y") if customer.birth_date else "—"
    return {
        "id": str(customer.id),
        "name": customer.name,
        "document": customer.document,
        "phone": phone.number,
        "birth": birth,
    }


async def sandbox_robot_call() -> Line | None:
    """The last robot call the dialer placed in the sandbox, as Twilio would ring it."""
    from models import SandboxChannel, SandboxMessage

    placed = await SandboxMessage.filter(channel=SandboxChannel.CALL).order_by("-id").first()
    if placed is None:
        return None
    return Line(placed.external_id, placed.sender, placed.recipient, "outbound-api")


async def sms_since(number: str, after: int) -> list[str]:
    """The SMS the sandbox kept for `number` after outbox message `after`."""
    from models import SandboxChannel, SandboxMessage

    found = await SandboxMessage.filter(
        channel=SandboxChannel.SMS, recipient=number, id__gt=after
    ).order_by("id")
    return [m.text for m in found]


async def last_outbox_id() -> int:
    from models import SandboxMessage

    last = await SandboxMessage.all().order_by("-id").first()
    return last.id if last else 0


async def keyboard() -> str | None:
    try:
        return await asyncio.to_thread(input, "Você (teclas; Enter = silêncio): ")
    except EOFError:
        return None


def phone(
    caller: Annotated[
        str | None, typer.Option("--from", help="Phone that calls (default: a demo debtor's)")
    ] = None,
    to: Annotated[str | None, typer.Option(help="The ISP's number that is called")] = None,
    app: Annotated[
        str | None, typer.Option(help="Where Quita answers (default: QUITA_PUBLIC_BASE_URL)")
    ] = None,
    answer: Annotated[
        bool, typer.Option("--answer", help="Answer the last robot call placed in the sandbox")
    ] = False,
) -> None:
    """A phone in the terminal: call the robot (or answer its call) through the app's Twilio
    webhooks, signed like Twilio's."""
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database

    # The configured Twilio values, or the stand-ins `quita serve --demo` derives.
    settings = load_settings(with_secret=True)
    if app and "public_base_url" not in settings.model_fields_set:
        # `quita serve --port N` takes http://127.0.0.1:N as its public URL when none is
        # configured; Twilio (and so this phone) signs the URL the app believes is its own.
        settings = settings.model_copy(update={"public_base_url": app})
    settings = settings.sandboxed()

    async def go() -> None:
        async with database(settings.database_url, apply_migrations=False):
            if answer:
                line = await sandbox_robot_call()
                if line is None:
                    fail("no robot call in the sandbox yet (QUITA_DIALER=true quita serve --demo)")
                typer.echo(f"O robô está ligando para {line.called}: atendendo.")
            else:
                number = caller
                if number is None:
                    debtor = await demo_debtor(settings.timezone)
                    if debtor is None:
                        fail("no customer with overdue bills and a phone: give --from")
                    number = debtor["phone"]
                    typer.echo(
                        f"Ligando como {debtor['name']}: CPF/CNPJ {debtor['document']}, "
                        f"nascimento {debtor['birth']}, telefone {number}"
                    )
                called = to or settings.twilio_from_number or SANDBOX_FROM_NUMBER
                line = Line("CA" + uuid.uuid4().hex, number, called)
            debtor_number = line.called if answer else line.caller
            since = await last_outbox_id()
            base = (app or settings.public_base_url).rstrip("/")
            async with httpx.AsyncClient(base_url=base, timeout=20) as client:
                try:
                    await Phone(client, settings, line, out=typer.echo).call(keyboard)
                except PhoneError as error:
                    fail(str(error))
            await asyncio.sleep(1)  # the SMS may still be on its way
            for text in await sms_since(debtor_number, since):
                typer.echo(f"SMS para {debtor_number}:\n{text}")

    run_command(go())
