"""Inbound SMS (opt-out, the debtor's link) and SMS status callbacks, signed like Twilio."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from models import Customer, CustomerPhone, Delivery, Message
from models.clock import today_in
from models.enums import Channel, DeliveryChannel, DeliveryStatus
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.telephony.signing import post_signed, twilio_app

PHONE = "+5519988887777"


@pytest.fixture
async def sms_app(db, twilio_api) -> AsyncIterator:
    settings = twilio_api.settings(
        database_url=db, secret_key="x" * 40, public_base_url="https://quita.example", jobs=False
    )
    async with twilio_app(settings) as client:
        client.settings = settings
        yield client


async def _customer() -> Customer:
    customer = await make_customer(name="JOÃO PEREIRA")
    await CustomerPhone.create(customer=customer, number=PHONE)
    return customer


async def _text(client, body: str, sender: str = PHONE, sid: str | None = None) -> str:
    params = {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "From": sender,
        "To": "+5519999990000",
        "Body": body,
    }
    response = await post_signed(client, client.settings, "/twilio/sms", params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


@pytest.mark.parametrize("word", ["SAIR", "  parar ", "Sáir.", "PARAR!"])
async def test_sair_or_parar_opts_out(sms_app, word) -> None:
    customer = await _customer()
    reply = await _text(sms_app, word)
    assert "nao recebera mais mensagens" in reply and "Provedor Exemplo" in reply
    assert "ligue (19) 3333-4444" in reply  # QUITA_ISP_PHONE: where to reach us now
    await customer.refresh_from_db()
    assert customer.opted_out_at is not None


async def test_other_text_gets_the_link_and_a_repeat_writes_nothing(sms_app) -> None:
    customer = await _customer()
    reply = await _text(sms_app, "quero negociar", sid="SM" + "1" * 32)
    assert "https://t.me/QuitaBot?start=" in reply and "CNPJ 11.222.333/0001-81" in reply
    assert "/pagar/" not in reply and "SAIR" in reply and "Central: (19) 3333-4444" in reply
    count = await Message.all().count()
    again = await _text(sms_app, "quero negociar", sid="SM" + "1" * 32)
    assert again == reply
    assert await Message.all().count() == count == 2
    await customer.refresh_from_db()
    assert customer.opted_out_at is None


async def test_active_agreement_gets_the_payment_page(sms_app) -> None:
    customer = await _customer()
    today = today_in("America/Sao_Paulo")
    await make_receivable(customer, today - timedelta(days=20), "120.00")
    await make_condition(SEED_OPTIONS, is_default=True)
    offer = (await offers_for_customer(customer.id, today))[0]
    await accept(offer.quote, channel=Channel.CONSOLE, today=today, settings=sms_app.settings)
    reply = await _text(sms_app, "oi")
    assert "https://t.me/QuitaBot?start=" in reply and "https://quita.example/" in reply


async def test_unknown_number_gets_generic_help(sms_app) -> None:
    await _customer()
    reply = await _text(sms_app, "oi", sender="+5511900001111")
    assert "nao encontramos este numero" in reply and "Provedor Exemplo" in reply
    assert "start=" not in reply


async def test_unsigned_sms_gets_403(sms_app) -> None:
    params = {"MessageSid": "SM1", "From": PHONE, "Body": "SAIR"}
    response = await post_signed(sms_app, sms_app.settings, "/twilio/sms", params, sign=False)
    assert response.status_code == 403
    status = await post_signed(sms_app, sms_app.settings, "/twilio/sms/status", params, sign=False)
    assert status.status_code == 403


async def _delivery(settings, external_id: str) -> Delivery:
    customer = await _customer()
    today = today_in("America/Sao_Paulo")
    await make_receivable(customer, today - timedelta(days=20), "120.00")
    await make_condition(SEED_OPTIONS, is_default=True)
    offer = (await offers_for_customer(customer.id, today))[0]
    agreement = await accept(offer.quote, channel=Channel.VOICE, today=today, settings=settings)
    return await Delivery.create(
        agreement=agreement,
        channel=DeliveryChannel.SMS,
        recipient=PHONE,
        status=DeliveryStatus.SENT,
        attempts=1,
        external_id=external_id,
    )


async def _status(client, sid: str, status: str, **extra: str) -> int:
    params = {"MessageSid": sid, "MessageStatus": status, **extra}
    response = await post_signed(client, client.settings, "/twilio/sms/status", params)
    return response.status_code


async def test_status_callbacks_move_a_delivery_forward_only(sms_app) -> None:
    delivery = await _delivery(sms_app.settings, "SM" + "a" * 32)
    assert await _status(sms_app, delivery.external_id, "sent") == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert await _status(sms_app, delivery.external_id, "delivered") == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    # Late, repeated or out of order: nothing changes.
    for late in ("sent", "queued", "undelivered", "delivered"):
        assert await _status(sms_app, delivery.external_id, late, ErrorCode="30003") == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_error is None


async def test_undelivered_fails_with_the_error_code(sms_app) -> None:
    delivery = await _delivery(sms_app.settings, "SM" + "b" * 32)
    assert await _status(sms_app, delivery.external_id, "undelivered", ErrorCode="30003") == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "30003" in delivery.last_error
    assert await _status(sms_app, delivery.external_id, "delivered") == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert await _status(sms_app, "SM" + "c" * 32, "delivered") == 204  # unknown: ignored


async def test_a_nul_character_in_a_signed_message_is_dropped_not_refused(sms_app) -> None:
    # Twilio signs what it sends: a NUL in the text must not turn into an answer Twilio retries
    # forever (PostgreSQL's text cannot store it).
    customer = await _customer()
    reply = await _text(sms_app, "SA\x00IR", sid="SM\x00" + secrets.token_hex(15))
    assert "nao recebera mais mensagens" in reply
    await customer.refresh_from_db()
    assert customer.opted_out_at is not None
