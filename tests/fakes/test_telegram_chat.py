"""The terminal chat (tests.fakes.telegram_chat) against the real fake Bot API server: typed
lines become updates (getUpdates or webhook), and what aiogram's real Bot sends is printed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiohttp import web

from bot.client import close_bot, make_bot
from quita.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.telegram_chat import ChatSession

CHAT_ID = 900001


@pytest.fixture
async def bot(telegram_api: FakeTelegramAPI):
    settings = Settings(
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
        secret_key="x" * 40,
        database_url="sqlite://:memory:",
        telegram_chat_interval=0,
    )
    bot = make_bot(settings)
    yield bot
    await close_bot(bot)


@pytest.fixture
def printed() -> list[str]:
    return []


@pytest.fixture
def chat(telegram_api: FakeTelegramAPI, printed: list[str]) -> ChatSession:
    return ChatSession(telegram_api, CHAT_ID, out=printed.append)


async def get_updates(api: FakeTelegramAPI) -> list[dict]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.url}/bot{api.token}/getUpdates", json={}) as answer,
    ):
        return (await answer.json())["result"]


class Receiver:
    """A small webhook endpoint: keeps each update and the secret header it came with."""

    def __init__(self) -> None:
        self.got: list[tuple[str | None, dict]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.json_response({"ok": True})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/telegram/webhook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.url = f"http://127.0.0.1:{port}/telegram/webhook"
    yield receiver
    await runner.cleanup()


async def test_fake_server_takes_the_port_and_token_it_is_given() -> None:
    probe = FakeTelegramAPI()
    probe.start()
    port = int(probe.url.rsplit(":", 1)[1])
    probe.stop()  # a port that was just free
    api = FakeTelegramAPI(token="123456:TEST-TOKEN", port=port)
    api.start()
    try:
        assert api.url == f"http://127.0.0.1:{port}"
        assert await get_updates(api) == []
    finally:
        api.stop()


async def test_a_typed_line_is_queued_for_get_updates(chat, telegram_api) -> None:
    assert await chat.send("Olá, quero negociar")
    [update] = await get_updates(telegram_api)
    message = update["message"]
    assert message["text"] == "Olá, quero negociar"
    assert message["chat"]["id"] == CHAT_ID and message["chat"]["type"] == "private"
    assert message["from"] == {"id": CHAT_ID, "is_bot": False, "first_name": "Cliente"}
    assert isinstance(update["update_id"], int)


async def test_contato_shares_the_debtors_own_contact(chat, telegram_api, printed) -> None:
    await chat.send("/contato +5519988887777")
    [update] = await get_updates(telegram_api)
    contact = update["message"]["contact"]
    assert contact == {
        "phone_number": "+5519988887777",
        "first_name": "Cliente",
        "user_id": CHAT_ID,
    }
    assert "text" not in update["message"]

    await chat.send("/contato")  # no phone: nothing is sent, the person is told how
    assert len(await get_updates(telegram_api)) == 1
    assert "/contato +5519988887777" in printed[-1]


async def test_blank_lines_send_nothing_and_sair_do_chat_quits(chat, telegram_api) -> None:
    assert await chat.send("   ")
    assert await chat.send("/sair-do-chat") is False
    assert await get_updates(telegram_api) == []


async def test_buttons_are_listed_and_hash_n_presses_one(chat, telegram_api, bot, printed) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="À vista", callback_data="q:avista")],
            [
                InlineKeyboardButton(text="Parcelar", callback_data="q:parcelar"),
                InlineKeyboardButton(text="Falar com alguém", callback_data="q:humano"),
            ],
        ]
    )
    sent = await bot.send_message(CHAT_ID, "Como prefere pagar?", reply_markup=keyboard)
    await bot.send_message(CHAT_ID + 1, "outro cliente")  # not this chat: not shown
    chat.drain()
    assert printed == [
        "Quita: Como prefere pagar?\n       [1] À vista  [2] Parcelar  [3] Falar com alguém"
    ]

    await bot.send_message(CHAT_ID, "Sem botões aqui")  # the keyboard stays the last one
    await chat.send("#2")
    await chat.send("/botao 3")
    first, second = await get_updates(telegram_api)
    query = first["callback_query"]
    assert query["data"] == "q:parcelar"
    assert query["from"]["id"] == CHAT_ID
    assert query["message"]["message_id"] == sent.message_id
    assert query["message"]["chat"]["id"] == CHAT_ID
    assert second["callback_query"]["data"] == "q:humano"

    await chat.send("#7")
    assert "não há botão 7" in printed[-1]
    assert len(await get_updates(telegram_api)) == 2

    await chat.send("#pagamento feito")  # not a button: plain text
    assert (await get_updates(telegram_api))[-1]["message"]["text"] == "#pagamento feito"


async def test_an_edit_that_drops_the_buttons_leaves_none_to_press(
    chat, telegram_api, bot, printed
) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Sim", callback_data="q:sim")]]
    )
    sent = await bot.send_message(CHAT_ID, "Confirma?", reply_markup=keyboard)
    await bot.edit_message_text(
        "Confirmado.\nObrigado!", chat_id=CHAT_ID, message_id=sent.message_id
    )
    chat.drain()
    assert printed[-1] == "Quita: (mensagem editada)\n       Confirmado.\n       Obrigado!"
    await chat.send("#1")
    assert "não há botão 1" in printed[-1]
    assert await get_updates(telegram_api) == []


async def test_contact_keyboard_photo_and_document_are_shown(chat, bot, printed, tmp_path) -> None:
    chat.save_dir = tmp_path / "recebidos"
    ask = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Compartilhar meu telefone", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await bot.send_message(CHAT_ID, "Confirme seu telefone", reply_markup=ask)
    await bot.send_photo(CHAT_ID, BufferedInputFile(b"P" * 1234, "pix.png"), caption="QR Pix")
    await bot.send_document(CHAT_ID, BufferedInputFile(b"%PDF-1.4 boleto", "boleto.pdf"))
    chat.drain()
    assert printed[0] == (
        "Quita: Confirme seu telefone\n"
        "       [Compartilhar meu telefone] (toque /contato <telefone> para compartilhar)"
    )
    assert printed[1].startswith("Quita: [imagem: 1234 bytes, salvo em ")
    assert printed[1].endswith("\n       QR Pix")
    assert printed[2].startswith("Quita: [arquivo: boleto.pdf, 15 bytes, salvo em ")
    saved = {p.name.split("-", 1)[1]: p.read_bytes() for p in chat.save_dir.iterdir()}
    assert saved == {"pix.png": b"P" * 1234, "boleto.pdf": b"%PDF-1.4 boleto"}
    chat.drain()  # nothing new: nothing printed twice
    assert len(printed) == 3


async def test_webhook_mode_posts_with_the_secret(telegram_api, receiver, printed) -> None:
    chat = ChatSession(
        telegram_api, CHAT_ID, webhook=receiver.url, secret="S3GR3D0", out=printed.append
    )
    await chat.send("oi")
    await chat.send("/contato +5519988887777")
    assert [secret for secret, _ in receiver.got] == ["S3GR3D0", "S3GR3D0"]
    (_, first), (_, second) = receiver.got
    assert first["message"]["text"] == "oi"
    assert second["message"]["contact"]["user_id"] == CHAT_ID
    assert first["update_id"] < second["update_id"]
    assert await get_updates(telegram_api) == []  # nothing left for getUpdates
    assert printed == []


async def test_the_webhook_set_on_the_fake_is_used(
    telegram_api, bot, receiver, chat, printed
) -> None:
    await bot.set_webhook(receiver.url, secret_token="do-set-webhook")
    await chat.send("bom dia")
    [(secret, update)] = receiver.got
    assert secret == "do-set-webhook"
    assert update["message"]["text"] == "bom dia"
    assert printed == [f"(agora entregando pelo webhook {receiver.url})"]

    await bot.delete_webhook()  # back to getUpdates, and the person is told
    await chat.send("boa tarde")
    assert printed[-1].startswith("(sem webhook: entregando por getUpdates")
    [update] = await get_updates(telegram_api)
    assert update["message"]["text"] == "boa tarde"


async def test_an_unreachable_webhook_is_reported(telegram_api, printed) -> None:
    chat = ChatSession(
        telegram_api, CHAT_ID, webhook="http://127.0.0.1:9/x", secret="s", out=printed.append
    )
    assert await chat.send("oi")
    assert printed[-1].startswith("(não consegui entregar ao webhook")


async def test_run_prints_answers_as_they_arrive_and_stops_at_sair(
    chat, telegram_api, bot, printed
) -> None:
    async def lines() -> AsyncIterator[str]:
        yield "oi\n"
        # What the app would do on getUpdates: answer the debtor.
        [update] = await get_updates(telegram_api)
        await bot.send_message(CHAT_ID, f"Você disse: {update['message']['text']}")
        await asyncio.sleep(0.1)  # the watcher prints it meanwhile
        yield "/sair-do-chat\n"
        yield "never sent\n"

    await chat.run(lines(), every=0.02)
    assert printed == ["Quita: Você disse: oi"]
    assert len(await get_updates(telegram_api)) == 1  # "never sent" was not


async def test_run_ends_at_eof(chat, telegram_api) -> None:
    async def lines() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    await chat.run(lines(), every=0.01)
    assert [u["message"]["text"] for u in await get_updates(telegram_api)] == ["a", "b"]
