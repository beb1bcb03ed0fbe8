"""The contact policy: calling windows per state, holidays, opt-outs, the debt re-check and
the contact budget over real ContactAttempt rows (DESIGN.md §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from models import ContactAttempt, Customer
from models.enums import Channel, ContactActor, ContactOutcome, MessageDirection, ReceivableStatus
from negotiation.contact_policy import (
    DEFAULT_WINDOWS,
    Window,
    may_contact,
    next_window_start,
    record_contact,
    window_for,
    window_refusal,
    within_window,
)
from quita.settings import Settings
from tests.factories import make_customer, make_receivable

SP_TZ = ZoneInfo("America/Sao_Paulo")
TUESDAY = date(2026, 12, 1)
SATURDAY = date(2026, 12, 5)
SUNDAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SP_TZ)  # a Tuesday, inside every window


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SP_TZ)


def settings(**overrides) -> Settings:
    values = {
        "secret_key": "test",
        "database_url": "sqlite://:memory:",
        "timezone": "America/Sao_Paulo",
        "contact_max_attempts": 7,
        "contact_window_days": 7,
        "contact_quiet_days_after_talk": 7,
        "contact_max_messages_per_day": 1,
    }
    values.update(overrides)
    return Settings(**values)


# --- Calling windows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "when", "allowed"),
    [
        ("SP", at(TUESDAY, 7, 59), False),
        ("SP", at(TUESDAY, 8, 0), True),
        ("SP", at(TUESDAY, 19, 59), True),
        ("SP", at(TUESDAY, 20, 0), False),
        ("SP", at(SATURDAY, 7, 59), False),
        ("SP", at(SATURDAY, 8, 0), True),
        ("SP", at(SATURDAY, 13, 59), True),
        ("SP", at(SATURDAY, 14, 0), False),
        ("AL", at(TUESDAY, 19, 59), True),
        ("AL", at(SATURDAY, 8, 0), True),
        ("RJ", at(TUESDAY, 8, 59), False),
        ("RJ", at(TUESDAY, 9, 0), True),
        ("RJ", at(TUESDAY, 18, 59), True),
        ("RJ", at(TUESDAY, 19, 0), False),
        ("RJ", at(SATURDAY, 10, 0), False),
        ("ES", at(TUESDAY, 8, 0), True),
        ("ES", at(TUESDAY, 18, 59), True),
        ("ES", at(TUESDAY, 19, 0), False),
        ("ES", at(SATURDAY, 10, 0), False),
        ("AM", at(TUESDAY, 7, 59), False),
        ("AM", at(TUESDAY, 19, 0), False),
        ("AM", at(SATURDAY, 10, 0), False),
        ("MG", at(TUESDAY, 19, 59), True),
        ("MG", at(SATURDAY, 13, 59), True),
        ("MG", at(SATURDAY, 14, 0), False),
        (None, at(TUESDAY, 8, 0), True),
        ("XX", at(SATURDAY, 8, 0), True),
        ("sp", at(TUESDAY, 20, 0), False),
    ],
)
def test_window_edges_per_state(state, when, allowed):
    assert within_window(state, when, SP_TZ) is allowed


@pytest.mark.parametrize("state", ["SP", "AL", "RJ", "ES", "AM", "MG", None])
def test_never_on_sunday(state):
    assert not within_window(state, at(SUNDAY, 10), SP_TZ)
    assert window_refusal(state, at(SUNDAY, 10), SP_TZ) == "domingo: sem contato"


def test_national_holiday_everywhere():
    christmas = at(date(2026, 12, 25), 10)  # a Friday
    for state in ("SP", "RJ", "AM", None, "XX"):
        assert not within_window(state, christmas, SP_TZ)
    assert window_refusal("SP", christmas, SP_TZ) == "feriado (Natal)"


def test_state_holiday_only_in_its_state():
    revolution = at(date(2026, 7, 9), 10)  # a Thursday: São Paulo's state holiday
    assert not within_window("SP", revolution, SP_TZ)
    assert window_refusal("SP", revolution, SP_TZ).startswith("feriado")
    assert within_window("RJ", revolution, SP_TZ)
    assert within_window("MG", revolution, SP_TZ)


def test_extra_municipal_holiday():
    municipal = date(2026, 12, 8)  # a Tuesday (Campinas' patron saint, say)
    when = at(municipal, 10)
    assert within_window("SP", when, SP_TZ)
    assert not within_window("SP", when, SP_TZ, extra_holidays=[municipal])
    assert window_refusal("SP", when, SP_TZ, extra_holidays={municipal}) == "feriado municipal"


def test_refusal_reason_names_the_state():
    assert window_refusal("RJ", at(TUESDAY, 20), SP_TZ) == "fora do horário permitido em RJ"
    assert window_refusal("RJ", at(SATURDAY, 10), SP_TZ) == "fora do horário permitido em RJ"
    assert window_refusal(None, at(TUESDAY, 21), SP_TZ) == "fora do horário permitido"
    assert window_refusal("RJ", at(TUESDAY, 10), SP_TZ) is None


def test_time_zone_utc_input_is_converted():
    # 2026-12-01: America/Sao_Paulo is UTC-3 (no daylight saving time since 2019).
    assert not within_window("SP", datetime(2026, 12, 1, 10, 59, tzinfo=UTC), SP_TZ)
    assert within_window("SP", datetime(2026, 12, 1, 11, 0, tzinfo=UTC), SP_TZ)
    assert within_window("SP", datetime(2026, 12, 1, 22, 59, tzinfo=UTC), SP_TZ)
    assert not within_window("SP", datetime(2026, 12, 1, 23, 0, tzinfo=UTC), SP_TZ)
    # 02:00 UTC on Monday is still Sunday 23:00 in São Paulo; the zone may be given by name.
    assert not within_window("SP", datetime(2026, 12, 7, 2, 0, tzinfo=UTC), "America/Sao_Paulo")
    # The day is the ISP's: 2026-12-25 01:00 UTC is Christmas Eve 22:00 locally (closed by
    # the hour, not the holiday), and 2026-12-26 02:00 UTC is 12-25 23:00 locally.
    assert window_refusal("SP", datetime(2026, 12, 25, 1, 0, tzinfo=UTC), SP_TZ).startswith("fora")
    assert window_refusal("SP", datetime(2026, 12, 26, 2, 0, tzinfo=UTC), SP_TZ).startswith(
        "feriado"
    )


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        within_window("SP", datetime(2026, 12, 1, 10, 0), SP_TZ)
    with pytest.raises(ValueError):
        next_window_start("SP", datetime(2026, 12, 1, 10, 0), SP_TZ)


def test_window_for_defaults_and_overrides():
    assert window_for("SP") == DEFAULT_WINDOWS["SP"]
    assert window_for("rj ") == Window(time(9), time(19))
    assert window_for("MG") == window_for(None) == window_for("SP")
    custom = Window(time(10), time(16))
    assert window_for("MG", {"MG": custom}) is custom
    assert window_for("SP", {"MG": custom}) == DEFAULT_WINDOWS["SP"]
    assert not within_window("MG", at(TUESDAY, 9), SP_TZ, overrides={"MG": custom})
    assert not within_window("MG", at(SATURDAY, 10), SP_TZ, overrides={"MG": custom})
    assert within_window("MG", at(TUESDAY, 10), SP_TZ, overrides={"MG": custom})


def test_window_validation():
    with pytest.raises(ValueError):
        Window(time(20), time(8))
    with pytest.raises(ValueError):
        Window(time(8), time(20), time(8))
    with pytest.raises(ValueError):
        Window(time(8), time(20), time(14), time(8))


# --- Next window start ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "when", "expected"),
    [
        ("SP", at(TUESDAY, 10), at(TUESDAY, 10)),  # inside: now
        ("SP", at(TUESDAY, 6), at(TUESDAY, 8)),  # early: later the same day
        ("SP", at(TUESDAY, 20), at(date(2026, 12, 2), 8)),
        ("SP", at(SATURDAY, 14), at(date(2026, 12, 7), 8)),  # across the weekend
        ("SP", at(SUNDAY, 3), at(date(2026, 12, 7), 8)),
        ("RJ", at(date(2026, 12, 4), 19), at(date(2026, 12, 7), 9)),  # Friday night to Monday
        ("RJ", at(SATURDAY, 9), at(date(2026, 12, 7), 9)),
        # Christmas (Friday) then a Saturday: SP opens on Saturday, RJ only on Monday.
        ("SP", at(date(2026, 12, 24), 20, 30), at(date(2026, 12, 26), 8)),
        ("RJ", at(date(2026, 12, 24), 19), at(date(2026, 12, 28), 9)),
        # SP's state holiday on Thursday 2026-07-09: Friday.
        ("SP", at(date(2026, 7, 8), 21), at(date(2026, 7, 10), 8)),
        ("RJ", at(date(2026, 7, 8), 21), at(date(2026, 7, 9), 9)),
    ],
)
def test_next_window_start(state, when, expected):
    assert next_window_start(state, when, SP_TZ) == expected


def test_next_window_start_skips_extra_holidays_and_returns_local_time():
    friday_night = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 20:30 in São Paulo
    start = next_window_start("SP", friday_night, SP_TZ, extra_holidays=[SATURDAY])
    assert start == at(date(2026, 12, 7), 8)
    assert start.tzinfo == SP_TZ and start.hour == 8


_INSTANTS = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)
)
_STATES = st.sampled_from(["SP", "AL", "RJ", "ES", "AM", "MG", "BA", None, "XX"])


@hyp_settings(max_examples=300, deadline=None)
@given(when=_INSTANTS, state=_STATES, municipal=st.lists(st.dates(), max_size=3))
def test_property_next_window_start(when, state, municipal):
    kwargs = {"extra_holidays": municipal}
    start = next_window_start(state, when, SP_TZ, **kwargs)
    # Inside the window exactly when nothing has to move.
    assert within_window(state, when, SP_TZ, **kwargs) == (start == when)
    # Always a moment of the window, never in the past, and the first one: an instant
    # before it (and after `when`) is outside.
    assert start >= when
    assert within_window(state, start, SP_TZ, **kwargs)
    if start > when:
        assert not within_window(state, start - timedelta(microseconds=1), SP_TZ, **kwargs)
        assert start.astimezone(SP_TZ).second == 0
    assert start - when < timedelta(days=8)


# --- may_contact: opt-outs and the debt -------------------------------------------------


async def _debtor(**overrides) -> Customer:
    customer = await make_customer(**overrides)
    await make_receivable(customer, date(2026, 10, 10), "99.90")
    return customer


async def test_allowed_when_all_is_well(db):
    customer = await _debtor()
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert decision.allowed and decision
    assert decision.retry_at is None


async def test_opted_out_never(db):
    customer = await _debtor(opted_out_at=datetime(2026, 11, 1, tzinfo=UTC))
    for channel in (Channel.VOICE, Channel.SMS, Channel.EMAIL, Channel.TELEGRAM):
        decision = await may_contact(customer, channel, NOW, settings(), kind="message")
        assert not decision.allowed
        assert decision.reason == "cliente pediu para não ser contatado"
        assert decision.retry_at is None


@pytest.mark.parametrize(
    ("flag", "channel"),
    [
        ("no_calls", Channel.VOICE),
        ("no_sms", Channel.SMS),
        ("no_email", Channel.EMAIL),
        ("no_telegram", Channel.TELEGRAM),
    ],
)
async def test_channel_opt_out(db, flag, channel):
    customer = await _debtor(**{flag: True})
    kind = "call" if channel == Channel.VOICE else "message"
    refused = await may_contact(customer, channel, NOW, settings(), kind=kind)
    assert not refused.allowed
    names = {
        "no_calls": "ligação",
        "no_sms": "SMS",
        "no_email": "e-mail",
        "no_telegram": "Telegram",
    }
    assert refused.reason == f"cliente pediu para não ser contatado por {names[flag]}"
    other = Channel.SMS if channel == Channel.VOICE else Channel.VOICE
    other_kind = "message" if other == Channel.SMS else "call"
    assert (await may_contact(customer, other, NOW, settings(), kind=other_kind)).allowed


async def test_opt_out_read_again_from_the_database(db):
    customer = await _debtor()
    await Customer.filter(id=customer.id).update(opted_out_at=datetime(2026, 11, 30, tzinfo=UTC))
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert decision.reason == "cliente pediu para não ser contatado"


@pytest.mark.parametrize(
    "status", [ReceivableStatus.PAID, ReceivableStatus.NEGOTIATED, ReceivableStatus.CANCELLED]
)
async def test_debt_no_longer_open_is_refused(db, status):
    customer = await make_customer()
    extra = {"paid_at": datetime(2026, 11, 30, tzinfo=UTC)} if status == "paid" else {}
    await make_receivable(customer, date(2026, 10, 10), "99.90", status=status, **extra)
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert not decision.allowed
    assert decision.reason == "dívida já paga ou negociada"
    assert decision.retry_at is None


async def test_bill_not_yet_overdue_is_not_a_debt_but_a_reminder_goes(db):
    customer = await make_customer()
    await make_receivable(customer, TUESDAY, "99.90")  # due today: not overdue
    call = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert call.reason == "dívida já paga ou negociada"
    reminder = await may_contact(customer, Channel.TELEGRAM, NOW, settings(), kind="reminder")
    assert reminder.allowed


async def test_window_refusal_carries_the_next_start(db):
    customer = await _debtor(state="RJ")
    sunday = at(SUNDAY, 10)
    decision = await may_contact(customer, Channel.VOICE, sunday, settings(), kind="call")
    assert (decision.allowed, decision.reason) == (False, "domingo: sem contato")
    assert decision.retry_at == at(date(2026, 12, 7), 9)
    late = await may_contact(customer, Channel.VOICE, at(TUESDAY, 19), settings(), kind="call")
    assert late.reason == "fora do horário permitido em RJ"
    assert late.retry_at == at(date(2026, 12, 2), 9)
    municipal = await may_contact(
        customer, Channel.VOICE, NOW, settings(), kind="call", extra_holidays=[TUESDAY]
    )
    assert municipal.reason == "feriado municipal"


# --- may_contact: the budget ------------------------------------------------------------


async def _contact(customer, when, channel=Channel.VOICE, direction="out", outcome="attempted"):
    actor = ContactActor.DEBTOR if direction == "in" else ContactActor.ROBOT
    return await record_contact(
        customer.id, channel, actor, MessageDirection(direction), ContactOutcome(outcome), at=when
    )


async def test_seven_attempts_in_seven_days(each_db):
    customer = await _debtor()
    oldest = at(date(2026, 11, 25), 10, 30)
    await _contact(customer, at(date(2026, 11, 24), 9))  # 7 days and 1 hour ago: not counted
    await _contact(customer, oldest)
    for days in range(5):
        await _contact(customer, at(date(2026, 11, 26) + timedelta(days=days), 9))
    ok = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert ok.allowed  # six counted
    await _contact(customer, at(TUESDAY, 8, 30), channel=Channel.AGENCY)  # any channel counts
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert not decision.allowed
    assert decision.reason == "limite de 7 tentativas em 7 dias"
    assert decision.retry_at == oldest + timedelta(days=7)  # Wednesday 10:30, in the window
    # At that moment the oldest has left the window.
    later = await may_contact(customer, Channel.VOICE, decision.retry_at, settings(), kind="call")
    assert later.allowed


async def test_budget_retry_is_moved_into_the_window(each_db):
    customer = await _debtor(state="RJ")
    oldest = at(date(2026, 11, 27), 19, 30)  # a Friday, late (an attendant's call back)
    await _contact(customer, oldest)
    for hour in range(9, 15):
        await _contact(customer, at(TUESDAY, 9) - timedelta(hours=hour))
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert decision.reason == "limite de 7 tentativas em 7 dias"
    # 7 days after Friday 19:30 is Friday 12-04 19:30, after RJ's close: Monday 09:00.
    assert decision.retry_at == at(date(2026, 12, 7), 9)


async def test_inbound_contacts_do_not_count(each_db):
    customer = await _debtor()
    for hours in range(10):
        await _contact(customer, NOW - timedelta(hours=hours + 1), Channel.TELEGRAM, "in")
    assert (await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")).allowed
    assert (await may_contact(customer, Channel.SMS, NOW, settings(), kind="message")).allowed


async def test_quiet_days_after_a_conversation(each_db):
    customer = await _debtor()
    talk = at(date(2026, 11, 28), 11)  # the debtor called in and talked, three days ago
    await _contact(customer, talk, Channel.VOICE, "in", "conversation")
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert (decision.allowed, decision.reason) == (False, "conversa recente")
    assert decision.retry_at == at(date(2026, 12, 5), 11)  # a Saturday, inside SP's window
    asked = await may_contact(
        customer, Channel.VOICE, NOW, settings(), kind="call", debtor_asked=True
    )
    assert asked.allowed
    # Older than the quiet days: no effect.
    assert (
        await may_contact(
            customer, Channel.VOICE, at(date(2026, 12, 7), 10), settings(), kind="call"
        )
    ).allowed


async def test_an_agreement_outbound_is_a_conversation_too(each_db):
    customer = await _debtor()
    await _contact(customer, at(date(2026, 11, 30), 15), Channel.TELEGRAM, "out", "agreement")
    decision = await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")
    assert decision.reason == "conversa recente"
    quiet_off = settings(contact_quiet_days_after_talk=0)
    assert (await may_contact(customer, Channel.VOICE, NOW, quiet_off, kind="call")).allowed


async def test_one_message_a_day(each_db):
    customer = await _debtor()
    await _contact(customer, at(date(2026, 11, 30), 19), Channel.SMS)  # yesterday: fine
    await _contact(customer, at(TUESDAY, 9), Channel.TELEGRAM, "in")  # inbound: fine
    assert (await may_contact(customer, Channel.EMAIL, NOW, settings(), kind="message")).allowed
    await _contact(customer, at(TUESDAY, 8, 5), Channel.SMS)
    decision = await may_contact(customer, Channel.EMAIL, NOW, settings(), kind="message")
    assert (decision.allowed, decision.reason) == (False, "já recebeu mensagem hoje")
    assert decision.retry_at == at(date(2026, 12, 2), 8)  # tomorrow, when the window opens
    # A call is not a message.
    assert (await may_contact(customer, Channel.VOICE, NOW, settings(), kind="call")).allowed
    # The ISP may allow more.
    two = settings(contact_max_messages_per_day=2)
    assert (await may_contact(customer, Channel.EMAIL, NOW, two, kind="message")).allowed


async def test_message_day_is_the_local_day(each_db):
    customer = await _debtor()
    # 2026-12-01 01:00 UTC is 2026-11-30 22:00 in São Paulo: yesterday's message.
    await _contact(customer, datetime(2026, 12, 1, 1, 0, tzinfo=UTC), Channel.SMS)
    assert (await may_contact(customer, Channel.SMS, NOW, settings(), kind="message")).allowed


async def test_several_refusals_retry_when_all_lift(each_db):
    customer = await _debtor()
    await _contact(customer, at(TUESDAY, 8, 30), Channel.SMS, "out", "conversation")
    decision = await may_contact(customer, Channel.SMS, NOW, settings(), kind="message")
    assert decision.reason == "conversa recente"
    assert decision.retry_at == at(date(2026, 12, 8), 8, 30)


async def test_record_contact(db):
    customer = await _debtor()
    stored = await record_contact(customer.id, Channel.SMS, ContactActor.BOT, MessageDirection.OUT)
    row = await ContactAttempt.get(id=stored.id)
    assert (row.channel, row.actor, row.direction, row.outcome) == (
        Channel.SMS,
        ContactActor.BOT,
        MessageDirection.OUT,
        ContactOutcome.ATTEMPTED,
    )
    assert row.created_at is not None and row.note is None
    when = at(TUESDAY, 9, 15)
    dated = await record_contact(
        customer.id,
        "voice",
        "attendant",
        "out",
        "no_answer",
        note="x" * 300,
        at=when,
    )
    row = await ContactAttempt.get(id=dated.id)
    assert row.created_at == when and row.outcome == ContactOutcome.NO_ANSWER
    assert len(row.note) == 255
