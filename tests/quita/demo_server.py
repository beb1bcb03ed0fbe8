"""`quita serve --demo` as a newcomer runs it: a subprocess in a fresh folder (SQLite file,
secret key file), on a free port, for the tests of the terminal commands that talk to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class DemoServer:
    folder: Path
    url: str
    env: dict[str, str]

    def quita(self, *args: str, input: str = "", timeout: float = 60) -> str:
        """Run `quita ARGS` in the server's folder with `input` on stdin; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "quita.cli", *args],
            cwd=self.folder,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(folder: Path) -> Iterator[DemoServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUITA_")}
    # Only what a newcomer might set: the port, so the links and signatures name it.
    env["QUITA_PUBLIC_BASE_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, "-m", "quita.cli", "serve", "--demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "quita serve --demo did not come up"
                time.sleep(0.3)
        yield DemoServer(folder, url, env)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
