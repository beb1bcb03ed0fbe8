"""A call's real status, asked of Twilio's REST API (GET .../Calls/{CallSid}.json), for the
sweeper of calls whose status callback never came (negotiation/call_sweeper.py)."""

from __future__ import annotations

import aiohttp
from twilio.base.exceptions import TwilioRestException

from negotiation.call_sweeper import RemoteCall, SweepReport, sweep_calls
from negotiation.errors import ProviderUnavailable
from quita.settings import Settings
from telephony.twilio_client import build_client, close_client
from telephony.twilio_form import is_machine, whole_number

# Seconds for one lookup: the sweep runs inside the background jobs' round, which waits.
LOOKUP_TIMEOUT = 5.0


def _remote(instance) -> RemoteCall:
    status = str(getattr(instance.status, "value", instance.status) or "")
    return RemoteCall(
        status=status,
        duration=whole_number(instance.duration),
        answered_by=instance.answered_by or None,
        machine=is_machine(instance.answered_by),
        ended_at=instance.end_time,
    )


async def sweep_stale_calls(settings: Settings) -> SweepReport:
    """One sweep. Twilio is asked only when configured and outside the sandbox (where no
    call leaves), through a client opened on the first lookup and closed after the sweep."""
    if settings.sandbox or not (settings.twilio_account_sid and settings.twilio_auth_token):
        return await sweep_calls(None, settings)
    client = None

    async def lookup(sid: str) -> RemoteCall | None:
        nonlocal client
        if client is None:
            client = build_client(settings, timeout=LOOKUP_TIMEOUT)
        try:
            return _remote(await client.calls(sid).fetch_async())
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise ProviderUnavailable(f"Twilio respondeu {exc.status}: {exc.msg}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ProviderUnavailable(f"Twilio fora do ar: {type(exc).__name__}") from exc

    try:
        return await sweep_calls(lookup, settings)
    finally:
        if client is not None:
            await close_client(client)
