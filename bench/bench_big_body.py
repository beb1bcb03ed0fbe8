"""A large unsigned POST to Twilio's answer URL against a tiny one, on a real uvicorn server.

The app runs as its own uvicorn process (SQLite in a temporary folder, no jobs). The client
sends, in this order: a tiny unsigned POST /twilio/voice (the baseline), the same with a
`--megabytes` body streamed in chunks (no Content-Length, so nothing refuses it before it is
read), and the headers of the same body with its Content-Length declared. For each: the status,
the seconds to the answer, the megabytes the client sent, and the server's resident memory
(VmRSS) after it. The client sends all of a chunked body before it reads the answer: those
seconds are mostly loopback transfer, which the server discards. While the chunked one is in
flight, GET /healthz is timed too. One JSON line comes out.

    .venv/bin/python bench/bench_big_body.py [--megabytes 200]

Issue 16 measured, before the limits: 381 MB -> 1,192 MB and 7.2 s to the 403 of a 200 MB body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 64 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Streamed:
    """`megabytes` of form body in chunks, counting what went out."""

    def __init__(self, megabytes: int) -> None:
        self.size = megabytes * 1024 * 1024
        self.sent = 0

    async def __aiter__(self):
        chunk = b"a" * CHUNK
        while self.sent < self.size:
            self.sent += CHUNK
            yield chunk


async def _post(client: httpx.AsyncClient, url: str, pid: int, **kwargs) -> dict:
    body = kwargs.get("content")
    started = time.perf_counter()
    try:
        answer = await client.post(url, **kwargs)
        status: int | str = answer.status_code
    except httpx.HTTPError as error:  # the server closed the connection mid-body
        status = type(error).__name__
    seconds = time.perf_counter() - started
    sent = body.sent if isinstance(body, Streamed) else len(body or b"")
    return {
        "status": status,
        "seconds": round(seconds, 4),
        "sent_mb": round(sent / 1024 / 1024, 2),
        "rss_mb_after": _rss_mb(pid),
    }


async def _declared(port: int, megabytes: int, pid: int) -> dict:
    """Headers only, with the body's length declared: the answer comes before any body (the
    server then closes the connection, so httpx, still sending, could not read it)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /twilio/voice HTTP/1.1\r\nHost: bench\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {megabytes * 1024 * 1024}\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    seconds = time.perf_counter() - started
    writer.close()
    return {
        "status": int(status_line.split()[1]),
        "seconds": round(seconds, 4),
        "sent_mb": 0.0,
        "rss_mb_after": _rss_mb(pid),
    }


async def _healthz_during(client: httpx.AsyncClient, base: str, busy: asyncio.Task) -> float:
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await client.get(f"{base}/healthz")
    took = time.perf_counter() - started
    await busy
    return round(took, 4)


async def run(megabytes: int) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "QUITA_DATABASE_URL": f"sqlite://{folder}/bench.db",
            "QUITA_TWILIO_AUTH_TOKEN": "bench-auth-token-0123456789abcdef",
            "QUITA_PUBLIC_BASE_URL": base,
            "QUITA_JOBS": "false",
            "QUITA_SECRET_KEY": "bench-secret-key-of-at-least-32-bytes",
        }
        command = [sys.executable, "-m", "uvicorn", "quita.app:create_app", "--factory"]
        command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        server = subprocess.Popen(command, env=env, cwd=ROOT)
        try:
            async with httpx.AsyncClient(timeout=120) as client:
                for _ in range(1200):  # migrating a fresh database takes a while
                    if server.poll() is not None:
                        raise SystemExit(f"server exited with {server.returncode}")
                    try:
                        await client.get(f"{base}/healthz")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                url = f"{base}/twilio/voice"
                form = {"Content-Type": "application/x-www-form-urlencoded"}
                rss_start = _rss_mb(server.pid)
                tiny = await _post(client, url, server.pid, content=b"CallSid=CA1", headers=form)
                busy = asyncio.create_task(
                    _post(client, url, server.pid, content=Streamed(megabytes), headers=form)
                )
                healthz = await _healthz_during(client, base, busy)
                chunked = busy.result()
                declared = await _declared(port, megabytes, server.pid)
        finally:
            server.terminate()
            server.wait()
    return {
        "megabytes": megabytes,
        "rss_mb_start": rss_start,
        "baseline_tiny": tiny,
        "chunked_unsigned": chunked,
        "healthz_seconds_during_chunked": healthz,
        "declared_length": declared,
        "slowdown_vs_tiny": round(chunked["seconds"] / max(tiny["seconds"], 1e-6), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    print(json.dumps(asyncio.run(run(parser.parse_args().megabytes))))


if __name__ == "__main__":
    main()
