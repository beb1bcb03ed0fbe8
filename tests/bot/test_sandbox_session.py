"""The sandbox's aiogram session: what the bot sends is kept in the outbox (text, buttons,
photos and documents with their bytes) and answered like Telegram would, so the code that uses
the Bot cannot tell; nothing reaches the Bot API server."""

from __future__ import annotations

import pytest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.client import close_bot, make_bot
from models import SandboxMessage
from quita.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n% boleto\n%%EOF\n"
CHAT = 777001


@pytest.fixture
async def bot(db, telegram_api):
    settings = Settings(
        database_url=db,
        secret_key="x" * 40,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
    ).sandboxed()
    bot = make_bot(settings)
    yield bot
    await close_bot(bot)


async def test_what_the_bot_sends_is_kept_and_answered(bot, telegram_api) -> None:
    buttons = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ver propostas", callback_data="offers")]]
    )
    sent = await bot.send_message(CHAT, "Olá", reply_markup=buttons)
    photo = await bot.send_photo(CHAT, BufferedInputFile(PNG, filename="pix.png"))
    document = await bot.send_document(CHAT, BufferedInputFile(PDF, filename="boleto.pdf"))
    edited = await bot.edit_message_text("Escolha", chat_id=CHAT, message_id=sent.message_id)
    assert await bot.answer_callback_query("q1") is True
    assert (await bot.get_me()).is_bot

    assert sent.chat.id == CHAT and sent.text == "Olá"
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "offers"
    assert photo.photo and document.document.file_name == "boleto.pdf"
    assert edited.message_id == sent.message_id and edited.text == "Escolha"
    assert len({sent.message_id, photo.message_id, document.message_id}) == 3

    kept = (
        await SandboxMessage.filter(channel="telegram")
        .order_by("id")
        .prefetch_related("attachments")
    )
    assert [m.details["method"] for m in kept] == [
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
    ]
    assert all(m.recipient == str(CHAT) for m in kept)
    assert kept[0].id == sent.message_id and kept[0].details["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ver propostas", "callback_data": "offers"}]]
    }
    assert [(a.filename, a.mime, a.content) for a in kept[1].attachments] == [
        ("pix.png", "image/png", PNG)
    ]
    assert [(a.filename, a.mime, a.content) for a in kept[2].attachments] == [
        ("boleto.pdf", "application/pdf", PDF)
    ]
    assert kept[3].details["message_id"] == sent.message_id
    assert telegram_api.calls == []
