"""Messages the bot starts about an agreement: reminders and thanks — sent through the app's
real Telegram channel (aiogram) to the fake Bot API server. (A rule's Telegram action:
test_rule_actions.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models import AuditLog, ContactAttempt, ContactRefusal, Receivable
from models.enums import Channel, RefusalReason
from negotiation import debt_pauses, outreach
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from negotiation.payments import pix
from negotiation.reconcile import record_payment
from quita.channels import build_channels, telegram_chat_send
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

# Monday 30/11/2026, 14:00 in São Paulo: inside every state's calling window.
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
CHAT = 880001


@pytest.fixture
async def send(db, telegram_api):
    settings = Settings(
        database_url=db,
        secret_key="k" * 40,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
        telegram_chat_interval=0,
        telegram_bot_username="ProvedorBot",
    )
    channels = build_channels(settings)
    yield telegram_chat_send(channels), settings
    await channels.aclose()


async def _agreement(customer):
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, TODAY))[1].quote
    return await accept(quote, channel=Channel.TELEGRAM, today=TODAY, settings=SETTINGS)


async def test_reminders_before_the_due_date_and_thanks_after_payment(send, telegram_api):
    chat_send, settings = send
    customer = await make_customer(telegram_chat_id=CHAT)
    await make_receivable(customer, TODAY - timedelta(days=30), "120.00")
    agreement = await _agreement(customer)
    first = await Receivable.get(agreement_id=agreement.id, installment_number=1)

    early = first.due_date - timedelta(days=outreach.REMINDER_DAYS + 1)
    at = datetime.combine(early, datetime.min.time(), UTC) + timedelta(hours=15)
    assert (await outreach.send_reminders(chat_send, settings, at)).sent == 0
    at += timedelta(days=1)
    assert (await outreach.send_reminders(chat_send, settings, at)).sent == 1
    reminder, payload = (c.params["text"] for c in telegram_api.sent_to(CHAT))
    assert f"parcela 1 do seu acordo nº {agreement.id}" in reminder
    assert pix.parse(payload).amount == first.amount
    assert (await outreach.send_reminders(chat_send, settings, at)).sent == 0  # once

    await record_payment(first.id, first.amount, at, "api")
    assert (await outreach.send_thanks(chat_send, settings, at)).sent == 1
    assert "Recebemos seu pagamento" in telegram_api.sent_to(CHAT)[-1].params["text"]
    assert (await outreach.send_thanks(chat_send, settings, at)).sent == 0


async def test_a_thank_you_is_never_sent_at_night_but_in_the_next_window(send, telegram_api):
    chat_send, settings = send
    customer = await make_customer(telegram_chat_id=CHAT, state="SP")
    await make_receivable(customer, TODAY - timedelta(days=30), "120.00")
    agreement = await _agreement(customer)
    first = await Receivable.get(agreement_id=agreement.id, installment_number=1)
    night = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Tuesday 01/12, 23:00 in São Paulo
    await record_payment(first.id, first.amount, night, "api")

    report = await outreach.send_thanks(chat_send, settings, night)
    assert report.sent == 0 and report.skipped == 1
    assert telegram_api.sent_to(CHAT) == []
    kept = await AuditLog.get(action="contact_postponed", entity_id=str(customer.id))
    assert kept.after["retry_at"].startswith("2026-12-02T08:00")  # 08:00 in São Paulo

    morning = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # Wednesday, 08:00 in São Paulo
    assert (await outreach.send_thanks(chat_send, settings, morning)).sent == 1
    assert "Recebemos seu pagamento" in telegram_api.sent_to(CHAT)[-1].params["text"]
    # A reply to the debtor's own payment: on the record, but not against the budget.
    [thanks] = await ContactAttempt.filter(customer_id=customer.id, note__contains="agradec")
    assert thanks.direction == "in" and thanks.actor == "bot"


async def test_no_reminder_while_collection_is_paused(send, telegram_api):
    chat_send, settings = send
    customer = await make_customer(telegram_chat_id=CHAT + 1)
    await make_receivable(customer, TODAY - timedelta(days=30), "120.00")
    agreement = await _agreement(customer)
    first = await Receivable.get(agreement_id=agreement.id, installment_number=1)
    day = first.due_date - timedelta(days=outreach.REMINDER_DAYS)
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=15)
    await debt_pauses.dispute(customer.id, Channel.TELEGRAM, day, settings)
    assert (await outreach.send_reminders(chat_send, settings, at)).sent == 0
    assert telegram_api.sent_to(CHAT + 1) == []
    refusal = await ContactRefusal.get(customer_id=customer.id)
    assert refusal.reason == RefusalReason.PAUSED
