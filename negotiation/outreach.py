"""Messages the chat bot starts on its own about an agreement: reminders of its installments
and the thank-you for a reconciled payment. (A rule's actions, Telegram included, are
negotiation/rule_actions.py.)

Each is claimed in the database before it is sent (a guarded update), so several app
instances running the jobs never send one twice. Every message asks the contact gate first
(negotiation.contact_policy.decide): a reminder only inside the debtor's calling window and
contact budget; a thank-you only inside the window (see `send_thanks`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import (
    Payment,
    PaymentInstrument,
    Receivable,
    clock,
)
from models.enums import (
    Channel,
    ContactActor,
    MessageDirection,
    ReceivableStatus,
)
from negotiation.config import OutreachConfig
from negotiation.contact_policy import decide, record_contact, record_reply
from negotiation.errors import SendError
from negotiation.payment_links import payment_url
from negotiation.rendering import render

log = logging.getLogger("quita.outreach")

# Sends texts to a Telegram chat, in order; raises SendError when they did not go.
ChatSend = Callable[[int, list[str]], Awaitable[None]]
REMINDER_DAYS = 3  # an installment is reminded this many days before it is due


@dataclass
class Report:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


# --- reminders and thanks ----------------------------------------------------------------


async def send_reminders(send: ChatSend, settings: OutreachConfig, now: datetime) -> Report:
    """Installments due within REMINDER_DAYS, not yet reminded, of debtors with a chat."""
    report = Report()
    today = now.astimezone(settings.tz).date()
    due = await Receivable.filter(
        agreement_id__isnull=False,
        status=ReceivableStatus.OPEN,
        reminded_at__isnull=True,
        due_date__gte=today,
        due_date__lte=today + timedelta(days=REMINDER_DAYS),
        customer__telegram_chat_id__isnull=False,
    ).select_related("customer")
    for bill in due:
        decision = await decide(
            bill.customer, Channel.TELEGRAM, now, settings, kind="reminder", actor=ContactActor.BOT
        )
        if not decision.allowed:
            report.skipped += 1
            continue
        claimed = await Receivable.filter(id=bill.id, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue  # another instance has it
        instrument = await PaymentInstrument.get_or_none(
            receivable_id=bill.id, cancelled_at__isnull=True
        )
        if instrument is None:
            report.skipped += 1
            continue
        last_due = await Receivable.filter(agreement_id=bill.agreement_id).order_by("-due_date")
        text = render(
            "chat/reminder.txt.j2",
            isp=settings.isp,
            number=bill.installment_number,
            agreement_id=bill.agreement_id,
            amount=bill.amount,
            due_date=bill.due_date,
            line=instrument.line,
            url=payment_url(
                settings.public_base_url,
                bill.agreement_id,
                last_due[0].due_date,
                settings.secret_key,
            ),
        ).strip()
        try:
            await send(bill.customer.telegram_chat_id, [text, instrument.pix_payload])
        except SendError as error:
            # Let a later round try again.
            await Receivable.filter(id=bill.id).update(reminded_at=None)
            log.warning("reminder of receivable %s failed: %s", bill.id, error)
            report.failed += 1
            continue
        await record_contact(
            bill.customer_id,
            Channel.TELEGRAM,
            ContactActor.BOT,
            MessageDirection.OUT,
            note=f"lembrete da parcela {bill.installment_number} do acordo {bill.agreement_id}",
            at=now,
        )
        report.sent += 1
    return report


async def send_thanks(send: ChatSend, settings: OutreachConfig, now: datetime) -> Report:
    """A thank-you for each reconciled installment payment of a debtor with a chat.

    A thank-you answers the debtor's own act (the payment), so it is a reply for the gate
    (DESIGN.md §7: "contacts the debtor starts do not count"): it neither spends the budget
    nor waits for the day's message limit, and the debt check does not apply (there may be
    nothing overdue left). It is still a message the bot sends when it chooses, so the
    opt-outs and the calling window hold: never at night, on a Sunday or a holiday. Outside
    the window it stays unthanked and a later round (inside the window) sends it; a payment
    older than the 3 days below is not thanked any more.
    """
    report = Report()
    recent = await Payment.filter(
        thanked_at__isnull=True,
        paid_at__gte=now - timedelta(days=3),  # not old payments of an import
        receivable__agreement_id__isnull=False,
        receivable__customer__telegram_chat_id__isnull=False,
    ).select_related("receivable", "receivable__customer", "receivable__agreement")
    for payment in recent:
        bill = payment.receivable
        customer = bill.customer
        decision = await decide(
            customer, Channel.TELEGRAM, now, settings, kind="reply", actor=ContactActor.BOT
        )
        if not decision.allowed:
            report.skipped += 1
            continue
        if not await Payment.filter(id=payment.id, thanked_at__isnull=True).update(thanked_at=now):
            continue
        text = render(
            "chat/thanks.txt.j2",
            isp=settings.isp,
            first_name=customer.first_name,
            amount=payment.amount,
            number=bill.installment_number,
            agreement_id=bill.agreement_id,
            fulfilled=bill.agreement.status == "fulfilled",
        ).strip()
        try:
            await send(customer.telegram_chat_id, [text])
        except SendError as error:
            log.warning("thank-you for payment %s failed: %s", payment.id, error)
            report.failed += 1
            continue
        await record_reply(
            customer.id,
            Channel.TELEGRAM,
            ContactActor.BOT,
            note=f"agradecimento pelo pagamento da parcela {bill.installment_number} "
            f"do acordo {bill.agreement_id}",
            at=now,
        )
        report.sent += 1
    return report


async def run_all(send: ChatSend, settings: OutreachConfig, now: datetime | None = None) -> Report:
    now = now or clock.now()
    total = Report()
    for step in (send_reminders, send_thanks):
        part = await step(send, settings, now)
        total.sent += part.sent
        total.skipped += part.skipped
        total.failed += part.failed
    return total
