"""POST /twilio/voice/status through the app, signed with the twilio library's validator."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest
from twilio.request_validator import RequestValidator

from models import (
    Call,
    CampaignEntry,
    ContactAttempt,
    Conversation,
    Customer,
    CustomerPhone,
)
from models.enums import (
    CallDirection,
    CallStatus,
    Channel,
    ContactOutcome,
    EntryState,
    MessageAuthor,
    MessageDirection,
)
from quita.app import create_app
from tests.factories import make_customer, voice_timeline
from tests.negotiation.test_call_outcomes import SID, placed_call
from tests.negotiation.test_dialer_queue import MONDAY_2PM, settings, utc
from tests.telephony.signing import TwiML

TOKEN = "f" * 32
BASE = "https://quita.example.com"
PATH = "/twilio/voice/status"


@pytest.fixture
async def twilio(db):
    app = create_app(settings(database_url=db, twilio_auth_token=TOKEN, public_base_url=BASE))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:8000") as client:
        yield client


def signed(params: dict[str, str], *, token: str = TOKEN, url: str = BASE + PATH) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def callback(status: str, at=MONDAY_2PM, **extra: str) -> dict[str, str]:
    params = {
        "AccountSid": "AC" + "1" * 32,
        "CallSid": SID,
        "CallStatus": status,
        "Direction": "outbound-api",
        "Timestamp": format_datetime(utc(at), usegmt=True),
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
    }
    params.update(extra)
    return params


async def post(client: httpx.AsyncClient, params: dict[str, str], **sign) -> httpx.Response:
    return await client.post(PATH, data=params, headers=signed(params, **sign))


async def test_signed_callbacks_walk_the_call(twilio) -> None:
    call = await placed_call()
    for status in ("initiated", "ringing"):
        assert (await post(twilio, callback(status))).status_code == 204
    answered = callback("in-progress", MONDAY_2PM + timedelta(seconds=8), AnsweredBy="human")
    assert (await post(twilio, answered)).status_code == 204
    await Call.filter(id=call.id).update(outcome=ContactOutcome.AGREEMENT)
    end = callback("completed", MONDAY_2PM + timedelta(seconds=70), CallDuration="62")
    response = await post(twilio, end)

    assert response.status_code == 204 and response.content == b""
    await call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 62
    assert call.answered_at == MONDAY_2PM + timedelta(seconds=8)
    assert call.ended_at == MONDAY_2PM + timedelta(seconds=70)
    assert call.answered_by == "human"
    entry = await CampaignEntry.get(id=call.entry_id)
    assert entry.state == EntryState.DONE


async def test_a_machine_answer_ends_as_voicemail(twilio) -> None:
    # The router reads Twilio's AnsweredBy; negotiation gets only the fact "a machine".
    call = await placed_call()
    machine = callback("in-progress", MONDAY_2PM, AnsweredBy="machine_end_beep")
    assert (await post(twilio, machine)).status_code == 204
    end = callback("completed", MONDAY_2PM + timedelta(seconds=20), CallDuration="12")
    assert (await post(twilio, end)).status_code == 204

    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.VOICEMAIL and call.answered_by == "machine_end_beep"
    entry = await CampaignEntry.get(id=call.entry_id)
    assert entry.state == EntryState.SCHEDULED


async def test_repeated_and_out_of_order_callbacks_change_nothing(twilio) -> None:
    call = await placed_call()
    assert (await post(twilio, callback("no-answer", CallDuration="0"))).status_code == 204
    await call.refresh_from_db()
    entry = await CampaignEntry.get(id=call.entry_id)
    before = (call.status, call.ended_at, entry.state, entry.reschedule_at, entry.attempts)

    later = MONDAY_2PM + timedelta(minutes=3)
    for status in ("no-answer", "ringing", "initiated", "completed"):
        response = await post(twilio, callback(status, later, CallDuration="40"))
        assert response.status_code == 204

    await call.refresh_from_db()
    entry = await CampaignEntry.get(id=call.entry_id)
    assert (call.status, call.ended_at, entry.state, entry.reschedule_at, entry.attempts) == before
    assert entry.state == EntryState.SCHEDULED
    assert entry.reschedule_at == MONDAY_2PM + timedelta(minutes=120)
    [attempt] = await ContactAttempt.all()
    assert attempt.outcome == ContactOutcome.NO_ANSWER


async def test_bad_or_missing_signature_is_refused(twilio) -> None:
    call = await placed_call()
    params = callback("completed")

    tampered = dict(params, CallStatus="busy")
    assert (await twilio.post(PATH, data=tampered, headers=signed(params))).status_code == 403
    assert (await post(twilio, params, token="0" * 32)).status_code == 403
    # Signed for the internal URL instead of the public one.
    assert (await post(twilio, params, url="http://internal:8000" + PATH)).status_code == 403
    assert (await twilio.post(PATH, data=params)).status_code == 403

    await call.refresh_from_db()
    assert call.status == CallStatus.QUEUED


async def test_unknown_call_is_answered_and_ignored(twilio) -> None:
    params = callback("completed", CallSid="CA" + "9" * 32)
    assert (await post(twilio, params)).status_code == 204


# --- an inbound call's transcript, written when Twilio reports the call ended ---------------

VOICE_PATH = "/twilio/voice"
CALLER = "+5519988887777"
CALLEE = "+5519999990000"


def inbound_answer(sid: str) -> dict[str, str]:
    """Twilio's first request of an inbound call from CALLER."""
    return {
        "AccountSid": "AC" + "1" * 32,
        "CallSid": sid,
        "From": CALLER,
        "To": CALLEE,
        "Direction": "inbound",
        "CallStatus": "ringing",
    }


async def press_inbound(client: httpx.AsyncClient, sid: str, action: str, digits: str) -> TwiML:
    """The caller's keys, posted to a `<Gather>`'s action URL as Twilio does."""
    params = {**inbound_answer(sid), "CallStatus": "in-progress", "Digits": digits}
    response = await client.post(
        action.removeprefix(BASE), data=params, headers=signed(params, url=action)
    )
    return TwiML.of(response)


async def answer_inbound(client: httpx.AsyncClient, sid: str) -> TwiML:
    params = inbound_answer(sid)
    headers = signed(params, url=BASE + VOICE_PATH)
    response = await client.post(VOICE_PATH, data=params, headers=headers)
    return TwiML.of(response)


async def caller() -> Customer:
    customer = await make_customer(name="MARIA DA SILVA")
    await CustomerPhone.create(customer=customer, number=CALLER)
    return customer


async def test_a_call_ended_during_its_first_question_is_recorded_with_its_greeting(
    twilio,
) -> None:
    customer = await caller()
    sid = "CA" + "3" * 32
    hello = await answer_inbound(twilio, sid)
    assert hello.step == "person" and "Maria?" in hello.text
    # The first answer writes nothing: the call's next request does.
    assert await Call.filter(sid=sid).count() == 0 and await voice_timeline(sid) == []

    end = callback(
        "completed", CallSid=sid, Direction="inbound", CallDuration="9", From=CALLER, To=CALLEE
    )
    assert (await post(twilio, end)).status_code == 204

    call = await Call.get(sid=sid)
    assert call.customer_id == customer.id and call.direction == CallDirection.INBOUND
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 9
    assert call.step == "person" and "transcript" not in call.data
    [greeting] = await voice_timeline(sid)
    assert greeting.text == hello.text
    assert greeting.direction == MessageDirection.OUT and greeting.author == MessageAuthor.BOT
    assert greeting.payload["call_id"] == call.id
    conversation = await Conversation.get(id=greeting.conversation_id)
    assert conversation.channel == Channel.VOICE and conversation.external_ref == sid

    assert (await post(twilio, end)).status_code == 204  # Twilio repeats it
    assert [m.id for m in await voice_timeline(sid)] == [greeting.id]
    assert await Conversation.filter(external_ref=sid).count() == 1
    assert await Call.filter(sid=sid).count() == 1


async def test_the_same_first_request_twice_at_once_gets_the_same_question(twilio) -> None:
    customer = await caller()
    sid = "CA" + "4" * 32
    first, second = await asyncio.gather(answer_inbound(twilio, sid), answer_inbound(twilio, sid))
    for twiml in (first, second):
        assert twiml.step == "person" and twiml.verbs == ["Gather", "Redirect"]
        assert "Maria?" in twiml.text
    assert first.gather.get("action") == second.gather.get("action")
    assert await Call.all().count() == 0

    # Both answers' key presses at once: one row, written by whichever came first.
    presses = [
        press_inbound(twilio, sid, first.gather.get("action"), "1"),
        press_inbound(twilio, sid, second.gather.get("action"), "1"),
    ]
    answers = await asyncio.gather(*presses)
    [call] = await Call.filter(sid=sid)
    assert call.customer_id == customer.id and call.step == "cpf3"
    assert [k["step"] for k in call.keys] == ["person"]  # the key acted on once
    for twiml in answers:
        assert twiml.verbs == ["Gather", "Redirect"]
    assert "cpf3" in {twiml.step for twiml in answers}


async def test_a_duration_no_column_holds_is_ignored_not_a_crash(twilio) -> None:
    call = await placed_call()
    end = callback("completed", MONDAY_2PM + timedelta(seconds=70), CallDuration="9" * 30)
    assert (await post(twilio, end)).status_code == 204
    await call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED and call.duration_seconds is None
