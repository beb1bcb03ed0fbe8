"""`quita serve --demo` as a newcomer runs it: a subprocess in a fresh folder (SQLite file,
secret key file), on a free port, for the tests of the terminal commands that talk to it.

Loading the demo base into a fresh database is most of that start (seconds on an idle
machine, tens on a busy one), and every such test would load the very same base: the session
loads it once (`demo_base`) and each test starts its server on a copy (`demo_folder`), as a
restarted `quita serve --demo` finds it. The start in a really empty folder, and that a
restart loads nothing more, are tests/quita/test_serve.py's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


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


def _newcomer_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QUITA_")}


@pytest.fixture(scope="session")
def demo_base(sqlite_template: Path, tmp_path_factory) -> Path:
    """A folder where `quita demo` has loaded the demo base: what the first
    `quita serve --demo` leaves behind (quita.db, .quita-secret)."""
    folder = tmp_path_factory.mktemp("demo_base")
    # Migrated as `quita demo` itself would, without the seconds it takes.
    shutil.copyfile(sqlite_template, folder / "quita.db")
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", "demo"],
        cwd=folder,
        env=_newcomer_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture
def demo_folder(demo_base: Path, tmp_path: Path) -> Path:
    """The test's own folder holding a copy of the demo base, for `demo_server`."""
    shutil.copytree(demo_base, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(folder: Path) -> Iterator[DemoServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _newcomer_env()
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
