"""The outside channels, built once from the settings: the Telegram bot, the SMS and e-mail
senders. Only configured channels exist; the rest of the app asks for them by name. In the
sandbox (QUITA_SANDBOX) all three exist and keep what they send in the console's outbox."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.enums import Channel, DeliveryChannel, MessageAuthor, MessageDirection
from negotiation import conversations
from negotiation.errors import Conflict, SendError
from negotiation.mail import SandboxMailSender, SmtpSender
from negotiation.outbound import Sender
from negotiation.rule_actions import Outlets
from quita.settings import Settings
from telephony.sms import SandboxSmsSender, TwilioSmsSender

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

# aiogram builds several hundred pydantic models when it is imported: about 3 s of CPU, more
# than half of the app's start. Nothing here imports it at module level; the Telegram stack is
# imported on first use, or in the background once the server answers (`warm_telegram`).


def _import_telegram_stack() -> None:
    import bot.client
    import bot.dispatcher
    import bot.outbox  # noqa: F401


@dataclass
class Channels:
    settings: Settings
    senders: dict[str, Sender] = field(default_factory=dict)
    _bot: Bot | None = None
    _dispatcher: Dispatcher | None = None

    @property
    def bot(self) -> Bot | None:
        """The one aiogram Bot (made on first use: it needs a running event loop)."""
        if self._bot is None and self.settings.telegram_token:
            from bot.client import make_bot

            self._bot = make_bot(self.settings)
        return self._bot

    @property
    def dispatcher(self) -> Dispatcher | None:
        """The bot's aiogram Dispatcher (routers and dialog state), made on first use."""
        if self._dispatcher is None and self.settings.telegram_token:
            from bot.dispatcher import make_dispatcher

            self._dispatcher = make_dispatcher(self.settings)
        return self._dispatcher

    async def warm_telegram(self) -> None:
        """Import the Telegram stack in a worker thread, so the first update after a start
        does not wait for it and the start itself does not either."""
        if self.settings.telegram_token:
            await asyncio.to_thread(_import_telegram_stack)

    async def aclose(self) -> None:
        if self._dispatcher is not None:
            with contextlib.suppress(Exception):
                await self._dispatcher.storage.close()
            self._dispatcher = None
        if self._bot is not None:
            from bot.client import close_bot

            with contextlib.suppress(Exception):
                await close_bot(self._bot)
            self._bot = None


class _LazyTelegramSender:
    """A TelegramSender on the app's Bot, made when the first message goes."""

    channel = "telegram"

    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    async def send(self, message) -> str:
        from bot.outbox import TelegramSender

        return await TelegramSender(self.channels.bot).send(message)


def build_channels(settings: Settings) -> Channels:
    channels = Channels(settings)
    if settings.sandbox:
        # The bot itself is the sandbox's (bot.client.make_bot): replies, attendants' messages
        # and reminders land in the outbox with the deliveries.
        channels.senders[DeliveryChannel.EMAIL] = SandboxMailSender(settings.email_sender)
        channels.senders[DeliveryChannel.SMS] = SandboxSmsSender(settings)
        channels.senders[DeliveryChannel.TELEGRAM] = _LazyTelegramSender(channels)
        return channels
    if settings.smtp_url:
        channels.senders[DeliveryChannel.EMAIL] = SmtpSender(
            settings.smtp_url, settings.email_sender
        )
    if (
        settings.twilio_account_sid
        and settings.twilio_auth_token
        and (settings.twilio_from_number or settings.twilio_messaging_service_sid)
    ):
        channels.senders[DeliveryChannel.SMS] = TwilioSmsSender(settings)
    if settings.telegram_token:
        channels.senders[DeliveryChannel.TELEGRAM] = _LazyTelegramSender(channels)
    return channels


def telegram_relay(channels: Channels):
    """How an attendant's reply reaches a Telegram debtor (negotiation.conversations.Relay)."""

    async def relay(conversation, text: str) -> str:
        from aiogram.exceptions import AiogramError

        from bot.outbox import send_error

        bot = channels.bot
        if bot is None:
            raise Conflict("o Telegram não está configurado (QUITA_TELEGRAM_TOKEN)")
        try:
            sent = await bot.send_message(int(conversation.external_ref), text)
        except AiogramError as error:
            raise send_error(error) from error
        return f"out:{sent.message_id}"

    return relay


def telegram_chat_send(channels: Channels):
    """How the jobs message a Telegram chat (negotiation.outreach.ChatSend); every message goes
    on the chat's conversation timeline."""

    async def send(chat_id: int, texts: list[str]) -> None:
        from aiogram.exceptions import AiogramError

        from bot.outbox import send_error

        bot = channels.bot
        if bot is None:
            raise SendError("o Telegram não está configurado (QUITA_TELEGRAM_TOKEN)")
        conversation = await conversations.open_for(Channel.TELEGRAM, str(chat_id))
        for text in texts:
            try:
                sent = await bot.send_message(chat_id, text)
            except AiogramError as error:
                raise send_error(error) from error
            await conversations.record(
                conversation,
                MessageDirection.OUT,
                MessageAuthor.BOT,
                text,
                channel_message_id=f"out:{sent.message_id}",
            )

    return send


def action_outlets(channels: Channels) -> Outlets:
    """How rule actions send: the e-mail and SMS senders, and Telegram through the bot (so
    each message lands on the chat's conversation timeline)."""
    senders = {
        name: sender
        for name, sender in channels.senders.items()
        if name in (DeliveryChannel.EMAIL, DeliveryChannel.SMS)
    }
    chat_send = telegram_chat_send(channels) if channels.settings.telegram_token else None
    return Outlets(senders, chat_send)


def telegram_resumer(channels: Channels, settings: Settings):
    """After a hand-back, the bot shows the debtor the screen of the step they were on."""

    async def resume(conversation) -> None:
        from bot.handlers import resume as resume_chat

        if channels.bot is not None:
            await resume_chat(
                channels.bot, channels.dispatcher, int(conversation.external_ref), settings
            )

    return resume


async def simulator_relay(conversation, text: str) -> str:
    """A reply to a conversation of the console's chat simulator: nothing leaves, the message
    on the timeline is what the simulator shows."""
    return f"sim:{secrets.token_hex(8)}"
