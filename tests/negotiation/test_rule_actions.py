"""A rule's message actions: e-mail through a local SMTP server, SMS through the real twilio
client against the fake Twilio API, Telegram through the app's aiogram channel against the fake
Bot API; once per debtor and debt episode, on or after the days-late mark, through the gate."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from models import (
    ActionSend,
    Campaign,
    CampaignEntry,
    CollectionAction,
    ContactAttempt,
    Conversation,
    CustomerPhone,
    Message,
    MessageTemplate,
    Receivable,
    RuleRun,
)
from models.enums import (
    ActionKind,
    ActionSendStatus,
    AgreementStatus,
    Channel,
    EntryState,
    ReceivableStatus,
    RunStatus,
)
from negotiation.deep_links import read_link_token
from negotiation.mail import SmtpSender
from negotiation.message_templates import seed_defaults
from negotiation.rule_actions import Outlets, Tally, run_actions
from quita.channels import action_outlets, build_channels
from quita.settings import Settings
from telephony.sms import TwilioSmsSender
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_agreement, make_rule

# Day 150 of a bill due 02/07/2026 is Sunday 29/11/2026. 14:00 in São Paulo each day.
DUE = date(2026, 7, 2)
SATURDAY = datetime(2026, 11, 28, 17, tzinfo=UTC)  # day 149
SUNDAY = datetime(2026, 11, 29, 17, tzinfo=UTC)  # day 150: no contact on Sundays
MONDAY = datetime(2026, 11, 30, 17, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 1, 17, tzinfo=UTC)
CNPJ = "11.222.333/0001-81"
CHAT = 770001


def _settings(**extra) -> Settings:
    values = {
        "database_url": "sqlite://:memory:",
        "secret_key": "k" * 40,
        "telegram_bot_username": "ProvedorBot",
        "public_base_url": "https://quita.example",
        "email_sender": "cobranca@provedor.example",
        "isp_phone": "(19) 3333-4444",
    }
    values.update(extra)
    return Settings(**values)


async def _campaign_of(rule, *customers, state=EntryState.PENDING) -> Campaign:
    """The rule's latest finished run with one entry per customer."""
    run = await RuleRun.create(rule=rule, status=RunStatus.FINISHED, finished_at=SATURDAY)
    campaign = await Campaign.create(rule=rule, run=run, description="Campanha")
    for position, customer in enumerate(customers, 1):
        await CampaignEntry.create(
            campaign=campaign,
            rule=rule,
            customer=customer,
            position=position,
            total_debt=Decimal("150.00"),
            receivables_count=1,
            oldest_due_date=DUE,
            state=state,
        )
    return campaign


async def _debtor(**extra):
    customer = await make_customer(state="SP", **extra)
    await make_receivable(customer, DUE, "150.00")
    return customer


async def _template(channel: str, text: str, **extra) -> MessageTemplate:
    return await MessageTemplate.create(
        channel=channel, name=f"Modelo {channel}", text=text, **extra
    )


async def test_email_fires_on_the_first_allowed_day_after_its_mark(db, smtp_server):
    settings = _settings(smtp_url=smtp_server.url)
    outlets = Outlets({"email": SmtpSender(settings.smtp_url, settings.email_sender)})
    customer = await _debtor(email="maria@example.com", name="MARIA DA SILVA")
    template = await _template(
        "email",
        "Olá, {primeiro_nome}. Você deve {total} desde {vencimento_mais_antigo}. "
        "Pague em {link_pagamento}. Central: {telefone_empresa}",
        subject="Pendência com a {empresa}",
        html="<p>Olá, {primeiro_nome}: {total}</p>",
    )
    rule = await make_rule()
    await CollectionAction.create(
        rule=rule, kind=ActionKind.EMAIL, days_late=150, message_template=template
    )
    await _campaign_of(rule, customer)

    assert await run_actions(outlets, settings, SATURDAY) == Tally()  # day 149: not yet
    assert await ActionSend.all().count() == 0

    sunday = await run_actions(outlets, settings, SUNDAY)  # day 150 is a Sunday: postponed
    assert sunday == Tally(postponed=1) and smtp_server.received == []
    send = await ActionSend.get()
    assert send.status == ActionSendStatus.POSTPONED and "domingo" in send.reason
    assert send.retry_at.astimezone(settings.tz) == datetime(2026, 11, 30, 8, tzinfo=settings.tz)

    assert await run_actions(outlets, settings, MONDAY) == Tally(sent=1)
    [mail] = smtp_server.received
    assert mail["To"] == "maria@example.com"
    assert mail["Subject"] == "Pendência com a Provedor Exemplo Ltda"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Olá, Maria. Você deve R$ 150,00 desde 02/07/2026." in text
    assert "Central: (19) 3333-4444" in text
    # The template leaves the creditor out: the identity footer is added (CDC art. 42-A).
    assert f"Provedor Exemplo Ltda - CNPJ {CNPJ}" in text and CNPJ in html
    assert "Pague em https://t.me/ProvedorBot?start=" in text  # no agreement: the bot's link
    await send.refresh_from_db()
    assert send.status == ActionSendStatus.SENT and send.recipient == "maria@example.com"
    assert send.updated_at == MONDAY  # the entry page dates the send by its last change
    [contact] = await ContactAttempt.filter(customer_id=customer.id)
    assert contact.channel == Channel.EMAIL and contact.direction == "out"
    assert contact.entry_id == send.entry_id
    conversation = await Conversation.get(channel=Channel.EMAIL, customer_id=customer.id)
    [on_timeline] = await Message.filter(conversation_id=conversation.id)
    assert on_timeline.text.startswith("Olá, Maria.") and CNPJ in on_timeline.text

    # Once per episode: later passes send nothing more.
    assert await run_actions(outlets, settings, TUESDAY) == Tally()
    assert len(smtp_server.received) == 1


async def test_sms_once_per_episode_and_again_after_a_new_break(db, twilio_api):
    settings = twilio_api.settings(isp_phone="(19) 3333-4444")
    outlets = Outlets({"sms": TwilioSmsSender(settings)})
    await seed_defaults()  # the action names no template: the channel's default is sent
    customer = await _debtor()
    await CustomerPhone.create(customer=customer, number="+5519988887777", label="mobile")
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.SMS, days_late=30)
    await _campaign_of(rule, customer)

    assert await run_actions(outlets, settings, MONDAY) == Tally(sent=1)
    [sms] = twilio_api.messages
    assert sms["To"] == "+5519988887777"
    assert CNPJ in sms["Body"] and "Provedor Exemplo Ltda" in sms["Body"]
    assert "R$ 150,00" in sms["Body"] and "(19) 3333-4444" in sms["Body"]
    assert await run_actions(outlets, settings, TUESDAY) == Tally()

    # The debtor made an agreement and broke it: a new episode, the action runs again.
    await make_agreement(customer, AgreementStatus.BROKEN)
    wednesday = TUESDAY + timedelta(days=1)
    assert await run_actions(outlets, settings, wednesday) == Tally(sent=1)
    assert len(twilio_api.messages) == 2
    assert await ActionSend.filter(status=ActionSendStatus.SENT).count() == 2
    assert await Message.filter(conversation__channel=Channel.SMS).count() == 2


@pytest.fixture
async def telegram(db, telegram_api):
    settings = _settings(
        database_url=db,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
        telegram_chat_interval=0,
    )
    channels = build_channels(settings)
    yield action_outlets(channels), settings
    await channels.aclose()


async def test_telegram_sends_the_deep_link_and_not_to_who_opted_out_or_paid(
    telegram, telegram_api
):
    outlets, settings = telegram
    await _template("telegram", "Oi, {primeiro_nome}! Negocie aqui: {link_bot}")
    debtor = await _debtor(telegram_chat_id=CHAT)
    opted_out = await _debtor(telegram_chat_id=CHAT + 1, opted_out_at=SATURDAY)
    paid = await _debtor(telegram_chat_id=CHAT + 2)
    await Receivable.filter(customer_id=paid.id).update(
        status=ReceivableStatus.PAID, paid_at=SATURDAY
    )
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.TELEGRAM)  # days_late None
    await _campaign_of(rule, debtor, opted_out, paid)

    assert await run_actions(outlets, settings, MONDAY) == Tally(sent=1, refused=2)
    [call] = telegram_api.sent_to(CHAT)
    text = call.params["text"]
    assert CNPJ in text  # the footer: the template did not name the creditor
    token = text.split("https://t.me/ProvedorBot?start=")[1].split()[0]
    assert read_link_token(token, settings.secret_key, now=MONDAY)[0] == debtor.id
    assert telegram_api.sent_to(CHAT + 1) == [] and telegram_api.sent_to(CHAT + 2) == []
    assert await Message.filter(text=text).count() == 1  # on the chat's timeline
    refused = await ActionSend.filter(status=ActionSendStatus.REFUSED).values_list(
        "reason", flat=True
    )
    assert sorted(refused) == [
        "cliente pediu para não ser contatado",
        "dívida já paga ou negociada",
    ]
    # Final: neither is asked again.
    assert await run_actions(outlets, settings, TUESDAY) == Tally()


async def test_no_address_is_skipped_once_and_closed_entries_are_left_alone(db, smtp_server):
    settings = _settings(smtp_url=smtp_server.url)
    outlets = Outlets({"email": SmtpSender(settings.smtp_url, settings.email_sender)})
    await seed_defaults()
    without = await _debtor(email=None)
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.EMAIL)
    await _campaign_of(rule, without)
    for state in (EntryState.DONE, EntryState.EXPORTED, EntryState.CANCELLED):
        await _campaign_of(rule, await _debtor(email="x@example.com"), state=state)

    # Only the latest run counts, and its entry is closed: nothing at all.
    assert await run_actions(outlets, settings, MONDAY) == Tally()
    await RuleRun.filter(status=RunStatus.FINISHED).update(finished_at=SATURDAY - timedelta(1))
    await RuleRun.filter(id=1).update(finished_at=SUNDAY)  # the run with the debtor
    assert await run_actions(outlets, settings, MONDAY) == Tally(skipped=1)
    send = await ActionSend.get()
    assert send.reason == "cliente sem e-mail cadastrado"
    assert await run_actions(outlets, settings, TUESDAY) == Tally()
    assert smtp_server.received == [] and await ContactAttempt.all().count() == 0


async def test_inactive_actions_rules_and_templates_send_nothing(db, smtp_server):
    settings = _settings(smtp_url=smtp_server.url)
    outlets = Outlets({"email": SmtpSender(settings.smtp_url, settings.email_sender)})
    await seed_defaults()
    customer = await _debtor(email="a@example.com")
    paused = await make_rule(active=False)
    await CollectionAction.create(rule=paused, kind=ActionKind.EMAIL)
    await _campaign_of(paused, customer)
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.EMAIL, active=False)
    await _campaign_of(rule, customer)
    retired = await _template("email", "Antigo", subject="Aviso", active=False)
    third = await make_rule()
    await CollectionAction.create(rule=third, kind=ActionKind.EMAIL, message_template=retired)
    await _campaign_of(third, customer)
    assert await run_actions(outlets, settings, MONDAY) == Tally()


class _Counting:
    """A sender that keeps what it was given, slowly enough for two passes to interleave."""

    channel = "email"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message) -> str:
        await asyncio.sleep(0.001)
        self.sent.append(message.recipient)
        return f"id-{len(self.sent)}"


async def test_two_concurrent_passes_send_each_message_once(pg_db):
    settings = _settings(database_url=pg_db, contact_max_messages_per_day=5)
    await seed_defaults()
    customers = [await _debtor(email=f"d{i}@example.com") for i in range(20)]
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.EMAIL)
    await CollectionAction.create(rule=rule, kind=ActionKind.EMAIL, days_late=10)
    await _campaign_of(rule, *customers)
    sender = _Counting()
    outlets = Outlets({"email": sender})

    first, second = await asyncio.gather(
        run_actions(outlets, settings, MONDAY, batch=7),
        run_actions(outlets, settings, MONDAY, batch=7),
    )
    assert first.sent + second.sent == 40
    assert first.sent and second.sent  # both passes worked at once
    assert sorted(sender.sent) == sorted([c.email for c in customers] * 2)
    assert await ContactAttempt.all().count() == 40
