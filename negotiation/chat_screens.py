"""What the chat dialog shows and receives, for every chat channel: a `Reply` (text, buttons,
a file), the debtor's `Event`, the `Session` a channel stores, the `Env` of one turn, and the
screens' helpers (templates/chat/, the labels of chat/labels.j2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from models import Conversation
from models.enums import Channel
from negotiation.config import ChatConfig
from negotiation.errors import QuitaError
from negotiation.rendering import environment, render

START = "start"  # the dialog's first step (a new session's)


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # short: a channel must fit it in 64 bytes with its own prefix


@dataclass(frozen=True)
class Reply:
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    ask_contact: bool = False  # offer the channel's "share my phone" control
    file: bytes | None = None
    filename: str | None = None
    mime: str | None = None  # image/png is shown as a picture, anything else as a file
    # Already on the conversation's timeline (the escalation notice): do not record again.
    recorded: bool = False
    # The dialog did not understand: while a person is awaited, the turn answers that the
    # message was kept for them instead (negotiation.chat_turn).
    not_understood: bool = False


@dataclass(frozen=True)
class Event:
    # "resume": an attendant handed the conversation back; show where the debtor was.
    # "file": a photo or a document (a receipt); its value says what came.
    kind: Literal["command", "text", "button", "contact", "resume", "file"]
    value: str = ""
    # For a shared contact: whether it is the sender's own (Telegram tells).
    own_contact: bool = True


@dataclass
class Session:
    step: str = START
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def customer_id(self) -> int | None:
        return self.data.get("customer_id")


@dataclass(frozen=True)
class Env:
    settings: ChatConfig
    channel: Channel
    handle: str  # "telegram:<chat id>": identification lockouts count per handle
    conversation: Conversation
    now: datetime
    today: date
    # The debtor's address on the channel (the Telegram chat id), for what must reach them
    # before they are identified (a "SAIR"); None where the channel has none (the simulator).
    address: str | None = None


def labels():
    return environment().get_template("chat/labels.j2").module


def text(name: str, env: Env, **context: Any) -> str:
    return render(f"chat/{name}.txt.j2", isp=env.settings.isp, **context).strip()


def human_row() -> tuple[Button, ...]:
    return (Button(str(labels().human()), "human"),)


def screen(text: str, *rows: tuple[Button, ...]) -> Reply:
    """A screen: its own buttons, then always the way to a person."""
    return Reply(text, (*rows, human_row()))


def sentence(text: str) -> str:
    """First letter up, the rest as written (str.capitalize would lower "CPF")."""
    return text[:1].upper() + text[1:]


def validate_actions(replies: list[Reply], limit: int = 56) -> None:
    """Every button action fits the channel's limit (Telegram: 64 bytes with the prefix)."""
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if len(button.action.encode()) > limit:
                    raise QuitaError(f"button action too long: {button.action!r}")
