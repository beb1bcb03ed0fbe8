"""`quita phone`: the terminal phone drives the robot through the signed voice webhooks of an
app in the sandbox, for an inbound call and for a robot call the dialer placed there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from models import Agreement, Call, CustomerPhone, SandboxMessage, clock
from models.enums import CallStatus, ContactOutcome, EntryState
from quita.app import create_app
from quita.cli_phone import Line, Phone, sandbox_robot_call
from telephony.dialer import SANDBOX_RING, Dialer, run
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.negotiation.test_dialer_queue import MONDAY_2PM, due_entry, robot_campaign
from tests.quita.demo_server import DemoServer, demo_server

CPF = "52998224725"
PHONE = "+5519988887777"


def sandbox_settings(db, twilio_api):
    # The fake Twilio's real credentials: in the sandbox nothing may reach it all the same.
    return twilio_api.settings(database_url=db, jobs=False).sandboxed()


@asynccontextmanager
async def app_client(settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        yield client
    await app.state.channels.aclose()


def keys(*typed: str):
    pending = list(typed)

    async def next_keys() -> str | None:
        return pending.pop(0) if pending else None

    return next_keys


async def test_an_inbound_call_makes_an_agreement_and_its_sms_stays_in_the_sandbox(
    db, twilio_api
) -> None:
    settings = sandbox_settings(db, twilio_api)
    customer = await make_customer(name="MARIA DA SILVA", document=CPF)
    await CustomerPhone.create(customer=customer, number=PHONE)
    today = clock.today_in(settings.timezone)
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    heard: list[str] = []

    async with app_client(settings) as client:
        phone = Phone(
            client, settings, Line("CA" + "1" * 32, PHONE, "+5519999990000"), heard.append
        )
        # It is me; the CPF's first digits; the first offer (cash); confirm.
        await phone.call(keys("1", CPF[:3], "1", "1"))

    text = "\n".join(heard)
    assert "falo com Maria?" in text
    assert "registrado" in text and heard[-1] == "[ligação encerrada]"
    assert await Agreement.filter(customer_id=customer.id).count() == 1
    [sms] = await SandboxMessage.filter(channel="sms")
    assert sms.recipient == PHONE and "PIX copia e cola" in sms.text
    assert twilio_api.requests == []


async def test_the_phone_answers_the_robot_call_the_dialer_placed_in_the_sandbox(
    db, twilio_api
) -> None:
    settings = sandbox_settings(db, twilio_api)
    campaign = await robot_campaign()
    entry = await due_entry(campaign, phone="+5511987654321", name="JOANA PEREIRA")

    assert await run(settings, once=True, now=lambda: MONDAY_2PM) == 1
    line = await sandbox_robot_call()
    assert line is not None and line.called == "+5511987654321"
    assert line.direction == "outbound-api" and twilio_api.requests == []
    [placed] = await SandboxMessage.filter(channel="call")
    assert placed.details["entry_id"] == entry.id

    heard: list[str] = []
    async with app_client(settings) as client:
        await Phone(client, settings, line, heard.append).call(keys("2"))  # "not me"
    text = "\n".join(heard)
    assert "falo com Joana?" in text
    assert heard[-1] == "[ligação encerrada]"
    # Twilio's callbacks came too: answered by a person, then completed; the line is free.
    call = await Call.get(sid=line.sid)
    assert call.status == CallStatus.COMPLETED and call.answered_by == "human"
    assert call.outcome == ContactOutcome.WRONG_PARTY


async def test_a_sandbox_call_nobody_answers_ends_as_not_answered(db, twilio_api) -> None:
    settings = sandbox_settings(db, twilio_api)
    campaign = await robot_campaign(retry_minutes=30)
    entry = await due_entry(campaign)
    assert await run(settings, once=True, now=lambda: MONDAY_2PM) == 1
    [call] = await Call.all()
    dialer = Dialer(settings, now=lambda: MONDAY_2PM)

    await dialer.recover()  # still ringing: `quita phone --answer` may pick it up
    await call.refresh_from_db()
    assert call.status == CallStatus.QUEUED

    clock.travel(clock.now() + SANDBOX_RING + timedelta(seconds=1))
    await dialer.recover()
    await call.refresh_from_db()
    assert call.status == CallStatus.NO_ANSWER and call.outcome == ContactOutcome.NO_ANSWER
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED


def test_quita_phone_against_quita_serve_demo(demo_folder) -> None:
    with demo_server(demo_folder) as server:
        said = server.quita("phone", input="1\n")
    assert "Ligando como " in said  # a demo debtor with overdue bills
    assert "Tecle 1 para sim" in said
    assert "três primeiros números do seu CPF" in said
    assert "[ligação encerrada]" in said


def test_quita_phone_app_option_signs_for_that_address(demo_folder) -> None:
    """With no QUITA_PUBLIC_BASE_URL, `--app` says where the app is and what it calls itself
    (as `quita serve --port N` does), so the requests are signed for that address."""
    with demo_server(demo_folder) as server:
        env = {k: v for k, v in server.env.items() if k != "QUITA_PUBLIC_BASE_URL"}
        phone = DemoServer(server.folder, server.url, env)
        said = phone.quita("phone", "--app", server.url, input="1\n")
    assert "Tecle 1 para sim" in said and "assinatura" not in said
