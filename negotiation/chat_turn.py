"""One debtor action in a chat, start to finish, for every chat channel (Telegram, the
console's simulator): what the debtor did goes on the conversation's timeline (identification
data masked), the bot keeps quiet while a person has the conversation, the dialog step runs
(`negotiation.chat.handle`; while a person is awaited too: waiting never blocks self-service),
and every reply is shown by the channel and recorded on the timeline.

A channel gives three things: where its dialog state lives (`SessionStore`), how a reply is
shown (`show`, which says how the shown message is known on the channel), and the handle the
identification lockouts count on; and, if it keeps its address on the customer, what to do
when the dialog identified one (`identified`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from models import Conversation, clock
from models.clock import today_in
from models.enums import MessageAuthor, MessageDirection
from negotiation import chat, conversations
from negotiation.config import ChatConfig
from negotiation.errors import QuitaError
from negotiation.masking import masked
from negotiation.rendering import render

log = logging.getLogger("quita.chat")


class SessionStore(Protocol):
    """Where a channel keeps the dialog's step and data between messages."""

    async def load(self) -> chat.Session: ...

    async def save(self, session: chat.Session) -> None: ...


@dataclass(frozen=True)
class Shown:
    """How a reply the channel showed is known there: its message id (a redelivery check),
    and what the channel needs to show it again (buttons, files)."""

    channel_message_id: str | None = None
    payload: dict[str, Any] | None = None


Show = Callable[[chat.Reply], Awaitable[Shown]]
# Told the customer a dialog step identified, so a channel can link its own address to them
# (Telegram: the chat id); channels with nothing to link pass none.
Identified = Callable[[int], Awaitable[None]]


async def show_replies(conversation: Conversation, replies: list[chat.Reply], show: Show) -> None:
    """Each reply shown by the channel, then on the timeline (unless it already is)."""
    for reply in replies:
        shown = await show(reply)
        if reply.recorded:
            continue
        await conversations.record(
            conversation,
            MessageDirection.OUT,
            MessageAuthor.BOT,
            reply.text or f"[{reply.filename or 'arquivo'}]",
            channel_message_id=shown.channel_message_id,
            payload=shown.payload,
        )


async def run_dialog(session: chat.Session, event: chat.Event, env: chat.Env) -> list[chat.Reply]:
    """The dialog step; a failure becomes a pt-BR reply, never silence."""
    try:
        return await chat.handle(session, event, env)
    except QuitaError as error:
        log.info("chat %s: %s", env.handle, error)
        return [chat.Reply(str(error)[:1].upper() + str(error)[1:])]
    except Exception:
        log.exception("chat %s: dialog failed", env.handle)
        return [chat.Reply(render("chat/error.txt.j2").strip())]


async def converse(
    conversation: Conversation,
    event: chat.Event,
    *,
    shown: str | None,
    message_id: str | None,
    handle: str,
    sessions: SessionStore,
    show: Show,
    settings: ChatConfig,
    identified: Identified | None = None,
    address: str | None = None,
    now: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One debtor action (`shown` None: nothing the debtor sent, a resume). `shown` is what
    goes on the timeline for it (identification data masked); `message_id` its id on the
    channel, so a redelivered update is handled once. `address`: the debtor's address on the
    channel (see `chat.Env`); `payload`: what the channel keeps of a file the debtor sent (a
    receipt)."""
    now = now or clock.now()
    session = await sessions.load()
    if shown is not None:
        if event.kind == "text":
            shown = masked(
                shown,
                identifying=session.customer_id is None,
                second_factor=session.step == chat.SECOND_FACTOR,
            )
        inbound = await conversations.record(
            conversation,
            MessageDirection.IN,
            MessageAuthor.DEBTOR,
            shown,
            channel_message_id=message_id,
            payload=payload,
        )
        if inbound is None:
            return  # already handled (a redelivery)
    if session.customer_id is not None and conversation.customer_id is None:
        # A conversation opened after the last one was closed: still the identified debtor.
        await conversations.open_for(
            conversation.channel, conversation.external_ref, session.customer_id
        )
        conversation.customer_id = session.customer_id
    if conversations.bot_silent(conversation):
        return  # a person has it: every message is on the timeline for them
    env = chat.Env(
        settings=settings,
        channel=conversation.channel,
        handle=handle,
        conversation=conversation,
        now=now,
        today=today_in(settings.timezone),
        address=address,
    )
    before = session.customer_id
    replies = await run_dialog(session, event, env)
    if identified is not None and session.customer_id not in (None, before):
        await identified(session.customer_id)
    await sessions.save(session)
    await show_replies(conversation, _while_waiting(conversation, replies, now, settings), show)


def _while_waiting(
    conversation: Conversation, replies: list[chat.Reply], now: datetime, settings: ChatConfig
) -> list[chat.Reply]:
    """While a person is awaited the bot still serves every command and button; only what it
    did not understand (likely meant for the person) gets the holding answer instead."""
    holding = conversations.holding_text(conversation, now, settings)
    if not holding:
        return replies
    return [chat.Reply(holding) if r.not_understood else r for r in replies]
