"""The sandbox (QUITA_SANDBOX, on with `quita serve --demo`): what Quita would have sent to the
outside world is kept here instead, to be read in the console's outbox ("Caixa de saída") and
by `quita chat`. The channels' senders call `record`; nothing else changes for them, so every
path (deliveries, rule actions, reminders, bot and attendant replies) lands here unchanged.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from models import Call, SandboxAttachment, SandboxChannel, SandboxMessage
from negotiation.errors import NotFound

PAGE_SIZE = 100


@dataclass(frozen=True)
class File:
    filename: str
    mime: str
    content: bytes


async def record(
    channel: SandboxChannel,
    recipient: str,
    *,
    text: str = "",
    subject: str = "",
    sender: str = "",
    html: str | None = None,
    details: dict[str, Any] | None = None,
    files: Iterable[File] = (),
    external_id: str | None = None,
) -> SandboxMessage:
    """Keep one outgoing message with its files (in one transaction: all or nothing)."""
    async with in_transaction():
        message = await SandboxMessage.create(
            channel=channel,
            recipient=recipient,
            sender=sender,
            subject=subject,
            text=text,
            html=html,
            details=details or {},
            external_id=external_id or f"sandbox-{secrets.token_hex(8)}",
        )
        for file in files:
            await SandboxAttachment.create(
                message=message, filename=file.filename, mime=file.mime, content=file.content
            )
    return message


async def record_call(call: Call) -> str:
    """A robot call the dialer would have asked Twilio to place; returns a stand-in CallSid
    (the terminal phone can answer the call with it)."""
    sid = "CA" + secrets.token_hex(16)
    await record(
        SandboxChannel.CALL,
        call.to_number,
        sender=call.from_number,
        details={"call_id": call.id, "entry_id": call.entry_id, "customer_id": call.customer_id},
        external_id=sid,
    )
    return sid


@dataclass(frozen=True)
class OutboxItem:
    message: SandboxMessage
    attachments: list[dict[str, Any]]  # id, filename, mime (not the bytes)


async def outbox(*, limit: int = PAGE_SIZE, channel: str | None = None) -> list[OutboxItem]:
    """The newest messages first, with what their attachments are."""
    query = SandboxMessage.all()
    if channel:
        query = query.filter(channel=channel)
    messages = await query.order_by("-id").limit(limit)
    return await _with_attachments(messages)


async def telegram_chat(chat_id: str, *, after: int = 0) -> list[dict[str, Any]]:
    """What the bot sent to one chat after message `after`, oldest first, as plain data (for
    `quita chat`)."""
    messages = await SandboxMessage.filter(
        channel=SandboxChannel.TELEGRAM, recipient=chat_id, id__gt=after
    ).order_by("id")
    return [
        {
            "id": item.message.id,
            "text": item.message.text,
            **item.message.details,
            "attachments": item.attachments,
        }
        for item in await _with_attachments(messages)
    ]


async def _with_attachments(messages: list[SandboxMessage]) -> list[OutboxItem]:
    # The files' bytes stay in the database: the page links to them.
    rows = await SandboxAttachment.filter(message_id__in=[m.id for m in messages]).values(
        "id", "message_id", "filename", "mime"
    )
    by_message: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_message.setdefault(row["message_id"], []).append(row)
    return [OutboxItem(m, by_message.get(m.id, [])) for m in messages]


async def attachment(message_id: int, attachment_id: int) -> SandboxAttachment:
    found = await SandboxAttachment.get_or_none(id=attachment_id, message_id=message_id)
    if found is None:
        raise NotFound("anexo não encontrado na caixa de saída")
    return found
