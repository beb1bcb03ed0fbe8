"""A fake service's Starlette app served by uvicorn in a daemon thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from typing import Protocol

import uvicorn
from starlette.applications import Starlette


class Served(Protocol):
    host: str
    port: int

    def app(self) -> Starlette: ...


class ThreadedServer:
    def __init__(self, fake: Served, name: str) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((fake.host, 0))
        fake.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            fake.app(), log_level="warning", lifespan="off", loop="asyncio", http="h11"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
