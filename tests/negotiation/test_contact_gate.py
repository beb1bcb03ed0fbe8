"""The contact gate records every actor's contacts: the attendant's call and the agency
export count in the debtor's budget, and the gate keeps why it refused or postponed one
(DESIGN.md §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import Agency, AuditLog, ContactAttempt, Customer, ResultType, User, clock
from models.enums import (
    Channel,
    ContactActor,
    ContactOutcome,
    EntryState,
    MessageDirection,
    ResultKind,
    Role,
)
from negotiation import campaigns, contact_policy
from negotiation.errors import InvalidInput
from negotiation.export import export_to_agency
from quita.settings import Settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_entry, make_rule

SP_TZ = ZoneInfo("America/Sao_Paulo")
# Tuesday 01/12/2026, 10:00 in São Paulo: inside every state's window.
TUESDAY_10 = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


def settings(**overrides) -> Settings:
    values = {"secret_key": "test", "database_url": "sqlite://:memory:", **overrides}
    return Settings(**values)


async def _entry(state: EntryState = EntryState.PENDING, **customer):
    debtor = await make_customer(**customer)
    await make_receivable(debtor, date(2026, 10, 10), "99.90")
    return await make_entry(await make_rule(), debtor, state)


async def _user(role: Role, **extra) -> User:
    return await User.create(username=f"u-{role.value}", role=role, password_hash="x", **extra)


async def test_the_attendants_call_is_an_attempt_that_counts_in_the_budget(db):
    clock.travel(TUESDAY_10)
    entry = await _entry()
    attendant = await _user(Role.ATTENDANT)
    await campaigns.start_call(attendant, entry.id, settings())

    [row] = await ContactAttempt.filter(customer_id=entry.customer_id)
    assert (row.actor, row.channel, row.direction) == (
        ContactActor.ATTENDANT,
        Channel.VOICE,
        MessageDirection.OUT,
    )
    assert row.entry_id == entry.id and row.user_id == attendant.id
    # With a budget of one attempt, that call is the one: the robot may not call now.
    customer = await Customer.get(id=entry.customer_id)
    decision = await contact_policy.may_contact(
        customer, Channel.VOICE, clock.now(), settings(contact_max_attempts=1), kind="call"
    )
    assert not decision.allowed and "tentativas" in decision.reason


async def test_the_attendants_call_outside_the_window_is_refused_and_the_reason_kept(db):
    clock.travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))  # 20:30 in São Paulo
    entry = await _entry()
    attendant = await _user(Role.ATTENDANT)
    with pytest.raises(InvalidInput, match="fora do horário"):
        await campaigns.start_call(attendant, entry.id, settings())
    assert (await type(entry).get(id=entry.id)).state == EntryState.PENDING
    assert not await ContactAttempt.filter(customer_id=entry.customer_id).exists()
    [kept] = await AuditLog.filter(entity="customer", entity_id=str(entry.customer_id))
    assert kept.action == "contact_postponed"
    assert kept.after["reason"].startswith("fora do horário")
    assert kept.after["actor"] == "attendant" and kept.after["retry_at"]


async def test_an_agency_user_calling_its_exported_entry_is_an_agency_attempt(db):
    clock.travel(TUESDAY_10)
    agency = await Agency.create(name="Escritório")
    entry = await _entry(EntryState.EXPORTED)
    await type(entry).filter(id=entry.id).update(agency_id=agency.id)
    user = await _user(Role.AGENCY, agency=agency)
    await campaigns.start_call(user, entry.id, settings())
    [row] = await ContactAttempt.filter(customer_id=entry.customer_id)
    assert row.actor == ContactActor.AGENCY and row.channel == Channel.VOICE


async def test_the_export_records_an_agency_attempt_per_entry(db):
    clock.travel(TUESDAY_10)
    agency = await Agency.create(name="Escritório")
    entries = [await _entry(), await _entry()]
    supervisor = await _user(Role.SUPERVISOR)
    await export_to_agency(
        supervisor,
        agency.id,
        [e.id for e in entries],
        isp_name="Provedor",
        isp_cnpj="11.222.333/0001-81",
        tz=SP_TZ,
    )
    rows = await ContactAttempt.filter(actor=ContactActor.AGENCY).order_by("entry_id")
    assert [(r.customer_id, r.entry_id) for r in rows] == [(e.customer_id, e.id) for e in entries]
    assert all(r.channel == Channel.AGENCY and r.direction == MessageDirection.OUT for r in rows)
    assert all(r.user_id == supervisor.id and agency.name in r.note for r in rows)


async def test_a_refusal_is_kept_once_while_it_repeats(each_db):
    customer = await make_customer(opted_out_at=TUESDAY_10 - timedelta(days=1))
    await make_receivable(customer, date(2026, 10, 10), "99.90")
    for _ in range(3):
        decision = await contact_policy.decide(
            customer,
            Channel.TELEGRAM,
            TUESDAY_10,
            settings(),
            kind="message",
            actor=ContactActor.BOT,
        )
        assert not decision.allowed
    [kept] = await AuditLog.filter(entity="customer", entity_id=str(customer.id))
    assert kept.action == "contact_refused" and kept.actor == "contact_gate"
    assert kept.after["reason"] == "cliente pediu para não ser contatado"
    assert kept.after["channel"] == "telegram" and kept.after["kind"] == "message"


async def test_an_opt_out_goes_through_the_gate_and_is_audited(db):
    customer = await make_customer()
    assert await contact_policy.record_opt_out(TUESDAY_10, Channel.SMS, customer_id=customer.id)
    assert not await contact_policy.record_opt_out(
        TUESDAY_10 + timedelta(hours=1), Channel.SMS, customer_id=customer.id
    )
    assert (await Customer.get(id=customer.id)).opted_out_at == TUESDAY_10
    [kept] = await AuditLog.filter(action="opt_out", entity_id=str(customer.id))
    assert kept.after["channel"] == "sms"


async def test_the_window_is_the_debtors_own_local_time(db):
    manaus = ZoneInfo("America/Manaus")
    debtor = await make_customer(state="AM")
    await make_receivable(debtor, date(2026, 10, 10), "99.90")
    early = datetime(2026, 12, 1, 7, 30, tzinfo=manaus)  # 08:30 in Brasília, 07:30 in Manaus
    decision = await contact_policy.may_contact(
        debtor, Channel.VOICE, early, settings(), kind="call"
    )
    assert not decision.allowed and decision.reason == "fora do horário permitido em AM"
    assert decision.retry_at == datetime(2026, 12, 1, 8, 0, tzinfo=manaus)
    acre = await make_customer(state="AC")
    await make_receivable(acre, date(2026, 10, 10), "99.90")
    late = datetime(2026, 12, 1, 20, 30, tzinfo=SP_TZ)  # 18:30 in Rio Branco: still open
    assert await contact_policy.may_contact(acre, Channel.VOICE, late, settings(), kind="call")


async def test_after_a_conversation_the_attendant_waits_unless_the_debtor_asked(db):
    clock.travel(TUESDAY_10)
    entry = await _entry()
    asked = await _entry()
    attendant = await _user(Role.ATTENDANT)
    for debtor in (entry.customer_id, asked.customer_id):
        await contact_policy.record_contact(
            debtor,
            Channel.TELEGRAM,
            ContactActor.DEBTOR,
            MessageDirection.IN,
            ContactOutcome.CONVERSATION,
            at=TUESDAY_10 - timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="conversa recente"):
        await campaigns.start_call(attendant, entry.id, settings())
    # The debtor asked for a call on a new date ("Reagendar"): that call goes.
    again = await ResultType.create(name="Reagendar", kind=ResultKind.RESCHEDULE)
    await (
        type(asked).filter(id=asked.id).update(result_type_id=again.id, state=EntryState.SCHEDULED)
    )
    started = await campaigns.start_call(attendant, asked.id, settings())
    assert started.state == EntryState.IN_PROGRESS
