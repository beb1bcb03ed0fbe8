"""Conversations with debtors: the one place with their rules (bot, waiting, claimed, closed).

The Telegram bot, the phone channel and the admin console all call these functions.

States:
- BOT: the bot talks; no person involved.
- WAITING: the debtor asked for a person (`escalate`) and it shows in the inbox. Waiting never
  blocks self-service: the bot still serves every command and button; only what it does not
  understand (likely meant for the person) gets `holding_text(...)` ("aguarde, um atendente
  já foi chamado", or when someone will answer outside hours).
- CLAIMED: an attendant took it (`claim`). The bot stays completely silent
  (`bot_silent(...)` is True); the debtor's messages are only recorded.
- CLOSED: finished; the next message from that handle opens a new conversation (`open_for`).

`hand_back` returns a WAITING/CLAIMED conversation to the bot. The bot's own dialog state is
never touched by a takeover, so it resumes on the very step the debtor was on.

Sending is the caller's: `reply` and `hand_back` take `relay`, an async callable
`(conversation, text) -> channel message id`; a message is stored only after it went out. An
attendant's message goes out signed with their name and the creditor's ("Ana, da Provedor X:
…", CDC art. 42-A), and is stored as sent.
`escalate` returns the text to tell the debtor and already records it (as a system message):
the caller sends it and does not record it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Conversation, Message, User, clock
from models.enums import Channel, ConversationState, MessageAuthor, MessageDirection, Role
from negotiation import audit
from negotiation.attendant_hours import describe_hours, describe_opening, is_open, next_opening
from negotiation.config import ConversationConfig, IspIdentity
from negotiation.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from negotiation.permissions import Permission, ensure
from negotiation.rendering import render

Relay = Callable[[Conversation, str], Awaitable[str]]

MAX_TEXT = 4000  # Telegram's limit is 4096; leave room
ENTITY = "conversation"
# Roles that may act on a conversation another attendant claimed.
OVERSEERS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def _now() -> datetime:
    return clock.now()


def _snap(conversation: Conversation) -> dict[str, Any] | None:
    return audit.snapshot(conversation)


async def _get(conversation_id: int) -> Conversation:
    conversation = await Conversation.get_or_none(id=conversation_id).select_related("assigned_to")
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    return conversation


def _owner_name(conversation: Conversation) -> str:
    user = conversation.assigned_to
    return user.username if user is not None else "outra pessoa"


def _may_act(conversation: Conversation, user: User) -> None:
    """Only who claimed it (or a supervisor/admin) acts on a claimed conversation."""
    if (
        conversation.state == ConversationState.CLAIMED
        and conversation.assigned_to_id != user.id
        and Role(user.role) not in OVERSEERS
    ):
        raise PermissionDenied(
            f"a conversa está com {_owner_name(conversation)}: só quem a assumiu "
            "(ou um supervisor) pode agir nela"
        )


# --- the channels' side -------------------------------------------------------------------


async def _transition(
    conversation: Conversation,
    guard: dict[str, Any],
    changes: dict[str, Any],
    action: str,
    user: User | None,
) -> bool:
    """One guarded UPDATE of the conversation (`guard` must still hold) and its audit entry,
    in one transaction; False when someone else changed it first. `conversation` is
    refreshed when it moved."""
    before = _snap(conversation)
    async with in_transaction() as conn:
        moved = (
            await Conversation.filter(id=conversation.id, **guard)
            .using_db(conn)
            .update(**{"updated_at": _now(), **changes})
        )
        if moved:
            await conversation.refresh_from_db(using_db=conn)
            await audit.record(
                user=user,
                actor=None if user else "bot",
                action=action,
                entity=ENTITY,
                entity_id=conversation.id,
                before=before,
                after=_snap(conversation),
                using_db=conn,
            )
    return bool(moved)


async def open_for(
    channel: Channel | str, external_ref: str, customer_id: int | None = None
) -> Conversation:
    """The open (not closed) conversation of that channel handle, or a new one (state bot).
    `customer_id`, once the debtor is identified, is stored on it."""
    channel = Channel(channel)
    external_ref = str(external_ref)
    conversation = (
        await Conversation.filter(channel=channel, external_ref=external_ref)
        .exclude(state=ConversationState.CLOSED)
        .order_by("id")
        .first()
    )
    if conversation is None:
        async with in_transaction() as conn:
            conversation = await Conversation.create(
                using_db=conn,
                channel=channel,
                external_ref=external_ref,
                customer_id=customer_id,
                state=ConversationState.BOT,
            )
            await audit.record(
                user=None,
                actor="bot",
                action="open",
                entity=ENTITY,
                entity_id=conversation.id,
                after=_snap(conversation),
                using_db=conn,
            )
        return conversation
    if customer_id is not None and conversation.customer_id != customer_id:
        await _transition(conversation, {}, {"customer_id": customer_id}, "identify", None)
    return conversation


async def record(
    conversation: Conversation,
    direction: MessageDirection | str,
    author: MessageAuthor | str,
    text: str,
    *,
    channel_message_id: str | int | None = None,
    user: User | None = None,
    payload: dict[str, Any] | None = None,
) -> Message | None:
    """Store one message on the timeline. A `channel_message_id` already stored for this
    conversation (a redelivered update) writes nothing and returns None."""
    ref = None if channel_message_id is None else str(channel_message_id)
    if (
        ref is not None
        and await Message.filter(conversation_id=conversation.id, channel_message_id=ref).exists()
    ):
        return None
    now = _now()
    try:
        async with in_transaction() as conn:
            message = await Message.create(
                using_db=conn,
                conversation_id=conversation.id,
                direction=MessageDirection(direction),
                author=MessageAuthor(author),
                author_user=user,
                text=text,
                channel_message_id=ref,
                payload=payload,
            )
            await Conversation.filter(id=conversation.id).using_db(conn).update(updated_at=now)
    except IntegrityError:
        # The same update delivered twice at once: the other one stored it.
        if (
            ref is not None
            and await Message.filter(
                conversation_id=conversation.id, channel_message_id=ref
            ).exists()
        ):
            return None
        raise
    conversation.updated_at = now
    return message


@dataclass(frozen=True)
class Said:
    """One message of a buffered transcript (a phone call's), with when it was said."""

    direction: MessageDirection
    author: MessageAuthor
    text: str
    at: datetime
    payload: dict[str, Any] | None = None


async def record_many(conversation: Conversation, said: list[Said]) -> None:
    """Store several messages at once, in their order and with their own times."""
    if not said:
        return
    now = _now()
    async with in_transaction() as conn:
        await Message.bulk_create(
            [
                Message(
                    conversation_id=conversation.id,
                    direction=s.direction,
                    author=s.author,
                    text=s.text,
                    payload=s.payload,
                    created_at=s.at,
                )
                for s in said
            ],
            using_db=conn,
        )
        await Conversation.filter(id=conversation.id).using_db(conn).update(updated_at=now)
    conversation.updated_at = now


async def end(channel: Channel | str, external_ref: str) -> bool:
    """The channel's session ended (a phone call hung up): its conversation with the bot
    closes. One waiting for a person (a callback asked for) or that an attendant has stays
    open for them. True when it closed."""
    conversation = (
        await Conversation.filter(
            channel=Channel(channel),
            external_ref=str(external_ref),
            state=ConversationState.BOT,
        )
        .order_by("id")
        .first()
    )
    if conversation is None:
        return False
    now = _now()
    return await _transition(
        conversation,
        {"state": ConversationState.BOT},
        {"state": ConversationState.CLOSED, "closed_at": now},
        "close",
        None,
    )


def bot_silent(conversation: Conversation) -> bool:
    """True while an attendant has the conversation (CLAIMED): the bot must not send anything
    (it still records what the debtor writes). While WAITING the bot still serves the debtor,
    answering `holding_text(...)` only to what it does not understand; in BOT it works as
    usual."""
    return conversation.state == ConversationState.CLAIMED


def holding_text(
    conversation: Conversation, now: datetime, settings: ConversationConfig
) -> str | None:
    """What the bot answers, while a person was called (WAITING), to a message it does not
    understand (likely meant for the person), honest about when they will answer; None in the
    other states (BOT: answer normally; CLAIMED: stay silent)."""
    if conversation.state != ConversationState.WAITING:
        return None
    opening = next_opening(now, settings)
    return render(
        "chat/escalation_waiting.txt.j2",
        claimed=False,
        open=is_open(now, settings),
        when=describe_opening(opening, now, settings) if opening else None,
    ).strip()


async def escalate(conversation: Conversation, now: datetime, settings: ConversationConfig) -> str:
    """The debtor asked for a person: BOT -> WAITING (escalated_at = now); WAITING and CLAIMED
    stay as they are. Returns the pt-BR text to send the debtor (already recorded here as a
    system message: do not record it again)."""
    fresh = await _get(conversation.id)
    if fresh.state == ConversationState.CLOSED:
        raise Conflict("a conversa foi encerrada")
    opening = next_opening(now, settings)
    open_now = is_open(now, settings)
    if fresh.state == ConversationState.BOT:
        moved = await _transition(
            fresh,
            {"state": ConversationState.BOT},
            {"state": ConversationState.WAITING, "escalated_at": now},
            "escalate",
            None,
        )
        if not moved:  # someone claimed or closed it in between
            fresh = await _get(conversation.id)
            if fresh.state == ConversationState.CLOSED:
                raise Conflict("a conversa foi encerrada")
        if moved:
            template = (
                "chat/escalation_open.txt.j2" if open_now else "chat/escalation_closed.txt.j2"
            )
            text = render(
                template,
                hours=describe_hours(settings),
                when=describe_opening(opening, now, settings) if opening else None,
            ).strip()
        else:
            text = _again_text(fresh, now, settings, open_now, opening)
    else:
        text = _again_text(fresh, now, settings, open_now, opening)
    await record(
        fresh,
        MessageDirection.OUT,
        MessageAuthor.SYSTEM,
        text,
        payload={
            "event": "escalated",
            "open": open_now,
            "next_opening": opening.isoformat() if opening else None,
        },
    )
    conversation.state = fresh.state
    conversation.escalated_at = fresh.escalated_at
    conversation.assigned_to_id = fresh.assigned_to_id
    conversation.updated_at = fresh.updated_at
    return text


def _again_text(
    conversation: Conversation,
    now: datetime,
    settings: ConversationConfig,
    open_now: bool,
    opening: datetime | None,
) -> str:
    return render(
        "chat/escalation_waiting.txt.j2",
        claimed=conversation.state == ConversationState.CLAIMED,
        open=open_now,
        when=describe_opening(opening, now, settings) if opening else None,
    ).strip()


# --- the attendants' side -----------------------------------------------------------------


async def claim(conversation_id: int, user: User) -> Conversation:
    """The attendant takes the conversation (from WAITING or BOT). One guarded UPDATE, so of
    two attendants claiming at once exactly one wins; the other gets Conflict."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    async with in_transaction() as conn:
        won = (
            await Conversation.filter(
                id=conversation_id,
                state__in=[ConversationState.WAITING, ConversationState.BOT],
            )
            .using_db(conn)
            .update(state=ConversationState.CLAIMED, assigned_to_id=user.id, updated_at=_now())
        )
        if won:
            conversation = await Conversation.get(id=conversation_id).using_db(conn)
            await audit.record(
                user=user,
                action="claim",
                entity=ENTITY,
                entity_id=conversation_id,
                after=_snap(conversation),
                using_db=conn,
            )
    if won:
        return await _get(conversation_id)
    conversation = await _get(conversation_id)
    if conversation.state == ConversationState.CLOSED:
        raise Conflict(f"a conversa {conversation_id} já foi encerrada")
    if conversation.assigned_to_id == user.id:
        return conversation  # already yours: claiming again changes nothing
    raise Conflict(f"conversa já assumida por {_owner_name(conversation)}")


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("escreva a mensagem: o texto está vazio")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"mensagem longa demais: no máximo {MAX_TEXT} caracteres")
    return text


def attendant_name(user: User) -> str:
    """How an attendant signs to debtors: the first word of their full name ("Ana"), or of
    their user name when they have none."""
    words = (user.full_name or "").split() or [user.username]
    return words[0].title()


def signed_text(user: User, text: str, creditor: IspIdentity) -> str:
    """The attendant's message as the debtor reads it: "Ana, da Provedor X: …"."""
    return render(
        "chat/attendant_message.txt.j2",
        attendant=attendant_name(user),
        isp=creditor.isp,
        text=text,
    ).strip()


async def reply(
    conversation_id: int, user: User, text: str, relay: Relay, *, creditor: IspIdentity
) -> Message:
    """The attendant writes to the debtor. Only on a CLAIMED conversation, by who claimed it
    (or a supervisor/admin). Sent through `relay` first, signed with the attendant's and the
    `creditor`'s names (`signed_text`); stored as sent (author attendant) only once it went
    out. Relay errors (SendError, ...) propagate."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    text = signed_text(user, _clean_text(text), creditor)
    conversation = await _get(conversation_id)
    if conversation.state != ConversationState.CLAIMED:
        if conversation.state == ConversationState.CLOSED:
            raise Conflict("a conversa foi encerrada")
        raise Conflict("assuma a conversa antes de responder")
    _may_act(conversation, user)
    sent_id = await relay(conversation, text)
    message = await record(
        conversation,
        MessageDirection.OUT,
        MessageAuthor.ATTENDANT,
        text,
        channel_message_id=sent_id,
        user=user,
    )
    if message is None:
        # The channel reused an id we stored for another message: keep the text anyway.
        message = await record(
            conversation,
            MessageDirection.OUT,
            MessageAuthor.ATTENDANT,
            text,
            user=user,
            payload={"channel_message_id": None if sent_id is None else str(sent_id)},
        )
        assert message is not None
    await audit.record(
        user=user,
        action="reply",
        entity=ENTITY,
        entity_id=conversation.id,
        after={"message_id": message.id, "channel_message_id": message.channel_message_id},
    )
    return message


async def hand_back(conversation_id: int, user: User, relay: Relay) -> Conversation:
    """WAITING/CLAIMED -> BOT; the debtor is told (chat/handback.txt.j2) through `relay` and
    the notice is recorded as a system message. The bot resumes where the debtor was."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    conversation = await _get(conversation_id)
    if conversation.state not in (ConversationState.WAITING, ConversationState.CLAIMED):
        if conversation.state == ConversationState.CLOSED:
            raise Conflict("a conversa foi encerrada")
        raise Conflict("a conversa já está com o atendimento automático")
    _may_act(conversation, user)
    moved = await _transition(
        conversation,
        {"state": conversation.state, "assigned_to_id": conversation.assigned_to_id},
        {"state": ConversationState.BOT, "assigned_to_id": None},
        "hand_back",
        user,
    )
    if not moved:
        raise Conflict("a conversa mudou enquanto isso: atualize e tente de novo")
    text = render("chat/handback.txt.j2").strip()
    try:
        sent_id = await relay(conversation, text)
    except Exception as error:
        await record(
            conversation,
            MessageDirection.OUT,
            MessageAuthor.SYSTEM,
            f"Aviso de retorno ao atendimento automático não enviado: {error}",
            user=user,
            payload={"event": "hand_back", "sent": False},
        )
        raise
    await record(
        conversation,
        MessageDirection.OUT,
        MessageAuthor.SYSTEM,
        text,
        channel_message_id=sent_id,
        user=user,
        payload={"event": "hand_back", "sent": True},
    )
    return await _get(conversation.id)


async def close(conversation_id: int, user: User) -> Conversation:
    """Any open state -> CLOSED (closed_at = now). A claimed one only by who claimed it (or a
    supervisor/admin)."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    conversation = await _get(conversation_id)
    if conversation.state == ConversationState.CLOSED:
        raise Conflict("a conversa já foi encerrada")
    _may_act(conversation, user)
    now = _now()
    moved = await _transition(
        conversation,
        {"state": conversation.state},
        {"state": ConversationState.CLOSED, "closed_at": now, "updated_at": now},
        "close",
        user,
    )
    if not moved:
        raise Conflict("a conversa mudou enquanto isso: atualize e tente de novo")
    return await _get(conversation.id)
