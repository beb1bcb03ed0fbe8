"""The conversation inbox and one conversation's page: claim, reply, hand back, close, with
live updates by Server-Sent Events. Every rule is negotiation.conversations'; sending goes
through the app's relays exactly as the admin API does (admin.deps.Channels).

The live streams poll the database (any app instance sees every change) every
`app.state.console_sse_poll` seconds (default 1) and end after `app.state.console_sse_seconds`
(default 300; the browser's EventSource reconnects by itself).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from tortoise.functions import Count, Max

from admin.console.render import page
from admin.console.session import Signed
from admin.deps import ChannelsDep, Page
from models import Conversation, Message
from models.enums import Channel, ConversationState
from negotiation import conversations as service
from negotiation import inbox
from negotiation.errors import InvalidInput, NotFound, QuitaError
from negotiation.labels import choices, label
from negotiation.permissions import Permission
from negotiation.rendering import render_html

router = APIRouter(prefix="/console")
Handle = Page(Permission.HANDLE_CONVERSATIONS)

PAGE_SIZE = 50


def _knob(request: Request, name: str, default: float) -> float:
    return float(getattr(request.app.state, name, default))


def view_helpers(request: Request) -> dict[str, Any]:
    """What the conversation templates use to show states, authors and times (`tz`: the
    `when` filter reads instants in the ISP's zone; some of these are rendered without page())."""
    return {
        "tz": request.app.state.settings.tz,
    }


def _state_of(value: str | None) -> ConversationState | None:
    if not value:
        return None
    try:
        return ConversationState(value)
    except ValueError:
        raise InvalidInput(f"estado desconhecido: {value}") from None


# --- server-sent events -------------------------------------------------------------------


def sse(event: str, data: str, event_id: int | None = None) -> str:
    """One SSE event; each line of `data` on its own `data:` line."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


async def stream(
    request: Request,
    probe: Callable[[], Awaitable[Any]],
    changed: Callable[[Any, Any], Awaitable[list[str]]],
    start: Any = None,
) -> AsyncIterator[str]:
    """Poll `probe()`; when its value differs from the last one, emit `changed(old, new)`.
    A keep-alive comment now and then; stops when the client leaves or time is up."""
    poll = _knob(request, "console_sse_poll", 1.0)
    duration = _knob(request, "console_sse_seconds", 300.0)
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    last = start if start is not None else await probe()
    yield "retry: 2000\n: conectado\n\n"
    while loop.time() - started < duration:
        if await request.is_disconnected():
            return
        await asyncio.sleep(poll)
        current = await probe()
        if current != last:
            for chunk in await changed(last, current):
                yield chunk
            last = current
            last_sent = loop.time()
        elif loop.time() - last_sent >= 15:
            yield ": keep-alive\n\n"
            last_sent = loop.time()


def event_stream(generator: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        generator,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# --- the inbox ----------------------------------------------------------------------------


async def _inbox_context(request: Request, state: str | None, offset: int) -> dict[str, Any]:
    chosen = _state_of(state)
    offset = max(offset, 0)
    items = await inbox.listing(state=chosen, limit=PAGE_SIZE + 1, offset=offset)
    return {
        "items": items[:PAGE_SIZE],
        "more": len(items) > PAGE_SIZE,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "state": chosen.value if chosen else "",
        "states": list(choices(ConversationState).items()),
        **view_helpers(request),
    }


@router.get("/inbox")
async def inbox_page(request: Request, signed: Handle, state: str | None = None, offset: int = 0):
    context = await _inbox_context(request, state, offset)
    return page(request, signed, "console/inbox.html.j2", **context)


@router.get("/inbox/list")
async def inbox_list(request: Request, signed: Handle, state: str | None = None, offset: int = 0):
    """The list alone (an HTML fragment), for the live page to swap in."""
    context = await _inbox_context(request, state, offset)
    html = render_html("console/inbox_list.html.j2", **context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


async def _inbox_probe() -> tuple[Any, ...]:
    conversations = (
        await Conversation.all()
        .annotate(n=Count("id"), last=Max("updated_at"))
        .group_by("state")
        .order_by("state")
        .values_list("state", "n", "last")
    )
    newest = await Message.all().annotate(last=Max("id")).values_list("last", flat=True)
    return (tuple((str(s), n, str(t)) for s, n, t in conversations), tuple(newest))


@router.get("/inbox/events")
async def inbox_events(request: Request, signed: Handle):
    """text/event-stream: an `inbox` event whenever a conversation or message changed."""

    async def changed(_old, _new) -> list[str]:
        waiting = await Conversation.filter(state=ConversationState.WAITING).count()
        return [sse("inbox", json.dumps({"waiting": waiting}))]

    return event_stream(stream(request, _inbox_probe, changed))


# --- one conversation ---------------------------------------------------------------------


async def _conversation_page(
    request: Request,
    signed: Signed,
    conversation_id: int,
    *,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
):
    conversation, messages = await inbox.timeline(conversation_id)
    relays = getattr(request.app.state, "relays", None) or {}
    return page(
        request,
        signed,
        "console/conversation.html.j2",
        status_code=status_code,
        conversation=conversation,
        messages=messages,
        last_id=messages[-1].id if messages else 0,
        error=error,
        draft=draft,
        can_send=Channel(conversation.channel) in relays,
        mine=conversation.assigned_to_id == signed.user.id,
        **view_helpers(request),
    )


@router.get("/conversations/{conversation_id}")
async def conversation_page(conversation_id: int, request: Request, signed: Handle):
    return await _conversation_page(request, signed, conversation_id)


async def _act(
    request: Request,
    signed: Signed,
    conversation_id: int,
    action: Callable[[], Awaitable[Any]],
    ok: str,
    draft: str = "",
):
    """Run a service action; on success back to the page with `?ok=`, on a refusal the page
    again with the reason (and the HTTP status of the refusal)."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        await action()
    except NotFound:
        raise
    except QuitaError as error:
        message = str(error)[:1].upper() + str(error)[1:]
        if wants_json:
            return JSONResponse({"error": message}, status_code=error.http_status)
        return await _conversation_page(
            request,
            signed,
            conversation_id,
            error=message,
            draft=draft,
            status_code=error.http_status,
        )
    if wants_json:
        return JSONResponse({"ok": ok})
    return RedirectResponse(f"/console/conversations/{conversation_id}?ok={ok}", status_code=303)


async def _get(conversation_id: int) -> Conversation:
    conversation = await Conversation.get_or_none(id=conversation_id)
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    return conversation


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: int, request: Request, signed: Handle):
    await _get(conversation_id)
    return await _act(
        request,
        signed,
        conversation_id,
        lambda: service.claim(conversation_id, signed.user),
        "claimed",
    )


@router.post("/conversations/{conversation_id}/messages")
async def send_message(
    conversation_id: int,
    request: Request,
    channels: ChannelsDep,
    signed: Handle,
    text: str = Form(""),
):
    conversation = await _get(conversation_id)

    async def go():
        relay = channels.relay(conversation)
        creditor = request.app.state.settings
        await service.reply(conversation_id, signed.user, text, relay, creditor=creditor)

    return await _act(request, signed, conversation_id, go, "sent", draft=text)


@router.post("/conversations/{conversation_id}/hand-back")
async def hand_back(conversation_id: int, request: Request, signed: Handle, channels: ChannelsDep):
    await _get(conversation_id)
    return await _act(
        request,
        signed,
        conversation_id,
        lambda: channels.hand_back(conversation_id, signed.user),
        "handed_back",
    )


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: int, request: Request, signed: Handle):
    await _get(conversation_id)
    return await _act(
        request,
        signed,
        conversation_id,
        lambda: service.close(conversation_id, signed.user),
        "closed",
    )


@router.get("/conversations/{conversation_id}/events")
async def conversation_events(
    conversation_id: int, request: Request, signed: Handle, after: int = 0
):
    """text/event-stream: `message` events (the new timeline items as HTML, id = message id)
    and a `state` event when the conversation changed hands or state."""
    await _get(conversation_id)
    seen = request.headers.get("Last-Event-ID", "")
    cursor = {"after": int(seen) if seen.isdigit() else max(after, 0)}
    helpers = view_helpers(request)

    async def probe():
        newest = (
            await Message.filter(conversation_id=conversation_id)
            .annotate(last=Max("id"))
            .values_list("last", flat=True)
        )
        row = await Conversation.get(id=conversation_id).values("state", "assigned_to_id")
        return (newest[0] if newest else None, row["state"], row["assigned_to_id"])

    async def changed(old, new) -> list[str]:
        out = []
        fresh = (
            await Message.filter(conversation_id=conversation_id, id__gt=cursor["after"])
            .order_by("id")
            .select_related("author_user")
        )
        for message in fresh:
            html = render_html("console/conversation_message.html.j2", m=message, **helpers)
            out.append(sse("message", html, message.id))
            cursor["after"] = message.id
        if (old[1], old[2]) != (new[1], new[2]):
            state = ConversationState(new[1])
            out.append(sse("state", json.dumps({"state": state.value, "label": label(state)})))
        return out

    async def generator():
        base = await probe()
        # Whatever arrived between the page and the stream first.
        for chunk in await changed(base, base):
            yield chunk
        async for chunk in stream(request, probe, changed, start=base):
            yield chunk

    return event_stream(generator())
