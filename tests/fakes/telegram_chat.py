"""Try the bot from a terminal: the fake Bot API server plus a chat prompt for one debtor.

    python -m tests.fakes.telegram_chat [--port 8081] [--token 123456:TEST-TOKEN]
        [--chat-id 900001] [--webhook http://127.0.0.1:8000/telegram/webhook --secret S]
        [--save-dir DIR]

Every line typed becomes a Telegram update from the debtor. It is POSTed to the webhook
(--webhook, or the URL `quita bot set-webhook` gave the fake) or queued for getUpdates
(`quita bot poll`). What the bot sends to this chat is printed as it arrives.

Special lines: `/contato +5519988887777` shares the debtor's own contact; `/botao N` or `#N`
presses the N-th inline button of the last message that had them; `/sair-do-chat` (or EOF)
quits.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.telegram_api import Call, FakeTelegramAPI

QUIT = "/sair-do-chat"
NO_WEBHOOK = "(sem webhook: entregando por getUpdates, para `quita bot poll`)"
SHOWN = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
HELP = (
    "Digite as mensagens do cliente e tecle Enter.\n"
    "  /contato <telefone>   compartilha o seu contato (ex.: /contato +5519988887777)\n"
    "  /botao N  ou  #N      toca o N-ésimo botão da última mensagem com botões\n"
    f"  {QUIT}         sai (Ctrl-D também)"
)


class ChatSession:
    """One private chat between a debtor and the bot, on a running FakeTelegramAPI."""

    def __init__(
        self,
        api: FakeTelegramAPI,
        chat_id: int,
        *,
        webhook: str | None = None,
        secret: str | None = None,
        out: Callable[[str], None] = print,
        save_dir: Path | None = None,
    ) -> None:
        self.api = api
        self.chat_id = chat_id
        self.webhook = webhook
        self.secret = secret
        self.out = out
        self.save_dir = save_dir
        self.user = {"id": chat_id, "is_bot": False, "first_name": "Cliente"}
        # The app records update_ids it handled (webhook mode), in a database that outlives
        # this process: start from the clock so a new session's ids are new.
        self._ids = itertools.count(int(time.time()))
        self._seen = 0  # how many of api.calls were looked at
        self._keyboard: dict[str, Any] | None = None  # last bot message with inline buttons
        self._buttons: list[dict[str, Any]] = []
        self._target = self._webhook()  # where updates go; the person hears when it changes

    def _webhook(self) -> str | None:
        return self.webhook or self.api.webhook.get("url") or None

    # --- from the debtor -----------------------------------------------------------------

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The update a typed line stands for; None (after telling why) when there is none."""
        command, _, rest = line.partition(" ")
        if command == "/contato":
            if not rest.strip():
                self.out("(informe o telefone: /contato +5519988887777)")
                return None
            contact = {
                "phone_number": rest.strip(),
                "first_name": "Cliente",
                "user_id": self.chat_id,  # the debtor's own contact
            }
            return {"message": self._message(contact=contact)}
        if command == "/botao":
            return self._press(rest.strip())
        if line[:1] == "#" and line[1:].isdigit():  # "#2"; any other "#..." is just text
            return self._press(line[1:])
        return {"message": self._message(text=line)}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Cliente"},
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
        """Deliver one typed line; False when the person asked to leave."""
        line = line.strip()
        if line == QUIT:
            return False
        update = self.update_for(line) if line else None
        if update is None:
            return True
        update = {"update_id": next(self._ids), **update}
        webhook = self._webhook()
        if webhook != self._target:
            self._target = webhook
            self.out(f"(agora entregando pelo webhook {webhook})" if webhook else NO_WEBHOOK)
        if not webhook:
            self.api.push_update(update)
            return True
        secret = self.secret or self.api.webhook.get("secret_token") or ""
        headers = {"X-Telegram-Bot-Api-Secret-Token": str(secret)}
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(webhook, json=update, headers=headers) as answer,
            ):
                if answer.status != 200:
                    self.out(f"(o webhook respondeu {answer.status}: {await answer.text()})")
        except aiohttp.ClientError as error:
            self.out(f"(não consegui entregar ao webhook {webhook}: {error})")
        return True

    # --- from the bot ----------------------------------------------------------------------

    def drain(self) -> None:
        """Print what the bot sent to this chat since the last look."""
        calls = self.api.calls
        while self._seen < len(calls):
            call = calls[self._seen]
            if call.method in SHOWN and call.ok and call.result is None:
                return  # the server thread is still answering it: look again later
            self._seen += 1
            if call.ok and call.method in SHOWN and self._for_me(call):
                self._show(call)

    def _for_me(self, call: Call) -> bool:
        return str(call.params.get("chat_id")) == str(self.chat_id)

    def _show(self, call: Call) -> None:
        params = call.params
        message = call.result if isinstance(call.result, dict) else {}
        markup = params.get("reply_markup")
        markup = markup if isinstance(markup, dict) else {}
        lines = []
        if call.method == "sendPhoto":
            lines.append(f"[imagem: {self._file(call, 'photo')}]")
        elif call.method == "sendDocument":
            upload = call.files.get("document")
            name = upload.filename if upload else params.get("document", "?")
            lines.append(f"[arquivo: {name}, {self._file(call, 'document')}]")
        elif call.method == "editMessageText":
            lines.append("(mensagem editada)")
        text = params.get("text") or params.get("caption")
        if text:
            lines.append(str(text))
        rows = markup.get("inline_keyboard")
        edits_keyboard = call.method.startswith("edit") and self._keyboard is not None
        if edits_keyboard:
            edits_keyboard = message.get("message_id") == self._keyboard.get("message_id")
        if rows or edits_keyboard:
            self._buttons = [b for row in rows or [] for b in row]
            self._keyboard = {**message, "reply_markup": {"inline_keyboard": rows or []}}
            if rows:
                lines.append(
                    "  ".join(f"[{n}] {b.get('text', '')}" for n, b in enumerate(self._buttons, 1))
                )
        for row in markup.get("keyboard") or []:
            for button in row:
                label = button.get("text", "") if isinstance(button, dict) else str(button)
                note = " (toque /contato <telefone> para compartilhar)"
                asks = isinstance(button, dict) and button.get("request_contact")
                lines.append(f"[{label}]" + (note if asks else ""))
        if lines:
            self.out("Quita: " + "\n".join(lines).replace("\n", "\n       "))

    def _file(self, call: Call, name: str) -> str:
        upload = call.files.get(name)
        if upload is None:
            return "já enviado antes"  # by file_id or URL: no bytes came with it
        size = f"{len(upload.content)} bytes"
        if self.save_dir is not None:
            self.save_dir.mkdir(parents=True, exist_ok=True)
            filename = Path(upload.filename or name).name
            path = self.save_dir / f"{call.result.get('message_id', 0)}-{filename}"
            path.write_bytes(upload.content)
            size += f", salvo em {path}"
        return size

    # --- the loop ----------------------------------------------------------------------------

    async def run(self, lines: AsyncIterator[str], every: float = 0.2) -> None:
        """Send each line while printing the bot's messages every `every` seconds."""

        async def watch() -> None:
            while True:
                self.drain()
                await asyncio.sleep(every)

        watcher = asyncio.create_task(watch())
        try:
            async for line in lines:
                if not await self.send(line):
                    break
        finally:
            watcher.cancel()
            await asyncio.sleep(every)  # a last chance for answers already on the way
            self.drain()


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Converse com o bot pelo terminal.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--chat-id", type=int, default=900001)
    parser.add_argument("--webhook", help="URL do webhook do app (senão: getUpdates)")
    parser.add_argument("--secret", help="segredo do webhook (QUITA_TELEGRAM_WEBHOOK_SECRET)")
    parser.add_argument("--save-dir", type=Path, help="pasta onde salvar imagens e arquivos")
    args = parser.parse_args(argv)

    api = FakeTelegramAPI(token=args.token, port=args.port)
    api.start()
    print("Servidor falso da API do Telegram no ar. Rode o app com:")
    print(f"  QUITA_TELEGRAM_TOKEN={args.token}")
    print(f"  QUITA_TELEGRAM_API_SERVER={api.url}")
    if args.webhook:
        print(f"Entregando as mensagens em {args.webhook}")
    else:
        print(NO_WEBHOOK[1:-1] + "; ou pelo webhook, depois de `quita bot set-webhook`.")
    print(HELP)
    session = ChatSession(
        api, args.chat_id, webhook=args.webhook, secret=args.secret, save_dir=args.save_dir
    )
    try:
        asyncio.run(session.run(stdin_lines()))
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    print("Até logo!")


if __name__ == "__main__":
    main()
