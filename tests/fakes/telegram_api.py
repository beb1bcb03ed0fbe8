"""A fake Telegram Bot API: a real HTTP server (aiohttp, 127.0.0.1, a free port) on its own
event loop in a background thread, so aiogram's real client talks to it over HTTP from async
tests (any loop scope) and from code a sync test drives (e.g. Starlette's TestClient).

Routes `/bot{token}/{method}` with JSON, urlencoded or multipart bodies. Answers shaped like
Telegram's; a wrong token gets 401. Every call is kept in `calls`: method, params as sent
(form values are strings; JSON fields such as reply_markup are decoded) and uploaded files.
`rate_limit_next`, `block_next` and `fail_next` make the next calls fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

TOKEN = "123456789:AAFakeTokenForQuitaTests_0123456789"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Quita",
    "username": "QuitaBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_POLL = 1.0  # getUpdates waits at most this long, whatever `timeout` asks


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)  # by parameter (document, photo)
    status: int = 200
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class FakeTelegramAPI:
    def __init__(self, token: str = TOKEN, port: int = 0) -> None:
        self.token = token
        self.port = port  # 0: a free port
        self.url = ""  # set by start(): the base for QUITA_TELEGRAM_API_SERVER
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self._failures: list[tuple[int, str, dict[str, Any] | None]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._lock = threading.Lock()  # the tests' thread and the server's share the queues
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # --- what the tests use -------------------------------------------------------------

    def sent_to(self, chat_id: int | str) -> list[Call]:
        """The messages (text, photo, document) that went to `chat_id`, in order."""
        return [
            c
            for c in self.calls
            if c.ok
            and c.method in {"sendMessage", "sendPhoto", "sendDocument"}
            and str(c.params.get("chat_id")) == str(chat_id)
        ]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; `update_id` is given when missing."""
        update = {"update_id": next(self._update_ids), **update}
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update

    def fail_next(
        self,
        status: int,
        description: str,
        *,
        times: int = 1,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            self._failures.extend([(status, description, parameters)] * times)

    def rate_limit_next(self, times: int = 1, *, retry_after: int = 1) -> None:
        self.fail_next(
            429,
            f"Too Many Requests: retry after {retry_after}",
            times=times,
            parameters={"retry_after": retry_after},
        )

    def block_next(self, times: int = 1) -> None:
        self.fail_next(403, "Forbidden: bot was blocked by the user", times=times)

    # --- server ----------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="fake-telegram-api", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram API did not start")

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def _serve(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2)

        async def open_site() -> None:
            self._new_update = asyncio.Event()
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"

        try:
            loop.run_until_complete(open_site())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _handle(self, request: web.Request) -> web.Response:
        params, files = await _read_body(request)
        call = Call(request.match_info["method"], params, files)
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._error(call, *failure)
        handler = getattr(self, f"_m_{call.method.lower()}", None)
        if handler is None:
            return self._error(call, 404, "Not Found")
        call.result = await handler(params, files)
        return web.json_response({"ok": True, "result": call.result})

    def _error(
        self, call: Call, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    # --- methods ---------------------------------------------------------------------------

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        chat: dict[str, Any] = {"id": _int_or_str(chat_id), "type": "private"}
        if isinstance(chat["id"], str):
            chat.update(type="channel", username=str(chat_id).lstrip("@"), id=-1001)
        return {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }

    def _file(self) -> dict[str, str]:
        n = next(self._file_ids)
        return {"file_id": f"FILE{n:06d}", "file_unique_id": f"U{n:06d}"}

    async def _m_getme(self, params, files):
        return BOT_USER

    async def _m_sendmessage(self, params, files):
        return self._message(params, text=params.get("text", ""))

    async def _m_sendphoto(self, params, files):
        upload = files.get("photo")
        size = len(upload.content) if upload else 0
        photo = [{**self._file(), "width": 320, "height": 320, "file_size": size}]
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._message(params, photo=photo, **extra)

    async def _m_senddocument(self, params, files):
        upload = files.get("document")
        document = {**self._file()}
        if upload:
            document.update(
                file_name=upload.filename,
                mime_type=upload.content_type,
                file_size=len(upload.content),
            )
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._message(params, document=document, **extra)

    async def _m_editmessagetext(self, params, files):
        if params.get("inline_message_id"):
            return True
        message = self._message(params, text=params.get("text", ""))
        message["message_id"] = int(params.get("message_id", 0))
        message["edit_date"] = int(time.time())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_editmessagereplymarkup(self, params, files):
        if params.get("inline_message_id"):
            return True
        message = self._message(params, text="")
        message["message_id"] = int(params.get("message_id", 0))
        message["edit_date"] = int(time.time())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_answercallbackquery(self, params, files):
        return True

    async def _m_sendchataction(self, params, files):
        return True

    async def _m_setwebhook(self, params, files):
        self.webhook = {"url": params.get("url", ""), **params}
        return True

    async def _m_deletewebhook(self, params, files):
        self.webhook = {}
        if params.get("drop_pending_updates") in (True, "true", "True"):
            with self._lock:
                self._updates.clear()
        return True

    async def _m_getwebhookinfo(self, params, files):
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _m_getupdates(self, params, files):
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), MAX_POLL)
        assert self._new_update is not None
        self._new_update.clear()
        with self._lock:
            if offset:  # like Telegram: asking from `offset` confirms everything before it
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            waiting = not self._updates
        if waiting and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        with self._lock:
            return self._updates[:limit]


def _int_or_str(value: Any) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _decode(value: str) -> Any:
    """Form fields carry JSON for objects and lists (reply_markup, allowed_updates)."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def _read_body(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        return dict(body or {}), {}
    params: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                uploads[name] = Upload(value.filename, content, value.content_type)
            else:
                params[name] = _decode(str(value))
    else:
        params.update({k: _decode(v) for k, v in request.query.items()})
    # aiogram sends `document=attach://<key>` plus a file part named <key>.
    files: dict[str, Upload] = {}
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key in uploads:
                files[name] = uploads.pop(key)
    files.update(uploads)
    return params, files


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    api = FakeTelegramAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()
