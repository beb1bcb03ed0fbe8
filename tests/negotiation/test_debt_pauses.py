"""'Já paguei' and 'não reconheço': the ledger, the pause, the ticket, and the contact gate
that stops the robot dialer and every message while the pause lasts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models import (
    Agency,
    AuditLog,
    ContactRefusal,
    DebtPause,
    PauseReason,
    Payment,
    ServiceTicket,
    User,
)
from models.enums import Channel, ContactActor, EntryState, PaymentSource, RefusalReason, Role
from negotiation import debt_pauses
from negotiation.contact_policy import decide
from negotiation.dialer_queue import lease_due
from negotiation.errors import Conflict, InvalidInput, PermissionDenied
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


async def test_ending_a_pause_lets_contact_resume_at_once(db) -> None:
    customer = await debtor()
    attendant = await User.create(username="atendente", role=Role.ATTENDANT, password_hash="x")
    started = TODAY - timedelta(days=2)
    pause = await debt_pauses.dispute(customer.id, Channel.TELEGRAM, started, settings())
    assert not await decide(
        customer, Channel.SMS, MONDAY_2PM, settings(), kind="message", actor=ContactActor.ROBOT
    )
    ended = await debt_pauses.end_pause(attendant, customer.id, "  acordo   verbal  ", TODAY)
    assert [p.id for p in ended] == [pause.id]
    await pause.refresh_from_db()
    assert pause.starts_on == started and pause.ends_on == TODAY  # kept, ended today
    assert await debt_pauses.paused(customer.id, TODAY) is None
    assert await decide(
        customer, Channel.SMS, MONDAY_2PM, settings(), kind="message", actor=ContactActor.ROBOT
    )
    log = await AuditLog.get(entity="debt_pause", entity_id=str(pause.id))
    assert log.action == "end" and log.actor == "atendente"
    assert log.before["ends_on"] == (started + timedelta(days=30)).isoformat()
    assert log.after["ends_on"] == TODAY.isoformat() and log.after["end_reason"] == "acordo verbal"
    ticket = await ServiceTicket.get(id=pause.ticket_id)
    assert "Pausa encerrada em" in ticket.description and "acordo verbal" in ticket.description
    # Nothing left to end: a conflict, said in pt-BR.
    with pytest.raises(Conflict, match="não está pausada"):
        await debt_pauses.end_pause(attendant, customer.id, "de novo", TODAY)


async def test_a_pause_begun_today_is_removed_when_ended(db) -> None:
    customer = await debtor()
    supervisor = await User.create(username="sup", role=Role.SUPERVISOR, password_hash="x")
    claim = await debt_pauses.claim_paid(
        customer.id, Channel.TELEGRAM, MONDAY_2PM, TODAY, settings()
    )
    await debt_pauses.end_pause(supervisor, customer.id, "comprovante conferido", TODAY)
    assert not await DebtPause.exists()
    log = await AuditLog.get(entity="debt_pause", entity_id=str(claim.pause.id))
    assert log.before["reason"] == "paid" and log.after["removed"] is True
    assert await decide(
        customer, Channel.SMS, MONDAY_2PM, settings(), kind="call", actor=ContactActor.ROBOT
    )


async def test_ending_a_pause_needs_a_reason_and_the_permission(db) -> None:
    customer = await debtor()
    await debt_pauses.dispute(customer.id, Channel.TELEGRAM, TODAY, settings())
    attendant = await User.create(username="atendente", role=Role.ATTENDANT, password_hash="x")
    office = await Agency.create(name="Escritório")
    agency_user = await User.create(
        username="escritorio", role=Role.AGENCY, password_hash="x", agency=office
    )
    with pytest.raises(InvalidInput, match="motivo"):
        await debt_pauses.end_pause(attendant, customer.id, "   ", TODAY)
    with pytest.raises(PermissionDenied):
        await debt_pauses.end_pause(agency_user, customer.id, "pago", TODAY)
    assert await debt_pauses.paused(customer.id, TODAY) is not None
