"""'Já paguei' and 'não reconheço': the ledger, the pause, the ticket, and the contact gate
that stops the robot dialer and every message while the pause lasts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models import ContactRefusal, DebtPause, PauseReason, Payment, ServiceTicket
from models.enums import Channel, ContactActor, EntryState, PaymentSource, RefusalReason
from negotiation import debt_pauses
from negotiation.contact_policy import decide
from negotiation.dialer_queue import lease_due
from tests.negotiation.test_dialer_queue import (
    MONDAY_2PM,
    SP,
    debtor,
    due_entry,
    robot_campaign,
    settings,
)

TODAY = MONDAY_2PM.date()


async def test_paid_found_in_the_ledger(db) -> None:
    customer = await debtor()
    bill = await customer.receivables.all().first()
    paid = await Payment.create(
        receivable=bill,
        amount=Decimal("120.00"),
        paid_at=MONDAY_2PM - timedelta(days=3),
        source=PaymentSource.PIX,
    )
    claim = await debt_pauses.claim_paid(
        customer.id, Channel.TELEGRAM, MONDAY_2PM, TODAY, settings()
    )
    assert claim.payment is not None and claim.payment.id == paid.id and claim.pause is None
    assert not await DebtPause.exists() and not await ServiceTicket.exists()


async def test_an_old_payment_is_not_the_one_meant(db) -> None:
    customer = await debtor()
    bill = await customer.receivables.all().first()
    await Payment.create(
        receivable=bill,
        amount=Decimal("120.00"),
        paid_at=MONDAY_2PM - timedelta(days=debt_pauses.RECENT_DAYS + 1),
        source=PaymentSource.PIX,
    )
    claim = await debt_pauses.claim_paid(customer.id, Channel.VOICE, MONDAY_2PM, TODAY, settings())
    assert claim.payment is None and claim.pause is not None


async def test_paid_not_found_pauses_for_the_configured_days_and_opens_a_ticket(db) -> None:
    customer = await debtor()
    claim = await debt_pauses.claim_paid(
        customer.id, Channel.TELEGRAM, MONDAY_2PM, TODAY, settings(pause_days_after_paid=3)
    )
    pause = claim.pause
    assert pause.reason == PauseReason.PAID and pause.ends_on == TODAY + timedelta(days=3)
    ticket = await ServiceTicket.get(id=pause.ticket_id)
    assert ticket.customer_id == customer.id and "comprovante" in ticket.subject
    assert await debt_pauses.paused(customer.id, TODAY + timedelta(days=2)) is not None
    # The pause ends after N days.
    assert await debt_pauses.paused(customer.id, TODAY + timedelta(days=3)) is None
    assert "cobrança pausada até 26/11/2026" in debt_pauses.describe(pause)


async def test_the_gate_refuses_every_collection_contact_while_paused(db) -> None:
    customer = await debtor()
    await debt_pauses.dispute(customer.id, Channel.TELEGRAM, TODAY, settings())
    for kind in ("call", "message", "reminder"):
        decision = await decide(
            customer, Channel.SMS, MONDAY_2PM, settings(), kind=kind, actor=ContactActor.ROBOT
        )
        assert not decision and decision.code == RefusalReason.PAUSED
        assert "não reconhece" in decision.reason
        assert decision.retry_at.astimezone(SP).date() == TODAY + timedelta(days=30)
    reply = await decide(
        customer, Channel.SMS, MONDAY_2PM, settings(), kind="reply", actor=ContactActor.BOT
    )
    assert reply  # a thank-you answers the debtor: never stopped
    refusal = await ContactRefusal.filter(customer_id=customer.id).first()
    assert refusal.reason == RefusalReason.PAUSED
    # After the pause, contacts are allowed again.
    later = MONDAY_2PM + timedelta(days=30)
    assert await decide(
        customer, Channel.SMS, later, settings(), kind="message", actor=ContactActor.ROBOT
    )


async def test_the_dialer_does_not_call_a_paused_debtor_until_the_pause_ends(db) -> None:
    campaign = await robot_campaign()
    entry = await due_entry(campaign)
    await debt_pauses.claim_paid(
        entry.customer_id, Channel.VOICE, MONDAY_2PM, TODAY, settings(pause_days_after_paid=4)
    )
    assert await lease_due(MONDAY_2PM, settings(), limit=5, worker="t") == []
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED
    assert entry.reschedule_at.astimezone(SP).date() == TODAY + timedelta(days=4)  # Friday
    later = datetime.combine(TODAY + timedelta(days=4), MONDAY_2PM.timetz()).astimezone(UTC)
    assert [e.id for e in await lease_due(later, settings(), limit=5, worker="t")] == [entry.id]


async def test_saying_it_twice_keeps_one_pause_and_one_ticket(db) -> None:
    customer = await debtor()
    first = await debt_pauses.dispute(customer.id, Channel.VOICE, TODAY, settings())
    again = await debt_pauses.dispute(customer.id, Channel.TELEGRAM, TODAY, settings())
    assert first.id == again.id and await ServiceTicket.all().count() == 1


async def test_a_receipt_is_noted_on_the_ticket(db) -> None:
    customer = await debtor()
    assert not await debt_pauses.receipt_received(customer.id, TODAY, "foto")
    claim = await debt_pauses.claim_paid(
        customer.id, Channel.TELEGRAM, MONDAY_2PM, TODAY, settings()
    )
    assert await debt_pauses.receipt_received(customer.id, TODAY, "documento recibo.pdf")
    ticket = await ServiceTicket.get(id=claim.pause.ticket_id)
    assert "Comprovante recebido: documento recibo.pdf" in ticket.description
