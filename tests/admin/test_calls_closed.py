"""A call closed without its final status says why on the calls API."""

from __future__ import annotations

from models import Call
from models.enums import Role
from quita.settings import Settings
from telephony.call_lookup import sweep_stale_calls
from tests.telephony.test_call_sweeper import stuck_call


async def test_a_call_closed_without_status_shows_the_reason(api, as_role, db, twilio_api):
    call, _ = await stuck_call(db, twilio_api)
    await sweep_stale_calls(Settings(database_url=db, secret_key="k" * 40))  # no Twilio

    shown = await api.get(f"/api/v1/calls/{call.id}", headers=await as_role(Role.ATTENDANT))
    assert shown.json()["status"] == "failed"
    reason = shown.json()["closed_without_status"]
    assert reason == "sem status final: telefonia não configurada (ou sandbox)"
    assert (await Call.get(id=call.id)).closed_without_status == reason
