"""Windows per state and the ISP's holidays, stored and edited; why a contact was not made,
kept once per repeated reason and counted on the dashboard; call turns of a rule run inside
the debtors' windows (DESIGN.md §7, issue 14 points 4 and 6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import AuditLog, Campaign, CampaignEntry, ContactRefusal, User, clock
from models.enums import Channel, ContactActor, EntryState, RefusalReason, Role
from negotiation import contact_calendar, contact_policy, contact_windows
from negotiation.dashboard import dashboard
from negotiation.errors import Conflict, InvalidInput, PermissionDenied
from negotiation.rule_run import run_rule
from quita.settings import Settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_entry, make_rule

SP = ZoneInfo("America/Sao_Paulo")
MANAUS = ZoneInfo("America/Manaus")
WEDNESDAY = date(2026, 12, 2)
SATURDAY = date(2026, 12, 5)


def settings() -> Settings:
    return Settings(secret_key="test", database_url="sqlite://:memory:")


def sp(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SP)


async def _debtor(**fields):
    customer = await make_customer(**fields)
    await make_receivable(customer, date(2026, 10, 10), "99.90")
    return customer


async def _admin() -> User:
    return await User.create(username="admin", role=Role.ADMIN, password_hash="x")


async def _allowed(customer, when: datetime, channel=Channel.VOICE) -> contact_policy.Decision:
    return await contact_policy.may_contact(customer, channel, when, settings(), kind="call")


# --- the windows in the debtor's own zone ---------------------------------------------------


async def test_am_debtor_at_0845_in_sao_paulo_is_refused_outside_the_window(db):
    """08:45 in São Paulo is 07:45 in Manaus: the AM window (08:00) is not open yet."""
    am = await _debtor(state="AM", city="Manaus")
    sp_debtor = await _debtor(state="SP")
    rule = await make_rule()
    entry = await make_entry(rule, am, EntryState.PENDING)
    now = sp(WEDNESDAY, 8, 45)
    assert now.astimezone(MANAUS).strftime("%H:%M") == "07:45"

    decision = await contact_policy.decide(
        am, Channel.VOICE, now, settings(), kind="call", actor=ContactActor.ROBOT, entry_id=entry.id
    )
    assert not decision.allowed and decision.code == RefusalReason.OUTSIDE_WINDOW
    assert decision.retry_at == datetime.combine(WEDNESDAY, time(8), tzinfo=MANAUS)
    [kept] = await ContactRefusal.all()
    assert (kept.reason, kept.channel, kept.actor, kept.entry_id, kept.rule_id) == (
        RefusalReason.OUTSIDE_WINDOW,
        Channel.VOICE,
        ContactActor.ROBOT,
        entry.id,
        rule.id,
    )
    assert kept.detail == "fora do horário permitido em AM" and kept.kind == "call"
    assert (await _allowed(sp_debtor, now)).allowed


@pytest.mark.parametrize(
    ("state", "when", "allowed"),
    [
        ("RJ", sp(WEDNESDAY, 8, 59), False),
        ("RJ", sp(WEDNESDAY, 9, 0), True),
        ("RJ", sp(WEDNESDAY, 18, 59), True),
        ("RJ", sp(WEDNESDAY, 19, 0), False),
        ("RJ", sp(SATURDAY, 10, 0), False),
        ("SP", sp(WEDNESDAY, 8, 0), True),
        ("SP", sp(WEDNESDAY, 19, 59), True),
        ("SP", sp(WEDNESDAY, 20, 0), False),
        ("SP", sp(SATURDAY, 13, 59), True),
        ("SP", sp(SATURDAY, 14, 0), False),
        ("SP", sp(date(2026, 12, 6), 10, 0), False),  # Sunday
    ],
)
async def test_rj_and_sp_windows_per_design(db, state, when, allowed):
    debtor = await _debtor(state=state)
    assert (await _allowed(debtor, when)).allowed is allowed


async def test_a_municipal_holiday_refuses_only_that_city(db):
    admin = await _admin()
    await contact_calendar.add_holiday(
        admin, "08/12/2026", "SP", "Aniversário", "São José dos Campos"
    )
    there = await _debtor(state="SP", city="SAO JOSE DOS CAMPOS")
    same_name_elsewhere = await _debtor(state="MG", city="São José dos Campos")
    neighbour = await _debtor(state="SP", city="Campinas")
    when = sp(date(2026, 12, 8), 10)

    refused = await _allowed(there, when)
    assert refused.code == RefusalReason.HOLIDAY and "Aniversário" in refused.reason
    assert refused.retry_at == sp(date(2026, 12, 9), 8)
    assert (await _allowed(neighbour, when)).allowed
    assert (await _allowed(same_name_elsewhere, when)).allowed


async def test_a_state_wide_extra_holiday_refuses_the_whole_state(db):
    admin = await _admin()
    await contact_calendar.add_holiday(admin, date(2026, 12, 9), "RJ", "Ponto facultativo")
    rj = await _debtor(state="RJ", city="Niterói")
    assert (await _allowed(rj, sp(date(2026, 12, 9), 10))).code == RefusalReason.HOLIDAY
    assert (await _allowed(await _debtor(state="SP"), sp(date(2026, 12, 9), 10))).allowed


async def test_an_edited_window_takes_effect_and_a_reset_restores_the_default(db):
    admin = await _admin()
    debtor = await _debtor(state="SP")
    nine = sp(WEDNESDAY, 9)
    assert (await _allowed(debtor, nine)).allowed

    shown = await contact_calendar.set_window(admin, "sp", "10:00", "18:00")
    assert shown.custom and shown.window.saturday_start is None
    refused = await _allowed(debtor, nine)
    assert refused.code == RefusalReason.OUTSIDE_WINDOW and refused.retry_at == sp(WEDNESDAY, 10)
    assert not (await _allowed(debtor, sp(SATURDAY, 10))).allowed  # no Saturday now
    audited = await AuditLog.get(entity="contact_window")
    assert (audited.action, audited.entity_id, audited.after["weekday_start"]) == (
        "create",
        "SP",
        "10:00",
    )

    await contact_calendar.reset_window(admin, "SP")
    assert (await _allowed(debtor, nine)).allowed


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda u: contact_calendar.set_window(u, "XX", "08:00", "18:00"), "state: UF inválida"),
        (lambda u: contact_calendar.set_window(u, "SP", "18:00", "08:00"), "weekday_end: o fim"),
        (lambda u: contact_calendar.set_window(u, "SP", "8h", "18:00"), "horário inválido"),
        (lambda u: contact_calendar.set_window(u, "SP", "08:00", "18:00", "09:00"), "sábado"),
        (lambda u: contact_calendar.add_holiday(u, "31/02/2026", "SP", "X"), "data inválida"),
        (lambda u: contact_calendar.add_holiday(u, "2026-12-08", "S", "X"), "UF inválida"),
        (lambda u: contact_calendar.add_holiday(u, "2026-12-08", "SP", " "), "informe o nome"),
    ],
)
async def test_bad_input_is_refused_in_portuguese_and_nothing_is_written(db, call, words):
    admin = await _admin()
    with pytest.raises(InvalidInput, match=words):
        await call(admin)
    assert await AuditLog.all().count() == 0


async def test_calendar_writes_need_the_configure_permission_and_duplicates_conflict(db):
    attendant = await User.create(username="at", role=Role.ATTENDANT, password_hash="x")
    with pytest.raises(PermissionDenied):
        await contact_calendar.set_window(attendant, "SP", "08:00", "18:00")
    admin = await _admin()
    await contact_calendar.add_holiday(admin, "20/01/2026", "RJ", "São Sebastião", "Rio de Janeiro")
    with pytest.raises(Conflict):
        await contact_calendar.add_holiday(admin, "2026-01-20", "RJ", "Outro", "RIO DE JANEIRO")


async def test_every_state_is_listed_with_its_zone_and_window(db):
    shown = {w.state: w for w in await contact_calendar.windows()}
    assert len(shown) == 27
    assert shown["AM"].zone == "America/Manaus" and shown["AC"].zone == "America/Rio_Branco"
    assert shown["RJ"].window.weekday_start == time(9) and shown["RJ"].window.saturday_start is None
    assert shown["BA"].window == contact_windows.FALLBACK_WINDOW and not shown["BA"].custom


# --- why not: kept once, counted -----------------------------------------------------------


async def test_a_repeated_refusal_is_stored_once_and_counted_on_the_dashboard(db):
    debtor = await _debtor(state="SP")
    rule = await make_rule(description="Régua noturna")
    entry = await make_entry(rule, debtor, EntryState.PENDING)
    night = sp(WEDNESDAY, 22)

    async def ask(when, channel=Channel.VOICE):
        return await contact_policy.decide(
            debtor, channel, when, settings(), kind="call", actor=ContactActor.ROBOT,
            entry_id=entry.id,
        )  # fmt: skip

    for minutes in (0, 5, 10, 15):
        await ask(night + timedelta(minutes=minutes))
    assert await ContactRefusal.all().count() == 1
    await ask(sp(SATURDAY, 15))  # another refusal: kept
    await ask(sp(SATURDAY, 15), Channel.SMS)  # another channel: kept
    assert await ContactRefusal.all().count() == 3

    figures = await dashboard(WEDNESDAY, SP)
    voice = next(r for r in figures.contacts if r["channel"] == "voice")
    assert voice["rule"] == "Régua noturna"
    assert voice["refused"] == 2 and voice["refused_by_reason"] == {"outside_window": 2}
    # An agency sees only its own entries' figures.
    assert (await dashboard(WEDNESDAY, SP, agency_id=999)).contacts == []


async def test_dashboard_counts_tried_answered_and_agreements_per_rule_and_channel(db):
    from models.enums import ContactOutcome, MessageDirection
    from tests.negotiation.rule_factories import make_agreement

    debtor = await _debtor(state="SP")
    rule = await make_rule()
    entry = await make_entry(rule, debtor, EntryState.DONE)
    for outcome in (ContactOutcome.NO_ANSWER, ContactOutcome.CONVERSATION):
        await contact_policy.record_contact(
            debtor.id, Channel.VOICE, ContactActor.ROBOT, MessageDirection.OUT, outcome,
            entry_id=entry.id,
        )  # fmt: skip
    from models.enums import AgreementStatus

    agreement = await make_agreement(debtor, AgreementStatus.ACTIVE)
    await CampaignEntry.filter(id=entry.id).update(agreement_id=agreement.id)
    rows = {r["channel"]: r for r in (await dashboard(WEDNESDAY, SP)).contacts}
    assert (rows["voice"]["tried"], rows["voice"]["answered"]) == (2, 1)
    assert rows["cli"]["agreements"] == 1  # the agreement's own channel


# --- call turns inside the windows -----------------------------------------------------------


async def test_turns_of_a_rule_run_are_all_inside_the_debtors_windows(db):
    admin = await _admin()
    # Friday 27/11/2026 at 19:00 in São Paulo: an hour of SP window left, RJ's is closed.
    clock.travel(sp(date(2026, 11, 27), 19).astimezone(UTC))
    await contact_calendar.add_holiday(admin, "30/11/2026", "SP", "Feriado local", "Campinas")
    people = []
    for n in range(12):
        state, city = [("SP", "Campinas"), ("SP", "Santos"), ("AM", "Manaus"), ("RJ", "Rio")][n % 4]
        people.append(await _debtor(state=state, city=city))
    people.append(await _debtor(state=None, city=None))  # no state: the ISP's zone
    rule = await make_rule(minutes_per_call=45)
    run = await run_rule(rule.id, date(2026, 11, 27), timezone="America/Sao_Paulo")

    campaign = await Campaign.get(run_id=run.id)
    entries = await CampaignEntry.filter(campaign_id=campaign.id).prefetch_related("customer")
    assert len(entries) == 13
    stored = await contact_windows.calendar()
    for entry in entries:
        who = entry.customer
        zone = contact_windows.zone_for(who.state, "America/Sao_Paulo")
        assert contact_windows.within_window(
            who.state,
            entry.call_at,
            zone,
            overrides=stored.windows,
            extra_holidays=stored.extra_for(who.state, who.city),
        ), (who.state, who.city, entry.call_at.astimezone(zone))
        if who.city == "Campinas":
            assert entry.call_at.astimezone(zone).date() != date(2026, 11, 30)
    turns = sorted(e.call_at for e in entries)
    first = turns[0].astimezone(SP).strftime("%d/%m/%Y %H:%M")
    last = turns[-1].astimezone(SP).strftime("%d/%m/%Y %H:%M")
    assert f"primeiro em {first}, último em {last} (horário de Brasília)" in run.log
    # Nobody at night: the first turn is this evening in SP, none after 20:00 there.
    assert first == "27/11/2026 19:00"


async def test_turns_of_one_calendar_keep_the_rules_spacing(db):
    clock.travel(sp(WEDNESDAY, 10).astimezone(UTC))
    people = [await _debtor(state="SP") for _ in range(3)]
    assert people
    rule = await make_rule(minutes_per_call=10)
    run = await run_rule(rule.id, WEDNESDAY)
    campaign = await Campaign.get(run_id=run.id)
    turns = sorted(e.call_at for e in await CampaignEntry.filter(campaign_id=campaign.id))
    start = run.started_at.replace(microsecond=0)
    assert turns == [start + timedelta(minutes=10 * k) for k in range(3)]


async def test_the_dialer_at_0845_in_sao_paulo_calls_nobody_in_am_or_rj(db):
    """Issue 14: a Wednesday at 08:45 in São Paulo is 07:45 in Manaus and before RJ's 09:00."""
    from negotiation.dialer_queue import lease_due
    from tests.negotiation.test_dialer_queue import due_entry, robot_campaign
    from tests.negotiation.test_dialer_queue import settings as dialer_settings

    campaign = await robot_campaign()
    am = await due_entry(campaign, state="AM")
    rj = await due_entry(campaign, state="RJ")
    sao_paulo = await due_entry(campaign, state="SP")

    leased = await lease_due(sp(WEDNESDAY, 8, 45), dialer_settings(), limit=10, worker="t")

    assert [e.id for e in leased] == [sao_paulo.id]
    await am.refresh_from_db()
    await rj.refresh_from_db()
    assert am.reschedule_at == datetime.combine(WEDNESDAY, time(8), tzinfo=MANAUS)
    assert rj.reschedule_at == sp(WEDNESDAY, 9)
    kept = await ContactRefusal.all().order_by("entry_id").values_list("entry_id", "reason")
    assert kept == [(am.id, "outside_window"), (rj.id, "outside_window")]
