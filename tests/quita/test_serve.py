"""`quita serve` on a fresh SQLite file migrates by itself and answers /healthz."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_a_fresh_sqlite_file_answers_healthz(tmp_path):
    port = _free_port()
    env = {**os.environ, "QUITA_DATABASE_URL": f"sqlite://{tmp_path / 'fresh.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "quita.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not come up in 30 s"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["info"]["title"] == "Quita"
        assert (tmp_path / "fresh.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bad_setting_exits_2_with_one_line(tmp_path):
    env = {**os.environ, "QUITA_TIMEZONE": "Mars/Olympus"}
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: QUITA_TIMEZONE: unknown time zone 'Mars/Olympus'"
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo", "error: QUITA_DATABASE_URL: 'foo' is not a Tortoise URL"),
        (
            "postgres://postgres@127.0.0.1:5432/quita_no_such_db",
            "error: database: Can't establish connection to database quita_no_such_db",
        ),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "serve", "demo"])
def test_unusable_database_exits_2_with_one_line(tmp_path, command, url, message):
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", command],
        cwd=tmp_path,
        env={**os.environ, "QUITA_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
