"""`quita chat`: talk to the bot from a terminal, as a Telegram debtor, against `quita serve
--demo` (or any app with QUITA_SANDBOX on).

Every typed line becomes a Telegram update POSTed to the app's /telegram/webhook with the
webhook secret (configured, or the sandbox's stand-in derived from the secret key, which this
command knows from the same folder's settings). The bot's answers never reach Telegram in the
sandbox: they are read back from the outbox (GET /telegram/sandbox/{chat_id}) and printed.

Special lines: `/contato +5519988887777` shares the debtor's own contact; `/botao N` or `#N`
presses the N-th inline button of the last message that had them; `/sair-do-chat` (or EOF)
quits.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import typer

from models import clock

QUIT = "/sair-do-chat"
HELP = (
    "Digite as mensagens do cliente e tecle Enter.\n"
    "  /contato <telefone>   compartilha o seu contato (ex.: /contato +5519988887777)\n"
    "  /botao N  ou  #N      toca o N-ésimo botão da última mensagem com botões\n"
    f"  {QUIT}         sai (Ctrl-D também)"
)


class ChatError(Exception):
    """The app refused or did not answer (wrong URL, secret, or no sandbox)."""


class ChatSession:
    """One private chat between a debtor and the bot of a running app in the sandbox."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        secret: str,
        chat_id: int,
        *,
        out: Callable[[str], None] = print,
    ) -> None:
        self.client = client
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.chat_id = chat_id
        self.out = out
        self.user = {"id": chat_id, "is_bot": False, "first_name": "Cliente"}
        self.chat = {"id": chat_id, "type": "private", "first_name": "Cliente"}
        # The app records the update_ids it handled, in a database that outlives this
        # process: start from the clock so a new session's ids are new.
        self._ids = itertools.count(int(clock.now().timestamp() * 1000))
        self._seen = 0  # the last outbox message shown
        self._looking = asyncio.Lock()  # the watcher and a send never show a message twice
        self._keyboard: dict[str, Any] | None = None  # last bot message with inline buttons
        self._buttons: list[dict[str, Any]] = []

    # --- from the debtor -----------------------------------------------------------------

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The update a typed line stands for; None (after telling why) when there is none."""
        command, _, rest = line.partition(" ")
        if command == "/contato":
            if not rest.strip():
                self.out("(informe o telefone: /contato +5519988887777)")
                return None
            contact = {"phone_number": rest.strip(), "first_name": "Cliente"}
            return {"message": self._message(contact={**contact, "user_id": self.chat_id})}
        if command == "/botao":
            return self._press(rest.strip())
        if line[:1] == "#" and line[1:].isdigit():  # "#2"; any other "#..." is just text
            return self._press(line[1:])
        return {"message": self._message(text=line)}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(clock.now().timestamp()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }

    def _press(self, number: str) -> dict[str, Any] | None:
        if not number.isdigit() or not 1 <= int(number) <= len(self._buttons):
            total = len(self._buttons)
            self.out(f"(não há botão {number or '?'}; a última mensagem tem {total} botões)")
            return None
        button = self._buttons[int(number) - 1]
        if "callback_data" not in button:
            self.out(f"(esse botão abre um link: {button.get('url', '?')})")
            return None
        query = {
            "id": str(next(self._ids)),
            "from": self.user,
            "chat_instance": str(self.chat_id),
            "message": self._keyboard,
            "data": button["callback_data"],
        }
        return {"callback_query": query}

    async def send(self, line: str) -> bool:
        """Deliver one typed line and show the answers; False when the person leaves."""
        line = line.strip()
        if line == QUIT:
            return False
        update = self.update_for(line) if line else None
        if update is None:
            return True
        update = {"update_id": next(self._ids), **update}
        answer = await self._request("POST", "/telegram/webhook", json=update)
        if answer.status_code != 200:
            raise ChatError(f"o webhook respondeu {answer.status_code}: {answer.text[:200]}")
        await self.drain()
        return True

    # --- from the bot ----------------------------------------------------------------------

    async def drain(self, *, show: bool = True) -> None:
        """Print what the bot sent to this chat since the last look (`show=False`: only take
        note of it, its buttons included)."""
        async with self._looking:
            answer = await self._request(
                "GET", f"/telegram/sandbox/{self.chat_id}", params={"after": self._seen}
            )
            if answer.status_code != 200:
                raise ChatError(
                    f"a caixa de saída respondeu {answer.status_code}: {answer.text[:200]}"
                    " (o Quita está em modo demo? quita serve --demo)"
                )
            for message in answer.json()["messages"]:
                self._seen = max(self._seen, message["id"])
                self._show(message, show=show)

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.client.request(method, url, headers=self.headers, **kwargs)
        except httpx.TransportError as error:
            raise ChatError(f"o Quita não respondeu em {self.client.base_url}: {error}") from None

    def _show(self, message: dict[str, Any], *, show: bool = True) -> None:
        method = message.get("method", "")
        markup = message.get("reply_markup") or {}
        lines = []
        if method == "editMessageText":
            lines.append("(mensagem editada)")
        for file in message.get("attachments", []):
            kind = "imagem" if file["mime"].startswith("image/") else "arquivo"
            base = str(self.client.base_url).rstrip("/")
            url = f"{base}/console/outbox/{message['id']}/attachments/{file['id']}"
            lines.append(f"[{kind}: {file['filename']}, no console em {url}]")
        if message.get("text"):
            lines.append(message["text"])
        rows = markup.get("inline_keyboard")
        edits_keyboard = method.startswith("edit") and self._keyboard is not None
        if edits_keyboard:
            edits_keyboard = message.get("message_id") == self._keyboard.get("message_id")
        if rows or edits_keyboard:
            self._buttons = [b for row in rows or [] for b in row]
            self._keyboard = {
                "message_id": message.get("message_id"),
                "date": int(clock.now().timestamp()),
                "chat": self.chat,
                "text": message.get("text") or "…",
                "reply_markup": {"inline_keyboard": rows or []},
            }
            if rows:
                lines.append(
                    "  ".join(f"[{n}] {b.get('text', '')}" for n, b in enumerate(self._buttons, 1))
                )
        for row in markup.get("keyboard") or []:
            for button in row:
                label = button.get("text", "") if isinstance(button, dict) else str(button)
                asks = isinstance(button, dict) and button.get("request_contact")
                note = " (toque /contato <telefone> para compartilhar)" if asks else ""
                lines.append(f"[{label}]{note}")
        if lines and show:
            self.out("Quita: " + "\n".join(lines).replace("\n", "\n       "))

    # --- the loop ----------------------------------------------------------------------------

    async def run(self, lines: AsyncIterator[str], every: float = 1.0) -> None:
        """Send each line; meanwhile, look for messages the bot starts every `every` s."""

        async def watch() -> None:
            while True:
                await asyncio.sleep(every)
                await self.drain()

        await self.drain(show=False)  # an earlier session's messages are not shown again
        watcher = asyncio.create_task(watch())
        try:
            async for line in lines:
                if watcher.done():
                    watcher.result()  # raises what stopped it
                if not await self.send(line):
                    break
        finally:
            watcher.cancel()


async def stdin_lines() -> AsyncIterator[str]:
    """stdin's lines, read by a daemon thread (so Ctrl-C never waits for an Enter)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, "")  # EOF

    threading.Thread(target=read, name="chat-stdin", daemon=True).start()
    while line := await queue.get():
        yield line


def chat(
    chat_id: Annotated[int, typer.Option(help="The debtor's Telegram chat id")] = 900001,
    app: Annotated[
        str | None, typer.Option(help="Where Quita answers (default: QUITA_PUBLIC_BASE_URL)")
    ] = None,
) -> None:
    """Talk to the bot from the terminal as a Telegram debtor (against `quita serve --demo`)."""
    from quita.cli_support import fail, load_settings, run_command

    # The configured secret, or the stand-in `quita serve --demo` derives.
    settings = load_settings(with_secret=True).sandboxed()
    base = (app or settings.public_base_url).rstrip("/")

    async def go() -> None:
        await _hint(settings)
        typer.echo(HELP)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            session = ChatSession(
                client, settings.telegram_webhook_secret or "", chat_id, out=typer.echo
            )
            try:
                await session.run(stdin_lines())
            except ChatError as error:
                fail(str(error))
        typer.echo("Até logo!")

    run_command(go())


async def _hint(settings) -> None:
    """Name a demo debtor to be (and a deep link that skips the questions), when the
    database is at hand."""
    from negotiation.deep_links import make_link_token
    from quita.cli_phone import demo_debtor
    from quita.db import database

    try:
        async with database(settings.database_url, apply_migrations=False):
            debtor = await demo_debtor(settings.timezone)
    except Exception:  # another machine's app: no hint, the chat still works
        return
    if debtor is not None:
        token = make_link_token(int(debtor["id"]), settings.secret_key)
        typer.echo(
            f"Um cliente da demo: {debtor['name']}, CPF/CNPJ {debtor['document']}, nascimento "
            f"{debtor['birth']}. Comece com /start, ou entre direto com /start {token}"
        )
