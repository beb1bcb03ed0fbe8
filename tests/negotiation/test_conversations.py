"""Conversation rules on a real database: opening, recording, escalation and its honest text,
the claim race, replies, hand back, close and the inbox order. Plus the attendants' hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from admin.passwords import hash_password
from models import AuditLog, Conversation, Message, User, clock
from models.enums import Channel, ConversationState, MessageAuthor, MessageDirection, Role
from negotiation import conversations as conv
from negotiation import inbox
from negotiation.attendant_hours import is_open, next_opening
from negotiation.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SendError
from quita.settings import Settings
from tests.factories import make_customer

SP = ZoneInfo("America/Sao_Paulo")
_HASH = hash_password("x")


def _settings(**extra) -> Settings:
    return Settings(database_url="sqlite://:memory:", secret_key="k" * 40, **extra)


SETTINGS = _settings()


async def _user(name: str, role: Role = Role.ATTENDANT) -> User:
    return await User.create(username=name, role=role, password_hash=_HASH)


class Relay:
    """The caller's transport, as a parameter: remembers what went, returns channel ids."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail = fail

    async def __call__(self, conversation: Conversation, text: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((conversation.id, text))
        return f"out-{len(self.sent)}"


# --- attendant hours (no database) --------------------------------------------------------


def test_hours_weekday_saturday_and_sunday():
    assert is_open(datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)  # Friday
    assert not is_open(datetime(2026, 11, 27, 18, tzinfo=SP), SETTINGS)  # end is exclusive
    assert not is_open(datetime(2026, 11, 27, 7, 59, tzinfo=SP), SETTINGS)
    assert is_open(datetime(2026, 11, 28, 11, 59, tzinfo=SP), SETTINGS)  # Saturday
    assert not is_open(datetime(2026, 11, 28, 12, tzinfo=SP), SETTINGS)
    assert not is_open(datetime(2026, 11, 29, 10, tzinfo=SP), SETTINGS)  # Sunday
    # UTC in, ISP zone used: 12:00 UTC is 09:00 in São Paulo.
    assert is_open(datetime(2026, 11, 30, 12, tzinfo=UTC), SETTINGS)
    assert not is_open(datetime(2026, 11, 30, 10, tzinfo=UTC), SETTINGS)


def test_next_opening_skips_sunday_and_holidays():
    saturday_afternoon = datetime(2026, 11, 28, 13, tzinfo=SP)
    assert next_opening(saturday_afternoon, SETTINGS) == datetime(2026, 11, 30, 8, tzinfo=SP)
    # 20/11 (Consciência Negra, national) is closed: next is Saturday morning.
    holiday = datetime(2026, 11, 20, 10, tzinfo=SP)
    assert not is_open(holiday, SETTINGS)
    assert next_opening(holiday, SETTINGS) == datetime(2026, 11, 21, 8, tzinfo=SP)
    # 09/07 is a São Paulo state holiday: closed in SP, open in RJ.
    july_9 = datetime(2026, 7, 9, 10, tzinfo=SP)
    assert not is_open(july_9, SETTINGS)
    assert is_open(july_9, _settings(attendant_state="RJ"))
    # Open now: now itself. Early morning: today at opening.
    assert next_opening(datetime(2026, 11, 27, 9, tzinfo=SP), SETTINGS) == datetime(
        2026, 11, 27, 9, tzinfo=SP
    )
    assert next_opening(datetime(2026, 11, 27, 6, tzinfo=SP), SETTINGS) == datetime(
        2026, 11, 27, 8, tzinfo=SP
    )


def test_saturday_closed_and_never_open():
    closed_saturdays = _settings(attendant_saturday_hours="")
    assert not is_open(datetime(2026, 11, 28, 9, tzinfo=SP), closed_saturdays)
    assert next_opening(datetime(2026, 11, 27, 19, tzinfo=SP), closed_saturdays) == datetime(
        2026, 11, 30, 8, tzinfo=SP
    )
    never = _settings(attendant_saturday_hours="", attendant_weekday_hours="")
    assert next_opening(datetime(2026, 11, 27, 9, tzinfo=SP), never) is None


# --- opening and recording ----------------------------------------------------------------


async def test_open_for_reuses_the_open_conversation_and_learns_the_customer(db):
    first = await conv.open_for(Channel.TELEGRAM, "4242")
    assert first.state == ConversationState.BOT and first.customer_id is None
    customer = await make_customer()
    again = await conv.open_for(Channel.TELEGRAM, "4242", customer_id=customer.id)
    assert again.id == first.id and again.customer_id == customer.id
    assert (await Conversation.get(id=first.id)).customer_id == customer.id
    other = await conv.open_for(Channel.TELEGRAM, "9999")
    assert other.id != first.id
    # Closed: the handle gets a new conversation.
    user = await _user("ana")
    await conv.close(first.id, user)
    fresh = await conv.open_for(Channel.TELEGRAM, "4242")
    assert fresh.id not in (first.id, other.id) and fresh.state == ConversationState.BOT


async def test_record_is_idempotent_by_channel_message_id(each_db):
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    before = conversation.updated_at
    first = await conv.record(
        conversation, MessageDirection.IN, MessageAuthor.DEBTOR, "oi", channel_message_id=77
    )
    assert first is not None and first.channel_message_id == "77"
    assert conversation.updated_at >= before
    again = await conv.record(
        conversation, MessageDirection.IN, MessageAuthor.DEBTOR, "oi", channel_message_id="77"
    )
    assert again is None
    # No id: always stored. The same id on another conversation: its own message.
    assert await conv.record(conversation, "out", "bot", "Olá!") is not None
    other = await conv.open_for(Channel.TELEGRAM, "2")
    assert await conv.record(other, "in", "debtor", "oi", channel_message_id=77) is not None
    assert await Message.filter(conversation_id=conversation.id).count() == 2


async def test_record_concurrent_redelivery_stores_once(pg_db):
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    results = await asyncio.gather(
        *(
            conv.record(conversation, "in", "debtor", "oi", channel_message_id="u1")
            for _ in range(5)
        )
    )
    assert sum(r is not None for r in results) == 1
    assert await Message.filter(conversation_id=conversation.id).count() == 1


# --- escalation ---------------------------------------------------------------------------


async def test_escalation_inside_hours(db):
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    now = datetime(2026, 11, 27, 10, tzinfo=SP)
    text = await conv.escalate(conversation, now, SETTINGS)
    assert "Um atendente vai responder em instantes" in text
    stored = await Conversation.get(id=conversation.id)
    assert stored.state == ConversationState.WAITING
    assert stored.escalated_at == now
    assert conversation.state == ConversationState.WAITING
    (message,) = await Message.filter(conversation_id=conversation.id)
    assert message.author == MessageAuthor.SYSTEM and message.text == text
    assert await AuditLog.filter(entity="conversation", action="escalate").count() == 1
    # The bot is not silent while waiting, but says only the holding text.
    assert not conv.bot_silent(stored)
    holding = conv.holding_text(stored, now, SETTINGS)
    assert holding is not None and "um atendente já foi chamado" in holding


async def test_escalation_outside_hours_says_when(db):
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    saturday_afternoon = datetime(2026, 11, 28, 13, tzinfo=SP)
    text = await conv.escalate(conversation, saturday_afternoon, SETTINGS)
    assert "fechado agora" in text
    assert "segunda-feira, 30/11, às 08:00" in text
    assert "em instantes" not in text
    holding = conv.holding_text(conversation, saturday_afternoon, SETTINGS)
    assert "segunda-feira, 30/11, às 08:00" in holding
    # On a holiday (Friday 20/11): tomorrow, Saturday.
    other = await conv.open_for(Channel.TELEGRAM, "2")
    text = await conv.escalate(other, datetime(2026, 11, 20, 10, tzinfo=SP), SETTINGS)
    assert "amanhã, sábado, 21/11, às 08:00" in text


async def test_escalating_again_keeps_the_first_time_and_state(db):
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    first = datetime(2026, 11, 27, 10, tzinfo=SP)
    await conv.escalate(conversation, first, SETTINGS)
    text = await conv.escalate(conversation, first + timedelta(minutes=5), SETTINGS)
    assert "já foi chamado" in text
    stored = await Conversation.get(id=conversation.id)
    assert stored.escalated_at == first and stored.state == ConversationState.WAITING
    user = await _user("ana")
    await conv.claim(conversation.id, user)
    text = await conv.escalate(conversation, first + timedelta(minutes=6), SETTINGS)
    assert "já está com a sua conversa" in text
    assert (await Conversation.get(id=conversation.id)).state == ConversationState.CLAIMED
    await conv.close(conversation.id, user)
    with pytest.raises(Conflict):
        await conv.escalate(conversation, first, SETTINGS)


# --- claiming -----------------------------------------------------------------------------


async def test_claim_and_second_claimer_conflict(db):
    ana, bia = await _user("ana"), await _user("bia")
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    await conv.escalate(conversation, datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)
    claimed = await conv.claim(conversation.id, ana)
    assert claimed.state == ConversationState.CLAIMED and claimed.assigned_to_id == ana.id
    assert conv.bot_silent(claimed)
    assert conv.holding_text(claimed, clock.now(), SETTINGS) is None
    with pytest.raises(Conflict, match="conversa já assumida por ana"):
        await conv.claim(conversation.id, bia)
    assert (await conv.claim(conversation.id, ana)).assigned_to_id == ana.id  # again: no-op
    with pytest.raises(NotFound):
        await conv.claim(99999, ana)
    audit = await AuditLog.filter(action="claim")
    assert len(audit) == 1 and audit[0].actor == "ana"


async def test_concurrent_claims_exactly_one_wins(pg_db):
    users = [await _user(f"at{i}") for i in range(6)]
    conversation = await conv.open_for(Channel.TELEGRAM, "1")
    await conv.escalate(conversation, datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)
    results = await asyncio.gather(
        *(conv.claim(conversation.id, u) for u in users), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, Conversation)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 5, results
    stored = await Conversation.get(id=conversation.id)
    assert stored.assigned_to_id == winners[0].assigned_to_id
    assert await AuditLog.filter(action="claim").count() == 1


# --- replying, handing back, closing ------------------------------------------------------


async def _claimed(user: User, ref: str = "1") -> Conversation:
    conversation = await conv.open_for(Channel.TELEGRAM, ref)
    await conv.escalate(conversation, datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)
    return await conv.claim(conversation.id, user)


async def test_reply_by_owner_is_sent_then_stored(db):
    ana = await _user("ana")
    conversation = await _claimed(ana)
    relay = Relay()
    message = await conv.reply(conversation.id, ana, "  Olá, tudo bem?  ", relay, creditor=SETTINGS)
    # Signed with the attendant's and the creditor's names (CDC art. 42-A), stored as sent.
    signed = f"Ana, da {SETTINGS.isp_name}: Olá, tudo bem?"
    assert relay.sent == [(conversation.id, signed)]
    assert message.author == MessageAuthor.ATTENDANT and message.direction == MessageDirection.OUT
    assert message.author_user_id == ana.id and message.channel_message_id == "out-1"
    assert message.text == signed


async def test_an_attendant_signs_with_the_first_word_of_the_full_name(db):
    ana = await User.create(
        username="a.souza", full_name="ana paula souza", role=Role.ATTENDANT, password_hash=_HASH
    )
    conversation = await _claimed(ana)
    relay = Relay()
    await conv.reply(conversation.id, ana, "Bom dia", relay, creditor=SETTINGS)
    assert relay.sent[0][1] == f"Ana, da {SETTINGS.isp_name}: Bom dia"


async def test_reply_refused_cases(db):
    ana, bia = await _user("ana"), await _user("bia")
    boss = await _user("chefe", Role.SUPERVISOR)
    conversation = await _claimed(ana)
    relay = Relay()
    with pytest.raises(PermissionDenied, match="ana"):
        await conv.reply(conversation.id, bia, "oi", relay, creditor=SETTINGS)
    with pytest.raises(InvalidInput):
        await conv.reply(conversation.id, ana, "   ", relay, creditor=SETTINGS)
    with pytest.raises(InvalidInput):
        await conv.reply(conversation.id, ana, "x" * 4001, relay, creditor=SETTINGS)
    assert relay.sent == []
    # A supervisor may write on someone else's conversation; 4000 characters is fine.
    await conv.reply(conversation.id, boss, "x" * 4000, relay, creditor=SETTINGS)
    # Not claimed (waiting): claim first.
    waiting = await conv.open_for(Channel.TELEGRAM, "2")
    await conv.escalate(waiting, datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)
    with pytest.raises(Conflict, match="assuma"):
        await conv.reply(waiting.id, ana, "oi", relay, creditor=SETTINGS)


async def test_reply_relay_failure_stores_nothing(db):
    ana = await _user("ana")
    conversation = await _claimed(ana)
    before = await Message.filter(conversation_id=conversation.id).count()
    with pytest.raises(SendError):
        await conv.reply(
            conversation.id, ana, "oi", Relay(fail=SendError("bloqueado")), creditor=SETTINGS
        )
    assert await Message.filter(conversation_id=conversation.id).count() == before


async def test_hand_back_tells_the_debtor(db):
    ana, bia = await _user("ana"), await _user("bia")
    conversation = await _claimed(ana)
    relay = Relay()
    with pytest.raises(PermissionDenied):
        await conv.hand_back(conversation.id, bia, relay)
    back = await conv.hand_back(conversation.id, ana, relay)
    assert back.state == ConversationState.BOT and back.assigned_to_id is None
    ((_, text),) = relay.sent
    assert text.startswith("Você voltou ao atendimento automático.")
    last = await Message.filter(conversation_id=conversation.id).order_by("-id").first()
    assert last.author == MessageAuthor.SYSTEM and last.text == text
    assert last.channel_message_id == "out-1"
    assert await AuditLog.filter(action="hand_back").count() == 1
    with pytest.raises(Conflict):  # already with the bot
        await conv.hand_back(conversation.id, ana, relay)
    # From waiting too.
    waiting = await conv.open_for(Channel.TELEGRAM, "2")
    await conv.escalate(waiting, datetime(2026, 11, 27, 10, tzinfo=SP), SETTINGS)
    assert (await conv.hand_back(waiting.id, bia, relay)).state == ConversationState.BOT


async def test_close(db):
    ana, bia = await _user("ana"), await _user("bia")
    conversation = await _claimed(ana)
    with pytest.raises(PermissionDenied):
        await conv.close(conversation.id, bia)
    closed = await conv.close(conversation.id, ana)
    assert closed.state == ConversationState.CLOSED and closed.closed_at is not None
    with pytest.raises(Conflict):
        await conv.close(conversation.id, ana)
    with pytest.raises(Conflict):
        await conv.claim(conversation.id, bia)
    with pytest.raises(Conflict):
        await conv.reply(conversation.id, ana, "oi", Relay(), creditor=SETTINGS)
    assert await AuditLog.filter(action="close", actor="ana").count() == 1


# --- the inbox ----------------------------------------------------------------------------


async def test_inbox_order_and_last_message(each_db):
    ana = await _user("ana")
    customer = await make_customer(name="Maria da Silva")
    bot_one = await conv.open_for(Channel.TELEGRAM, "bot")
    await conv.record(bot_one, "in", "debtor", "oi")
    late = await conv.open_for(Channel.TELEGRAM, "late", customer_id=customer.id)
    early = await conv.open_for(Channel.TELEGRAM, "early")
    claimed = await conv.open_for(Channel.TELEGRAM, "claimed")
    closed = await conv.open_for(Channel.TELEGRAM, "closed")
    base = datetime(2026, 11, 27, 10, tzinfo=SP)
    await conv.escalate(late, base + timedelta(minutes=10), SETTINGS)
    await conv.escalate(early, base, SETTINGS)
    await conv.escalate(claimed, base - timedelta(minutes=5), SETTINGS)
    await conv.claim(claimed.id, ana)
    await conv.close(closed.id, ana)
    await conv.record(late, "in", "debtor", "alguém aí?")

    items = await inbox.listing()
    assert [i.conversation.id for i in items] == [early.id, late.id, claimed.id, bot_one.id]
    by_id = {i.conversation.id: i for i in items}
    assert by_id[late.id].customer_name == "Maria da Silva"
    assert by_id[late.id].last_message.text == "alguém aí?"
    assert by_id[bot_one.id].last_message.text == "oi"
    assert by_id[claimed.id].conversation.assigned_to.username == "ana"

    assert [i.conversation.id for i in await inbox.listing(ConversationState.WAITING)] == [
        early.id,
        late.id,
    ]
    assert [i.conversation.id for i in await inbox.listing("closed")] == [closed.id]
    assert [i.conversation.id for i in await inbox.listing(limit=2, offset=1)] == [
        late.id,
        claimed.id,
    ]


async def test_reply_whose_channel_id_collides_is_still_stored(db):
    ana = await _user("ana")
    conversation = await _claimed(ana)
    await conv.record(conversation, "in", "debtor", "oi", channel_message_id="out-1")
    # the relay says "out-1"
    message = await conv.reply(conversation.id, ana, "Olá", Relay(), creditor=SETTINGS)
    assert message.channel_message_id is None
    assert message.payload == {"channel_message_id": "out-1"}
