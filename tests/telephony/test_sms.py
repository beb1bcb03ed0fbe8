"""SMS with the real `twilio` client, over HTTP, against the fake Twilio REST API."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

import pytest
from twilio.base.exceptions import TwilioRestException

from negotiation.sms_text import is_gsm7, sms_segments
from quita.settings import Settings
from telephony.sms import MAX_SEGMENTS, SendError, TwilioSmsSender
from telephony.twilio_client import (
    RebasingAsyncHttpClient,
    build_client,
    close_client,
    twilio_client,
)
from tests.fakes.twilio_api import FakeTwilioApi

RECIPIENT = "+5519988887777"
SERVICE_SID = "MG" + "ab12" * 8


@dataclass
class Sms:
    recipient: str
    text: str


def settings_for(api: FakeTwilioApi, **overrides) -> Settings:
    """Settings pointing the real client at the fake (From +5519999990000, no database)."""
    return api.settings(**overrides)


# --- sending ---------------------------------------------------------------------------


async def test_sends_from_the_number_with_status_callback(twilio_api: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(settings_for(twilio_api))
    text = "Olá! Seu acordo está pronto: https://quita.example.com/a/123"

    sid = await sender.send(Sms(RECIPIENT, text))

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    assert sender.channel == "sms"
    [sent] = twilio_api.messages
    assert sent == {
        "To": RECIPIENT,
        "From": "+5519999990000",
        "Body": text,
        "StatusCallback": "https://quita.example.com/twilio/sms/status",
    }
    [request] = twilio_api.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio_api.account_sid}/Messages.json"
    assert request.authorized and request.status == 201
    assert request.headers["x-forwarded-host"] == "api.twilio.com"
    assert twilio_api.created[sid]["status"] == "queued"


async def test_prefers_the_messaging_service(twilio_api: FakeTwilioApi) -> None:
    settings = settings_for(
        twilio_api, twilio_messaging_service_sid=SERVICE_SID, public_base_url="https://q.example/"
    )

    sid = await TwilioSmsSender(settings).send(Sms(RECIPIENT, "Oi"))

    [sent] = twilio_api.messages
    assert sent["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in sent
    assert sent["StatusCallback"] == "https://q.example/twilio/sms/status"
    assert twilio_api.created[sid]["messaging_service_sid"] == SERVICE_SID


async def test_a_shared_client_sends_many_and_the_caller_closes_it(
    twilio_api: FakeTwilioApi,
) -> None:
    settings = settings_for(twilio_api)
    client = build_client(settings)
    try:
        sender = TwilioSmsSender(settings, client=client)
        sids = [await sender.send(Sms(RECIPIENT, f"Mensagem {n}")) for n in range(3)]
    finally:
        await close_client(client)
        await close_client(client)  # twice is fine

    assert len(set(sids)) == 3
    assert [m["Body"] for m in twilio_api.messages] == ["Mensagem 0", "Mensagem 1", "Mensagem 2"]
    assert client.http_client.session.closed


async def test_the_same_client_places_calls(twilio_api: FakeTwilioApi) -> None:
    async with twilio_client(settings_for(twilio_api)) as client:
        call = await client.calls.create_async(
            to=RECIPIENT,
            from_="+5519999990000",
            url="https://quita.example.com/twilio/voice/answer",
            status_callback="https://quita.example.com/twilio/voice/status",
            machine_detection="DetectMessageEnd",
            async_amd="true",
        )

    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid)
    assert call.status == "queued"
    [placed] = twilio_api.calls
    assert placed["To"] == RECIPIENT
    assert placed["MachineDetection"] == "DetectMessageEnd"
    assert placed["AsyncAmd"] == "true"


async def test_the_fake_checks_calls_like_twilio(twilio_api: FakeTwilioApi) -> None:
    async with twilio_client(settings_for(twilio_api)) as client:
        with pytest.raises(TwilioRestException) as caught:
            await client.calls.create_async(to=RECIPIENT, from_="+5519999990000")
        assert caught.value.code == 21205
        twilio_api.fail_next(20429, endpoint="calls")
        assert await TwilioSmsSender(settings_for(twilio_api), client=client).send(
            Sms(RECIPIENT, "Oi")
        )
        with pytest.raises(TwilioRestException) as caught:
            await client.calls.create_async(
                to=RECIPIENT, from_="+5519999990000", twiml="<Response/>"
            )
        assert (caught.value.status, caught.value.code) == (429, 20429)
    assert twilio_api.calls == []
    assert len(twilio_api.messages) == 1


# --- failures --------------------------------------------------------------------------


async def test_bad_credentials(twilio_api: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(settings_for(twilio_api, twilio_auth_token="0" * 32))

    with pytest.raises(SendError) as caught:
        await sender.send(Sms(RECIPIENT, "Oi"))

    assert caught.value.code == 20003
    assert caught.value.status == 401
    assert not caught.value.permanent
    assert "20003" in str(caught.value)
    assert "credenciais" in str(caught.value)
    assert twilio_api.messages == []


async def test_invalid_number_is_permanent(twilio_api: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(settings_for(twilio_api))

    with pytest.raises(SendError) as caught:
        await sender.send(Sms("019988887777", "Oi"))  # not E.164: the fake refuses it

    assert caught.value.code == 21211
    assert caught.value.status == 400
    assert caught.value.permanent
    assert "21211" in str(caught.value) and "019988887777" in str(caught.value)


@pytest.mark.parametrize("code", [21211, 21610])
async def test_forced_permanent_errors(twilio_api: FakeTwilioApi, code: int) -> None:
    twilio_api.fail_next(code, 400)

    with pytest.raises(SendError) as caught:
        await TwilioSmsSender(settings_for(twilio_api)).send(Sms(RECIPIENT, "Oi"))

    assert caught.value.code == code
    assert caught.value.permanent
    assert f"erro {code}" in str(caught.value)


async def test_server_error_is_temporary_and_a_retry_works(twilio_api: FakeTwilioApi) -> None:
    twilio_api.fail_next(status=500)
    sender = TwilioSmsSender(settings_for(twilio_api))

    with pytest.raises(SendError) as caught:
        await sender.send(Sms(RECIPIENT, "Oi"))

    assert caught.value.status == 500
    assert caught.value.code == 20500
    assert not caught.value.permanent
    assert twilio_api.messages == []
    assert await sender.send(Sms(RECIPIENT, "Oi"))  # the failure was only the next request
    assert len(twilio_api.messages) == 1


async def test_unreachable_twilio_is_temporary() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="t" * 32,
        twilio_from_number="+5519999990000",
        twilio_api_base=f"http://127.0.0.1:{port}",
        secret_key="x" * 40,
        database_url="sqlite://:memory:",
    )

    with pytest.raises(SendError) as caught:
        await TwilioSmsSender(settings).send(Sms(RECIPIENT, "Oi"))

    assert not caught.value.permanent
    assert "inacessível" in str(caught.value)


async def test_slow_twilio_times_out(twilio_api: FakeTwilioApi) -> None:
    twilio_api.delay = 1.0
    settings = settings_for(twilio_api)

    async with twilio_client(settings, timeout=0.2) as client:
        with pytest.raises(SendError) as caught:
            await TwilioSmsSender(settings, client=client).send(Sms(RECIPIENT, "Oi"))

    assert not caught.value.permanent
    assert len(twilio_api.requests) == 1  # recorded on arrival, before the delay


async def test_not_configured(twilio_api: FakeTwilioApi) -> None:
    no_token = settings_for(twilio_api, twilio_auth_token=None)
    no_sender = settings_for(twilio_api, twilio_from_number=None)

    for settings in (no_token, no_sender):
        with pytest.raises(SendError, match="não configurado"):
            await TwilioSmsSender(settings).send(Sms(RECIPIENT, "Oi"))
    assert twilio_api.requests == []


async def test_too_long_or_empty_texts_are_not_sent(twilio_api: FakeTwilioApi) -> None:
    sender = TwilioSmsSender(settings_for(twilio_api))

    with pytest.raises(ValueError, match="segments"):
        await sender.send(Sms(RECIPIENT, "a" * (153 * MAX_SEGMENTS + 1)))
    with pytest.raises(ValueError, match="empty"):
        await sender.send(Sms(RECIPIENT, ""))
    assert await sender.send(Sms(RECIPIENT, "a" * 153 * MAX_SEGMENTS))
    assert len(twilio_api.requests) == 1


# --- re-basing -------------------------------------------------------------------------


async def test_rebase() -> None:
    fake = RebasingAsyncHttpClient("http://127.0.0.1:9999/proxy/")
    real = RebasingAsyncHttpClient("https://api.twilio.com")
    try:
        path = "/2010-04-01/Accounts/AC1/Messages.json"
        assert fake.rebase(f"https://api.twilio.com{path}?a=1") == (
            f"http://127.0.0.1:9999/proxy{path}?a=1"
        )
        assert fake.rebase(f"https://api.sao-paulo.us1.twilio.com{path}") == (
            f"http://127.0.0.1:9999/proxy{path}"
        )
        assert fake.rebase("https://example.com/x") == "https://example.com/x"
        assert fake.rebase("https://eviltwilio.com/x") == "https://eviltwilio.com/x"
        assert real.rebase(f"https://api.twilio.com{path}") == f"https://api.twilio.com{path}"
    finally:
        await fake.close()
        await real.close()
    with pytest.raises(ValueError):
        RebasingAsyncHttpClient("127.0.0.1:9999")


# --- segments --------------------------------------------------------------------------


def test_gsm7_segments() -> None:
    assert sms_segments("") == 0
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert is_gsm7("Você é o titular? Ç à é ñ ü @ £ $") is False  # "ê" is not GSM-7
    assert is_gsm7("Voce e o titular? Ç à é ñ ü @ £ $")
    assert sms_segments("é" * 160) == 1


def test_gsm7_extension_characters_count_twice() -> None:
    assert sms_segments("€" * 80) == 1
    assert sms_segments("€" * 81) == 2
    # 152 septets, then an escape pair that would straddle the segment boundary.
    assert sms_segments("a" * 152 + "€" + "a" * 7) == 2
    assert sms_segments("a" * 152 + "€" + "a" * 152) == 3


def test_ucs2_segments() -> None:
    assert not is_gsm7("ã")
    assert sms_segments("ã" * 70) == 1
    assert sms_segments("ã" + "a" * 69) == 1
    assert sms_segments("ã" + "a" * 70) == 2  # one "ã" turns all 71 characters into UCS-2
    assert sms_segments("ã" * 134) == 2
    assert sms_segments("ã" * 135) == 3
    assert sms_segments("Negociação concluída") == 1
    assert sms_segments("🙂" * 35) == 1  # surrogate pairs: two units each
    assert sms_segments("🙂" * 36) == 2
