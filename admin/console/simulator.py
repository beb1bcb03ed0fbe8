"""The chat simulator: an attendant plays the debtor in the browser, through the same dialog
turn the Telegram bot uses (negotiation.chat_turn.converse), on a conversation of channel "console".

Each simulated chat is a conversation with external_ref `sim-<user id>-<n>`; its dialog state
lives in the database (models.DialogState, key `console:<ref>`), never in process memory; every
input and reply goes on the conversation's timeline, which is what the page shows. A reply's
buttons and files are kept in the message's payload so the page can show them again. When an
attendant hands a simulated chat back, `simulator_resumer` shows the step the debtor was on.

Works without JavaScript (each form POSTs, then back to the page); with it, the forms are sent
by fetch and the chat area is swapped in place.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from admin.console.inbox import view_helpers
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page
from models import Conversation, DialogState, Message, User
from models.enums import Channel, ConversationState, MessageDirection
from negotiation import chat, chat_turn, conversations, inbox
from negotiation.errors import QuitaError
from negotiation.permissions import Permission
from negotiation.rendering import environment, render_html

log = logging.getLogger("quita.console.simulator")

router = APIRouter(prefix="/console")
Handle = Page(Permission.HANDLE_CONVERSATIONS)


def _prefix(user: User) -> str:
    return f"sim-{user.id}-"


def _state_key(conversation: Conversation) -> str:
    return f"console:{conversation.external_ref}"


async def _latest(user: User) -> Conversation | None:
    return (
        await Conversation.filter(channel=Channel.CONSOLE, external_ref__startswith=_prefix(user))
        .order_by("-id")
        .first()
    )


async def _current(user: User, fresh: bool = False) -> Conversation:
    """The user's simulated conversation: the newest one, or a new one when it was closed
    (or `fresh`, Reiniciar). After an attendant closed it the simulated chat goes on as the
    same debtor, as a Telegram chat does: its dialog state moves to the new conversation
    (Reiniciar deletes it, so a restart starts from nothing)."""
    mine = Conversation.filter(channel=Channel.CONSOLE, external_ref__startswith=_prefix(user))
    latest = await mine.order_by("-id").first()
    if latest is not None and not fresh and latest.state != ConversationState.CLOSED:
        return latest
    n = await mine.count() + 1
    while await mine.filter(external_ref=f"{_prefix(user)}{n}").exists():
        n += 1
    new = await conversations.open_for(Channel.CONSOLE, f"{_prefix(user)}{n}")
    kept = None if latest is None or fresh else await _StoredSessions(latest).load()
    if kept is not None and kept.customer_id is not None:
        await _StoredSessions(new).save(kept)
    return new


@dataclass(frozen=True)
class _StoredSessions:
    """The simulated chat's dialog state, in the database (never in process memory)."""

    conversation: Conversation

    async def load(self) -> chat.Session:
        row = await DialogState.get_or_none(key=_state_key(self.conversation))
        if row is None:
            return chat.Session()
        return chat.Session(row.state or chat.START, dict(row.data or {}))

    async def save(self, session: chat.Session) -> None:
        await DialogState.update_or_create(
            key=_state_key(self.conversation),
            defaults={"state": session.step, "data": session.data},
        )


def _payload(reply: chat.Reply) -> dict[str, Any] | None:
    payload: dict[str, Any] = {}
    if reply.buttons:
        payload["buttons"] = [
            [{"label": b.label, "action": b.action} for b in row] for row in reply.buttons
        ]
    if reply.ask_contact:
        payload["ask_contact"] = True
    if reply.file is not None:
        payload["file"] = base64.b64encode(reply.file).decode()
        payload["filename"] = reply.filename or "arquivo"
        payload["mime"] = reply.mime or "application/octet-stream"
    return payload or None


async def _show(reply: chat.Reply) -> chat_turn.Shown:
    """The page shows the timeline: a reply is shown by being recorded with its payload."""
    return chat_turn.Shown(payload=_payload(reply))


async def _turn(
    conversation: Conversation, event: chat.Event, shown: str | None, settings: Any
) -> None:
    """One turn of the simulated chat, through the same turn as the Telegram bot's."""
    user_id = conversation.external_ref.removeprefix("sim-").partition("-")[0]
    await chat_turn.converse(
        conversation,
        event,
        shown=shown,
        message_id=None,
        # Identification lockouts count per attendant, whatever the restarts.
        handle=f"console:sim-{user_id}",
        sessions=_StoredSessions(conversation),
        show=_show,
        settings=settings,
    )


async def _converse(request: Request, user: User, event: chat.Event, shown: str) -> None:
    """One debtor action, without Telegram."""
    conversation = await _current(user)
    await _turn(conversation, event, shown, request.app.state.settings)


def simulator_resumer(settings: Any):
    """After an attendant hands a simulated chat back, the page shows the screen of the step
    the debtor was on, as the Telegram bot does (a "resume" turn, nothing the debtor sent)."""

    async def resume(conversation: Conversation) -> None:
        # Read again: the caller's copy was taken before the hand-back changed its state.
        current = await Conversation.get(id=conversation.id)
        await _turn(current, chat.Event("resume"), None, settings)

    return resume


def _views(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages for the page; only the latest screen (after the debtor's last input) keeps
    working buttons."""
    last_in = max(
        (i for i, m in enumerate(messages) if m.direction == MessageDirection.IN), default=-1
    )
    views = []
    for i, m in enumerate(messages):
        payload = m.payload or {}
        current = i > last_in
        file = None
        if "file" in payload:
            file = {
                "name": payload.get("filename", "arquivo"),
                "mime": payload.get("mime", "application/octet-stream"),
                "url": f"data:{payload.get('mime', 'application/octet-stream')};base64,"
                + payload["file"],
            }
        views.append(
            {
                "m": m,
                "file": file,
                "buttons": payload.get("buttons", []) if current else [],
                "ask_contact": bool(payload.get("ask_contact")) and current,
            }
        )
    return views


async def _context(request: Request, user: User) -> dict[str, Any]:
    # Reading writes nothing: the conversation starts with the first message.
    latest = await _latest(user)
    conversation, messages = None, []
    if latest is not None and latest.state != ConversationState.CLOSED:
        conversation, messages = await inbox.timeline(latest.id)
    views = _views(messages)
    return {
        "conversation": conversation,
        "views": views,
        "ask_contact": any(v["ask_contact"] for v in views),
        "share_label": str(environment().get_template("chat/labels.j2").module.share_phone()),
        **view_helpers(request),
    }


async def _answer(request: Request, signed: Signed):
    """After a POST: the chat area alone for fetch, else back to the page."""
    if request.headers.get("X-Requested-With") == "fetch":
        context = await _context(request, signed.user)
        html = render_html(
            "console/simulator_chat.html.j2", csrf_token=signed.csrf_token, **context
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})
    return RedirectResponse("/console/simulator", status_code=303)


@router.get("/simulator")
async def simulator_page(request: Request, signed: Handle):
    context = await _context(request, signed.user)
    return page(request, signed, "console/simulator.html.j2", **context)


@router.post("/simulator/send")
async def simulator_send(request: Request, signed: Handle, text: str = Form("")):
    text = text.strip()[: conversations.MAX_TEXT]
    if text:
        word, _, rest = text.partition(" ")
        command = word[1:].lower() if word.startswith("/") else ""
        if command in chat.COMMANDS:
            event = chat.Event("command", f"{command} {rest}".strip())
        else:
            event = chat.Event("text", text)
        await _converse(request, signed.user, event, text)
    return await _answer(request, signed)


@router.post("/simulator/press")
async def simulator_press(request: Request, signed: Handle, action: str = Form("")):
    if action:
        conversation = await _current(signed.user)
        label = action
        recent = await Message.filter(conversation_id=conversation.id).order_by("-id").limit(20)
        for message in recent:
            for row in (message.payload or {}).get("buttons", []):
                for button in row:
                    if button.get("action") == action:
                        label = button.get("label", action)
        await _converse(request, signed.user, chat.Event("button", action), f"[botão: {label}]")
    return await _answer(request, signed)


@router.post("/simulator/contact")
async def simulator_contact(request: Request, signed: Handle, phone: str = Form("")):
    if phone.strip():
        event = chat.Event("contact", phone.strip(), own_contact=True)
        await _converse(request, signed.user, event, "[telefone compartilhado]")
    return await _answer(request, signed)


@router.post("/simulator/restart")
async def simulator_restart(request: Request, signed: Handle):
    """Reiniciar: the current simulated conversation is closed; the next message starts a new
    one, from the beginning."""
    old = await _latest(signed.user)
    if old is not None and old.state != ConversationState.CLOSED:
        try:
            await conversations.close(old.id, signed.user)
        except QuitaError as error:  # someone else has it: leave it to them
            log.info("simulator restart: %s", error)
            await _current(signed.user, fresh=True)
        await DialogState.filter(key=_state_key(old)).delete()
    return await _answer(request, signed)
