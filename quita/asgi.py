"""The ASGI callables' types, for the app's own middlewares (quita/limits.py,
quita/web_security.py). Spelled out here rather than taken from Starlette, which is FastAPI's
dependency, not ours."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
