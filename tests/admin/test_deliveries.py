"""Sending an agreement's instruments through the API: e-mail to a real SMTP server, SMS
through the real twilio client, Telegram through aiogram's real client, each on its fake."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from models import Agreement, CustomerPhone, Delivery
from models.enums import Channel, DeliveryStatus, Role
from negotiation.accept import accept
from negotiation.deep_links import read_link_token
from negotiation.offers import offers_for_customer
from negotiation.payments import pix
from quita.app import create_app
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)
CHAT = 777001


@pytest.fixture
async def wired(db, users, smtp_server, twilio_api, telegram_api):
    settings = Settings(
        database_url=db,
        secret_key="a-test-secret-of-at-least-32-bytes-long",
        smtp_url=smtp_server.url,
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=twilio_api.auth_token,
        twilio_from_number="+5519900001111",
        twilio_api_base=twilio_api.url,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
        public_base_url="https://quita.example",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        token = (
            await client.post(
                "/api/v1/auth/token", data={"username": "attendant", "password": "senha-de-teste"}
            )
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    await app.state.channels.aclose()


async def _agreement() -> Agreement:
    debtor = await make_customer(email="joana@example.com", telegram_chat_id=CHAT)
    await CustomerPhone.create(customer=debtor, number="+5519988887777")
    await make_receivable(debtor, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(debtor.id, TODAY))[1].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)


async def test_the_attendant_sends_by_every_channel(wired, smtp_server, twilio_api, telegram_api):
    agreement = await _agreement()
    answer = await wired.post(
        f"/api/v1/agreements/{agreement.id}/deliveries",
        json={"channels": ["email", "sms", "telegram"]},
    )
    assert answer.status_code == 201, answer.text
    assert [d["status"] for d in answer.json()] == ["sent"] * 3

    [mail] = smtp_server.received
    assert mail["To"] == "joana@example.com"
    body = mail.get_body(("plain",)).get_content()
    token = body.split("https://t.me/QuitaBot?start=")[1].split()[0]  # the way into the bot
    assert read_link_token(token, "a-test-secret-of-at-least-32-bytes-long")[0] == (
        agreement.customer_id
    )
    [sms] = twilio_api.messages
    assert sms["To"] == "+5519988887777" and sms["From"] == "+5519900001111"
    assert sms["StatusCallback"] == "https://quita.example/twilio/sms/status"
    assert "https://quita.example/p/" in sms["Body"] and "11.222.333/0001-81" in sms["Body"]
    pix.parse(sms["Body"].rsplit("PIX copia e cola: ", 1)[1])
    methods = [c.method for c in telegram_api.sent_to(CHAT)]
    assert methods[0] == "sendMessage" and "sendPhoto" in methods and "sendDocument" in methods
    assert methods[-1] == "sendMessage"  # the PIX copy-and-paste, alone
    pix.parse(telegram_api.sent_to(CHAT)[-1].params["text"])

    detail = (await wired.get(f"/api/v1/agreements/{agreement.id}")).json()
    assert [(d["channel"], d["status"]) for d in detail["deliveries"]] == [
        ("email", "sent"),
        ("sms", "sent"),
        ("telegram", "sent"),
    ]


async def test_a_failed_send_is_listed_and_can_be_retried(wired, twilio_api):
    agreement = await _agreement()
    twilio_api.fail_next(21211)  # invalid number: permanent
    answer = await wired.post(
        f"/api/v1/agreements/{agreement.id}/deliveries", json={"channels": ["sms"]}
    )
    assert answer.json()[0]["status"] == "failed"
    assert "21211" in answer.json()[0]["last_error"]
    failed = (await wired.get("/api/v1/deliveries")).json()
    assert [d["id"] for d in failed] == [answer.json()[0]["id"]]

    retried = await wired.post(f"/api/v1/deliveries/{failed[0]['id']}/retry")
    assert retried.json()["status"] == "sent"
    assert (await wired.get("/api/v1/deliveries")).json() == []
    again = await wired.post(f"/api/v1/deliveries/{failed[0]['id']}/retry")
    assert again.status_code == 409


async def test_bad_requests_say_what_is_wrong(wired):
    agreement = await _agreement()
    url = f"/api/v1/agreements/{agreement.id}/deliveries"
    assert (await wired.post(url, json={"channels": []})).status_code == 422
    assert (await wired.post(url, json={"channels": ["fax"]})).status_code == 422
    dup = await wired.post(url, json={"channels": ["sms", "sms"]})
    assert dup.status_code == 422 and "uma vez" in dup.json()["detail"]
    assert (
        await wired.post("/api/v1/agreements/999999/deliveries", json={"channels": ["sms"]})
    ).status_code == 404
    assert await Delivery.all().count() == 0


async def test_unconfigured_channels_and_agencies_are_refused(api, as_role, db):
    agreement = await _agreement()
    url = f"/api/v1/agreements/{agreement.id}/deliveries"
    answer = await api.post(
        url, json={"channels": ["email"]}, headers=await as_role(Role.ATTENDANT)
    )
    assert answer.status_code == 409 and "não está configurado" in answer.json()["detail"]
    agency = await api.post(url, json={"channels": ["email"]}, headers=await as_role(Role.AGENCY))
    assert agency.status_code == 403
    assert await Delivery.filter(status=DeliveryStatus.PENDING).count() == 0
