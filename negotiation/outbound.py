"""What Quita hands to a channel's sender: the message, its attachments, the sender's shape.

Its own module so the composers (negotiation/delivery_messages.py) and the queue that sends
(negotiation/delivery.py) both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from models.enums import DeliveryChannel


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str


@dataclass(frozen=True)
class OutgoingMessage:
    channel: DeliveryChannel
    recipient: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # Texts sent as messages of their own after the first (Telegram: the PIX copy-and-paste,
    # alone so a long press copies exactly it).
    followups: tuple[str, ...] = field(default_factory=tuple)


class Sender(Protocol):
    channel: str

    async def send(self, message: OutgoingMessage) -> str:
        """Send it; return the provider's id. Raise SendError when it did not go."""
        ...


Senders = Mapping[str, Sender]
