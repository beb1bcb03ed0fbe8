"""The calls API on call rows as the voice dialog leaves them."""

from __future__ import annotations

from datetime import timedelta

from models import Call, clock
from models.enums import Role
from negotiation import ivr
from tests.telephony.test_voice import CPF, _debtor, _robot_call, voice_settings


async def test_calls_api_answers_a_real_robot_call(api, as_role, twilio_api):
    settings = voice_settings(twilio_api, "sqlite://:memory:")
    customer = await _debtor()
    call = await _robot_call(customer)
    now = clock.now()
    await ivr.answer(call, {"CallSid": call.sid}, settings, now)
    call = await Call.get(id=call.id)
    await ivr.machine(call, "human", False, settings, now)  # a person answered
    call = await Call.get(id=call.id)
    await ivr.proceed(call, "hello", settings, now + timedelta(seconds=2))
    call = await Call.get(id=call.id)
    await ivr.gathered(call, "person", "1", None, settings, now + timedelta(seconds=5))
    call = await Call.get(id=call.id)
    await ivr.gathered(call, "cpf3", CPF[:3], None, settings, now + timedelta(seconds=12))
    call = await Call.get(id=call.id)
    assert call.keys and isinstance(call.keys[0], dict)  # what the dialog really stores

    headers = await as_role(Role.ATTENDANT)
    listed = await api.get("/api/v1/calls", headers=headers)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()
    assert shown["id"] == call.id and shown["sid"] == call.sid
    assert shown["customer_id"] == customer.id and shown["direction"] == "outbound"
    assert [(k["step"], k["input"]) for k in shown["keys"]] == [("person", "1"), ("cpf3", "***")]
    one = await api.get(f"/api/v1/calls/{call.id}", headers=headers)
    assert one.status_code == 200, one.text
    assert one.json() == shown
