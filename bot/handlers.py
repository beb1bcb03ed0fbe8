"""The Telegram side of the debtor's dialog: updates in, `negotiation.chat` replies out.

Thin on purpose: each handler turns an update into a chat `Event`, and
`negotiation.chat_turn.converse` does the rest — the conversation's timeline, silence while a
person has the conversation, the dialog step; this module only keeps the dialog state in
aiogram's storage and sends the replies as Telegram messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from models import Customer
from models.enums import Channel
from negotiation import chat, chat_turn, conversations
from negotiation.rendering import environment
from quita.settings import Settings

log = logging.getLogger("quita.bot")


class Act(CallbackData, prefix="q"):
    """A button of the dialog: the chat action, within Telegram's 64 bytes."""

    action: str


def _keyboard(reply: chat.Reply):
    if reply.buttons:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=b.label, callback_data=Act(action=b.action).pack())
                    for b in row
                ]
                for row in reply.buttons
            ]
        )
    if reply.ask_contact:
        label = str(environment().get_template("chat/labels.j2").module.share_phone())
        return ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    return ReplyKeyboardRemove() if reply.text else None


def _show(bot: Bot, chat_id: int) -> chat_turn.Show:
    """A reply as a Telegram message (a file as a photo or a document)."""

    async def show(reply: chat.Reply) -> chat_turn.Shown:
        markup = _keyboard(reply)
        if reply.file is not None:
            upload = BufferedInputFile(reply.file, filename=reply.filename or "arquivo")
            if reply.mime == "image/png":
                sent = await bot.send_photo(chat_id, upload, caption=reply.text or None)
            else:
                sent = await bot.send_document(chat_id, upload, caption=reply.text or None)
        else:
            sent = await bot.send_message(chat_id, reply.text, reply_markup=markup)
        return chat_turn.Shown(channel_message_id=f"out:{sent.message_id}")

    return show


@dataclass(frozen=True)
class _FsmSessions:
    """The dialog's step and data in aiogram's FSM storage."""

    state: FSMContext

    async def load(self) -> chat.Session:
        return chat.Session(await self.state.get_state() or chat.START, await self.state.get_data())

    async def save(self, session: chat.Session) -> None:
        await self.state.set_state(session.step)
        await self.state.set_data(session.data)


def _link(chat_id: int) -> chat_turn.Identified:
    """The chat now belongs to the identified customer (and to no one else)."""

    async def identified(customer_id: int) -> None:
        await (
            Customer.filter(telegram_chat_id=chat_id)
            .exclude(id=customer_id)
            .update(telegram_chat_id=None)
        )
        await Customer.filter(id=customer_id).update(telegram_chat_id=chat_id)

    return identified


async def converse(
    bot: Bot,
    chat_id: int,
    event: chat.Event,
    state: FSMContext,
    settings: Settings,
    *,
    shown: str | None,
    message_id: str | None,
    payload: dict | None = None,
) -> None:
    """One debtor action, start to finish (`shown` None: nothing the debtor sent, a resume)."""
    conversation = await conversations.open_for(Channel.TELEGRAM, str(chat_id))
    await chat_turn.converse(
        conversation,
        event,
        shown=shown,
        message_id=message_id,
        handle=f"telegram:{chat_id}",
        sessions=_FsmSessions(state),
        show=_show(bot, chat_id),
        settings=settings,
        identified=_link(chat_id),
        address=str(chat_id),
        payload=payload,
    )


async def resume(bot: Bot, dispatcher: Dispatcher, chat_id: int, settings: Settings) -> None:
    """After a hand-back: show the debtor the screen of the step they were on."""
    key = StorageKey(bot_id=bot.id, chat_id=chat_id, user_id=chat_id)
    state = FSMContext(storage=dispatcher.storage, key=key)
    await converse(bot, chat_id, chat.Event("resume"), state, settings, shown=None, message_id=None)


# --- handlers -----------------------------------------------------------------------------


async def on_start(
    message: Message, command: CommandObject, state: FSMContext, bot: Bot, settings: Settings
):
    value = f"start {command.args or ''}".strip()
    await converse(
        bot,
        message.chat.id,
        chat.Event("command", value),
        state,
        settings,
        shown="/start" + (" <link>" if command.args else ""),  # the token stays off the log
        message_id=str(message.message_id),
    )


async def on_command(
    message: Message, command: CommandObject, state: FSMContext, bot: Bot, settings: Settings
):
    await converse(
        bot,
        message.chat.id,
        chat.Event("command", command.command.lower()),
        state,
        settings,
        shown=message.text or "",
        message_id=str(message.message_id),
    )


async def on_contact(message: Message, state: FSMContext, bot: Bot, settings: Settings):
    contact = message.contact
    own = message.from_user is not None and contact.user_id == message.from_user.id
    await converse(
        bot,
        message.chat.id,
        chat.Event("contact", contact.phone_number, own_contact=own),
        state,
        settings,
        shown="[telefone compartilhado]",
        message_id=str(message.message_id),
    )


async def on_message(message: Message, state: FSMContext, bot: Bot, settings: Settings):
    text = message.text or ""
    await converse(
        bot,
        message.chat.id,
        chat.Event("text", text),
        state,
        settings,
        shown=text or "[mensagem sem texto]",
        message_id=str(message.message_id),
    )


async def on_file(message: Message, state: FSMContext, bot: Bot, settings: Settings):
    """A photo or a document: a receipt. The file stays at Telegram; the timeline keeps its
    id, so a person can fetch it."""
    if message.photo:
        kind, file = "foto", message.photo[-1]  # the largest size
        name = None
    else:
        kind, file = "documento", message.document
        name = file.file_name
    what = f"{kind} {name}" if name else kind
    payload = {"telegram_file_id": file.file_id, "kind": kind, "file_name": name}
    if message.caption:
        payload["caption"] = message.caption
    await converse(
        bot,
        message.chat.id,
        chat.Event("file", f"{what} pelo Telegram"),
        state,
        settings,
        shown=f"[comprovante: {what}]" + (f" {message.caption}" if message.caption else ""),
        message_id=str(message.message_id),
        payload=payload,
    )


async def on_button(
    query: CallbackQuery, callback_data: Act, state: FSMContext, bot: Bot, settings: Settings
):
    await query.answer()
    if query.message is None:
        return
    await converse(
        bot,
        query.message.chat.id,
        chat.Event("button", callback_data.action),
        state,
        settings,
        shown=f"[botão: {callback_data.action}]",
        message_id=f"cb:{query.id}",
    )


async def on_stale_button(query: CallbackQuery):
    await query.answer()


def make_router() -> Router:
    """A fresh router per Dispatcher (aiogram attaches a router to one parent only)."""
    router = Router(name="debtor")
    router.message.register(on_start, CommandStart())
    router.message.register(on_command, Command(*sorted(chat.COMMANDS - {"start"})))
    router.message.register(on_contact, F.contact)
    router.message.register(on_file, F.photo | F.document)
    router.message.register(on_message)
    router.callback_query.register(on_button, Act.filter())
    router.callback_query.register(on_stale_button)
    return router
