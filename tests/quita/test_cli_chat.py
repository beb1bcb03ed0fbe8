"""`quita chat`: typed lines become Telegram updates on the app's webhook, and the bot's answers,
which the sandbox keeps instead of sending, are read back from it and printed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from models import Agreement, SandboxMessage, clock
from negotiation.deep_links import make_link_token
from quita.app import create_app
from quita.cli_chat import ChatError, ChatSession
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.quita.demo_server import demo_server

CHAT = 900001
SECRET_KEY = "a-test-secret-of-at-least-32-bytes-long"


async def lines(*typed: str) -> AsyncIterator[str]:
    for line in typed:
        yield line


@pytest.fixture
def settings(db, telegram_api) -> Settings:
    # The fake Bot API's real token: in the sandbox nothing may reach it all the same.
    return Settings(
        database_url=db,
        secret_key=SECRET_KEY,
        jobs=False,
        telegram_token=telegram_api.token,
        telegram_api_server=telegram_api.url,
    ).sandboxed()


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        yield client
    await app.state.channels.aclose()


async def test_from_the_deep_link_to_an_agreement(settings, client, telegram_api) -> None:
    customer = await make_customer(name="JOANA PEREIRA")
    today = clock.today_in(settings.timezone)
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    token = make_link_token(customer.id, settings.secret_key)
    printed: list[str] = []
    chat = ChatSession(client, settings.telegram_webhook_secret, CHAT, out=printed.append)

    # The debt, its offers, the first offer (cash), confirm.
    await chat.run(lines(f"/start {token}", "#1", "#1", "#1"))

    text = "\n".join(printed)
    assert "Ver propostas de acordo" in text and "Confirmar acordo" in text
    assert "Acordo nº" in text and "Linha digitável do boleto" in text
    assert "[imagem: " in text and "/console/outbox/" in text
    assert await Agreement.filter(customer_id=customer.id).count() == 1
    assert await SandboxMessage.filter(channel="telegram", recipient=str(CHAT)).exists()
    assert telegram_api.calls == []

    # A new session starts after what was shown, with the last buttons ("Meus acordos").
    again: list[str] = []
    later = ChatSession(client, settings.telegram_webhook_secret, CHAT, out=again.append)
    await later.run(lines("#1"))
    assert len(again) == 1 and "Seus acordos" in again[0]


async def test_a_wrong_secret_is_said_in_one_line(settings, client) -> None:
    chat = ChatSession(client, "not-the-secret", CHAT, out=lambda _: None)
    with pytest.raises(ChatError, match="401"):
        await chat.run(lines("/start"))


async def test_buttons_that_do_not_exist_are_explained(settings, client) -> None:
    printed: list[str] = []
    chat = ChatSession(client, settings.telegram_webhook_secret, CHAT, out=printed.append)
    await chat.run(lines("#3", "/contato"))
    assert printed == [
        "(não há botão 3; a última mensagem tem 0 botões)",
        "(informe o telefone: /contato +5519988887777)",
    ]


def test_quita_chat_against_quita_serve_demo(demo_folder) -> None:
    with demo_server(demo_folder) as server:
        said = server.quita("chat", input="/start\n")
    assert "Um cliente da demo: " in said  # someone to be, and the way in
    assert "Olá! Aqui é o assistente de negociação" in said
    assert "[Compartilhar meu telefone]" in said
    assert said.rstrip().endswith("Até logo!")
