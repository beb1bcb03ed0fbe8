"""Sending the payment instruments: e-mail through a real SMTP server, retries, failures shown,
and nothing written when a channel cannot be used."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from models import AuditLog, ContactAttempt, Delivery, PaymentInstrument, Receivable, clock
from models.enums import (
    Channel,
    ContactActor,
    DeliveryChannel,
    DeliveryStatus,
    MessageDirection,
    Role,
)
from negotiation.accept import accept
from negotiation.delivery import deliver_due, report_status, request_deliveries
from negotiation.delivery_messages import compose
from negotiation.errors import Conflict, InvalidInput
from negotiation.mail import SmtpSender
from negotiation.offers import offers_for_customer
from negotiation.payment_links import read_token
from negotiation.payments import pix
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable
from tests.negotiation.rule_factories import make_user

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 15, tzinfo=UTC)
# 01/12/2026 22:05 in São Paulo, when UTC already says 02/12.
LATE_EVENING = datetime(2026, 12, 2, 1, 5, tzinfo=UTC)


def _settings(smtp_url: str | None = None, **extra) -> Settings:
    return Settings(
        database_url="sqlite://:memory:",
        secret_key="k" * 40,
        smtp_url=smtp_url,
        email_sender="cobranca@provedor.example",
        email_subject="Seu acordo com o Provedor Exemplo",
        public_base_url="https://quita.example",
        **extra,
    )


async def _agreement(email: str | None = "maria@example.com", option: int = 2, **customer):
    debtor = await make_customer(email=email, **customer)
    await make_receivable(debtor, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(debtor.id, TODAY))[option].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)


async def test_the_email_carries_every_boleto_and_names_the_isp(db, smtp_server):
    agreement = await _agreement()
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}

    [delivery] = await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )

    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    [mail] = smtp_server.received
    assert mail["Subject"] == "Seu acordo com o Provedor Exemplo"
    assert mail["From"] == "cobranca@provedor.example"
    assert mail["To"] == "maria@example.com"
    assert mail["Message-ID"] == delivery.external_id
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (text, html):
        assert settings.isp_name in body and settings.isp_cnpj in body
        assert settings.isp_address in body
        assert "Central de atendimento: (19) 3333-4444" in body
    lines = [i.line for i in await PaymentInstrument.all()]
    assert len(lines) == 4 and all(line in text for line in lines)
    pdfs = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 4
    assert all(p.get_content().startswith(b"%PDF") for p in pdfs)
    assert sorted(p.get_filename() for p in pdfs) == [
        f"boleto-{agreement.id}-{n}.pdf" for n in (1, 2, 3, 4)
    ]
    link = next(w for w in text.split() if w.startswith("https://quita.example/p/"))
    assert read_token(link.rsplit("/", 1)[1], settings.secret_key, TODAY) == agreement.id
    assert await AuditLog.filter(action="delivery.request").count() == 1


async def test_a_send_that_went_is_the_attendants_contact_and_spends_no_budget(db, smtp_server):
    agreement = await _agreement()
    attendant = await make_user(role=Role.ATTENDANT)
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    smtp_server.refuse_next("451 4.3.0 try again later")

    [delivery] = await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, user=attendant
    )
    assert not await ContactAttempt.exists()  # it did not go: no contact yet

    await deliver_due(senders=senders, settings=settings, now=clock.now() + timedelta(minutes=3))
    [contact] = await ContactAttempt.all()
    assert (contact.customer_id, contact.channel, contact.actor, contact.user_id) == (
        agreement.customer_id,
        Channel.EMAIL,
        ContactActor.ATTENDANT,
        attendant.id,
    )
    # The instruments answer the agreement the debtor made: a reply, not an attempt.
    assert contact.direction == MessageDirection.IN
    assert f"envio {delivery.id}" in contact.note


async def test_the_email_dates_the_agreement_in_the_isp_zone(db, smtp_server):
    clock.travel(LATE_EVENING, tick=False)
    agreement = await _agreement()
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}

    await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )

    [mail] = smtp_server.received
    for kind in ("plain", "html"):
        body = mail.get_body((kind,)).get_content()
        assert "registrado em 01/12/2026" in body, body


async def test_a_temporary_refusal_is_retried_by_the_jobs(db, smtp_server):
    agreement = await _agreement()
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    smtp_server.refuse_next("451 4.3.0 try again later")

    [delivery] = await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )
    assert delivery.status == DeliveryStatus.PENDING and "451" in delivery.last_error
    assert delivery.next_attempt_at == NOW + timedelta(minutes=2)
    assert smtp_server.received == []

    assert await deliver_due(senders=senders, settings=settings, now=NOW) == 0  # not yet
    assert await deliver_due(senders=senders, settings=settings, now=NOW + timedelta(minutes=3))
    await delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT,
        2,
        None,
    )
    assert len(smtp_server.received) == 1


async def test_a_bad_address_fails_at_once_and_is_listed_for_the_attendants(db, smtp_server):
    agreement = await _agreement()
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    smtp_server.refuse_next("550 5.1.1 mailbox unavailable")

    [delivery] = await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert "550" in delivery.last_error


async def test_after_the_last_attempt_the_send_is_given_up(db, smtp_server):
    agreement = await _agreement()
    settings = _settings(smtp_server.url, delivery_attempts=3)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    smtp_server.refuse_next(*["451 busy"] * 5)

    await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )
    later = NOW
    for _ in range(4):
        later += timedelta(hours=3)
        await deliver_due(senders=senders, settings=settings, now=later)
    delivery = await Delivery.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert smtp_server.received == []


async def test_an_unreachable_server_is_a_temporary_failure(db):
    agreement = await _agreement()
    settings = _settings("smtp://127.0.0.1:9")  # discard port: nothing listens
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender, timeout=2)}
    [delivery] = await request_deliveries(
        agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings, now=NOW
    )
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error


async def test_nothing_is_queued_when_one_channel_cannot_be_used(db, smtp_server):
    agreement = await _agreement()  # has e-mail, no phone registered, no Telegram chat
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    senders["sms"] = senders["email"]  # configured, but the customer has no mobile
    with pytest.raises(InvalidInput, match="celular"):
        await request_deliveries(
            agreement.id,
            [DeliveryChannel.EMAIL, DeliveryChannel.SMS],
            senders=senders,
            settings=settings,
        )
    with pytest.raises(Conflict, match="Telegram não está configurado"):
        await request_deliveries(
            agreement.id, [DeliveryChannel.TELEGRAM], senders=senders, settings=settings
        )
    assert await Delivery.all().count() == 0 and smtp_server.received == []


@pytest.mark.parametrize(
    ("customer", "reason"),
    [
        ({"email": None}, "não tem e-mail"),
        ({"no_email": True}, "não ser contatado por e-mail"),
        ({"opted_out_at": NOW}, "pediu para não ser contatado; não enviamos e-mail"),
    ],
)
async def test_the_debtors_choices_are_honoured(db, smtp_server, customer, reason):
    agreement = await _agreement(**{"email": "a@example.com", **customer})
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    with pytest.raises(InvalidInput, match=reason):
        await request_deliveries(
            agreement.id, [DeliveryChannel.EMAIL], senders=senders, settings=settings
        )


async def test_the_sms_is_short_plain_and_carries_link_and_pix(db):
    agreement = await _agreement(option=0)
    settings = _settings()
    delivery = await Delivery.create(
        agreement=agreement, channel=DeliveryChannel.SMS, recipient="+5519988887777"
    )
    message = await compose(delivery, settings)
    assert message.text.isascii() and "\xa0" not in message.text
    assert "CNPJ 11.222.333/0001-81" in message.text and "Rua Ficticia, 100" in message.text
    assert "tel. (19) 3333-4444" in message.text
    link = next(w for w in message.text.split() if "/p/" in w)
    assert len(link) <= len("https://quita.example/p/") + 24
    payload = message.text.rsplit("PIX copia e cola: ", 1)[1]
    [bill] = await Receivable.filter(agreement_id=agreement.id)
    assert pix.parse(payload).amount == bill.amount
    assert len(message.text) <= 4 * 153


async def test_the_telegram_message_sends_pix_alone_with_qr_and_pdfs(db):
    agreement = await _agreement(option=1)
    delivery = await Delivery.create(
        agreement=agreement, channel=DeliveryChannel.TELEGRAM, recipient="123"
    )
    message = await compose(delivery, _settings())
    first = await PaymentInstrument.filter(receivable__installment_number=1).get()
    assert message.followups == (first.pix_payload,)
    kinds = [a.mime for a in message.attachments]
    assert kinds[0] == "image/png" and kinds[1:] == ["application/pdf"] * (len(kinds) - 1)


async def test_provider_reports_only_move_forward(db, smtp_server):
    agreement = await _agreement()
    delivery = await Delivery.create(
        agreement=agreement,
        channel=DeliveryChannel.SMS,
        recipient="+5519988887777",
        status=DeliveryStatus.SENT,
        external_id="SM123",
    )
    assert await report_status("SM123", DeliveryStatus.DELIVERED) == 1
    assert await report_status("SM123", DeliveryStatus.FAILED, "30005") == 0  # late, stale
    assert await report_status("SM123", DeliveryStatus.SENT) == 0
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


async def test_two_job_runners_send_a_due_delivery_once(pg_db, smtp_server):
    agreement = await _agreement()
    settings = _settings(smtp_server.url)
    senders = {"email": SmtpSender(settings.smtp_url, settings.email_sender)}
    await Delivery.create(
        agreement=agreement,
        channel=DeliveryChannel.EMAIL,
        recipient="maria@example.com",
        next_attempt_at=NOW,
    )
    tried = await asyncio.gather(
        *(deliver_due(senders=senders, settings=settings, now=NOW) for _ in range(4))
    )
    assert sum(tried) == 1 and len(smtp_server.received) == 1
