"""The sandbox (QUITA_SANDBOX): an agreement's instruments sent by e-mail, SMS and Telegram stay
in the outbox (the fake SMTP, Twilio and Telegram servers receive nothing), the delivery
timeline still says sent, and the console's "Caixa de saída (demo)" shows them."""

from __future__ import annotations

from datetime import date

import pytest

from models import Agreement, CustomerPhone, SandboxMessage
from models.enums import Channel, Role
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from quita.app import create_app
from quita.settings import Settings
from tests.admin.conftest import PASSWORD
from tests.admin.console.conftest import login_form
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)
CHAT = 777001
SECRET = "a-test-secret-of-at-least-32-bytes-long"


@pytest.fixture
async def console_app(db, smtp_server, twilio_api, telegram_api):
    # Real credentials for the fakes: the sandbox must still send nothing to them.
    settings = Settings(
        database_url=db,
        secret_key=SECRET,
        jobs=False,
        smtp_url=smtp_server.url,
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=twilio_api.auth_token,
        twilio_from_number="+5519900001111",
        twilio_api_base=twilio_api.url,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
    ).sandboxed()
    app = create_app(settings)
    yield app
    await app.state.channels.aclose()


async def _agreement() -> Agreement:
    debtor = await make_customer(email="joana@example.com", telegram_chat_id=CHAT)
    await CustomerPhone.create(customer=debtor, number="+5519988887777")
    await make_receivable(debtor, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(debtor.id, TODAY))[1].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)


async def _send_all(browser, agreement: Agreement) -> None:
    token = (
        await browser.post(
            "/api/v1/auth/token", data={"username": "attendant", "password": PASSWORD}
        )
    ).json()["access_token"]
    answer = await browser.post(
        f"/api/v1/agreements/{agreement.id}/deliveries",
        json={"channels": ["email", "sms", "telegram"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    assert [d["status"] for d in answer.json()] == ["sent"] * 3


async def test_deliveries_land_in_the_outbox_and_nothing_leaves(
    browser, sign_in, smtp_server, twilio_api, telegram_api
):
    agreement = await _agreement()
    await _send_all(browser, agreement)

    assert smtp_server.received == []
    assert twilio_api.messages == []
    assert telegram_api.calls == []
    [mail] = await SandboxMessage.filter(channel="email").prefetch_related("attachments")
    assert mail.recipient == "joana@example.com" and mail.sender == "cobranca@provedor.example"
    assert mail.subject == "Seu acordo de pagamento" and "11.222.333/0001-81" in mail.text
    assert mail.attachments and {a.mime for a in mail.attachments} == {"application/pdf"}
    assert all(a.content.startswith(b"%PDF") for a in mail.attachments)
    [sms] = await SandboxMessage.filter(channel="sms")
    assert sms.recipient == "+5519988887777" and "PIX copia e cola: " in sms.text
    telegram = await SandboxMessage.filter(channel="telegram").order_by("id")
    assert {m.recipient for m in telegram} == {str(CHAT)}
    assert telegram[0].details["method"] == "sendMessage"
    assert "sendPhoto" in [m.details["method"] for m in telegram]


async def test_the_console_shows_the_outbox_and_its_files(browser, sign_in):
    agreement = await _agreement()
    await _send_all(browser, agreement)
    await sign_in(Role.ATTENDANT)

    home = await browser.get("/console")
    assert 'href="/console/outbox"' in home.text and "Caixa de saída (demo)" in home.text
    page = await browser.get("/console/outbox")
    assert page.status_code == 200
    html = page.text
    assert "Seu acordo de pagamento" in html and "joana@example.com" in html
    assert '<iframe sandbox=""' in html
    assert "+5519988887777" in html and "PIX copia e cola" in html
    assert f"para {CHAT}" in html
    # Newest first: the Telegram messages went last, the e-mail first.
    assert html.index('data-channel="telegram"') < html.index('data-channel="email"')

    mail = await SandboxMessage.get(channel="email").prefetch_related("attachments")
    pdf = mail.attachments[0]
    url = f"/console/outbox/{mail.id}/attachments/{pdf.id}"
    assert f'href="{url}"' in html
    download = await browser.get(url)
    assert download.status_code == 200 and download.content == pdf.content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    images = [
        a
        for m in await SandboxMessage.filter(channel="telegram").prefetch_related("attachments")
        for a in m.attachments
        if a.mime.startswith("image/")
    ]
    assert images, "the QR code goes as a photo"
    image_url = f"/console/outbox/{images[0].message_id}/attachments/{images[0].id}"
    assert f'<img src="{image_url}"' in html
    shown = await browser.get(image_url)
    assert shown.status_code == 200 and shown.content.startswith(b"\x89PNG")
    assert (await browser.get(f"/console/outbox/{mail.id}/attachments/99999")).status_code == 404


async def test_an_agency_cannot_read_the_outbox(browser, sign_in):
    await sign_in(Role.AGENCY)
    assert (await browser.get("/console/outbox")).status_code == 403


async def test_without_the_sandbox_there_is_no_outbox(db, users):
    import httpx

    app = create_app(Settings(database_url=db, secret_key=SECRET, jobs=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        form = await login_form(client, username="admin", password=PASSWORD)
        await client.post("/console/login", data=form)
        home = await client.get("/console")
        assert home.status_code == 200 and "/console/outbox" not in home.text
        assert (await client.get("/console/outbox")).status_code == 404
