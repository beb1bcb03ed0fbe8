"""`quita bench webhooks`: Twilio's answer URL under load, against a bare FastAPI endpoint.

Two servers run as their own uvicorn processes on this machine, one after the other, with
the same event loop (`QUITA_EVENT_LOOP`, the one `quita serve` uses): the Quita app (demo
base, SQLite by default or a fresh PostgreSQL database), and, as the baseline of the same
run, a bare FastAPI app whose POST endpoint parses the form and returns a fixed TwiML. The
same client sends each signed `POST /twilio/voice` requests of inbound calls from a number in
the demo base, `--concurrency` in flight: wrk when installed (for `--seconds`), else httpx.
Every request is the first answer of a new call (its own CallSid: `--requests` of them are
signed beforehand, as wrk's Lua has no HMAC; should the app answer more than that, the rest
are repeats, and the JSON line says how many). The app checks the signature, finds the
caller among the customers' phones, checks the caller is not locked out, writes the call
and answers the confirmation question. One JSON line comes out with requests/s and p50/p99
latency of both and the ratios.

    .venv/bin/quita bench webhooks [--requests 40000] [--concurrency 50] [--database URL]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent

BARE_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Ol\\u00e1</Say></Response>'


@app.post("/twilio/voice")
async def voice(request: Request) -> Response:
    await request.form()
    return Response(TWIML, media_type="application/xml")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def event_loop() -> str:
    """The event loop `quita serve` runs (QUITA_EVENT_LOOP); both servers get it."""
    return os.environ.get("QUITA_EVENT_LOOP", "asyncio")


def _serve(app: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        event_loop(),
    ]
    if app.startswith("quita"):
        command.append("--factory")
    return subprocess.Popen(command, env={**os.environ, **env}, cwd=cwd)


async def _wait_ready(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"server at {url} exited with {process.returncode}")
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


async def _load(base: str, caller: str, requests: int, concurrency: int) -> dict[str, float]:
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{base}/twilio/voice"
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            queue.get_nowait()
            form = {
                "CallSid": "CA" + uuid.uuid4().hex,
                "AccountSid": "AC" + "0" * 32,
                "From": caller,
                "To": "+5519900001111",
                "CallStatus": "ringing",
                "Direction": "inbound",
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            start = time.perf_counter()
            answer = await client.post(url, data=form, headers=headers)
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200 or "<Response" not in answer.text:
                failures += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        # Warm up (imports, first queries), not measured.
        await asyncio.gather(*(worker_once(client, url, validator, caller) for _ in range(20)))
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "failures": failures,
    }


def _wrk_script(url: str, caller: str, count: int, folder: Path) -> Path:
    """A wrk script that cycles through `count` different signed requests (wrk's LuaJIT has
    no HMAC, so the signatures are computed here)."""
    validator = RequestValidator(AUTH_TOKEN)
    bodies, signatures = [], []
    for _ in range(count):
        form = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": caller,
            "To": "+5519900001111",
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
        bodies.append(str(httpx.QueryParams(form)))
        signatures.append(validator.compute_signature(url, form))
    lua = ["bodies = {"] + [f"  {json.dumps(b)}," for b in bodies] + ["}", "signatures = {"]
    lua += [f"  {json.dumps(x)}," for x in signatures] + ["}"]
    lua.append(
        """
i = 0
request = function()
  i = i % #bodies + 1
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-Twilio-Signature"] = signatures[i]
  return wrk.format("POST", nil, nil, bodies[i])
end
"""
    )
    script = folder / f"wrk-{uuid.uuid4().hex}.lua"
    script.write_text("\n".join(lua))
    return script


def _wrk(url: str, script: Path, concurrency: int, seconds: int) -> dict[str, float]:
    """Load with wrk (a C load generator: the client is not the bottleneck)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        value = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        number, unit = float(value[1]), value[2]
        return round(number / 1000 if unit == "us" else number * 1000 if unit == "s" else number, 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "sent": int(re.search(r"(\d+) requests in", out)[1]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "failures": int(errors[1]) if errors else 0,
    }


async def worker_once(client, url, validator, caller) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": "+5519900001111"}
    headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
    await client.post(url, data=form, headers=headers)


async def _demo_caller(database_url: str) -> str:
    from models import CustomerPhone
    from quita.db import database
    from quita.demo import load_demo
    from quita.settings import Settings

    async with database(database_url):
        await load_demo(Settings(database_url=database_url))
        phone = await CustomerPhone.all().order_by("id").first()
        return phone.number


async def run(requests: int, concurrency: int, database_url: str | None, seconds: int = 15) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        database_url = database_url or f"sqlite://{folder_path / 'bench.db'}"
        caller = await _demo_caller(database_url)
        (folder_path / "bench_bare_app.py").write_text(BARE_APP)

        results = {}
        for name, app, cwd in (
            ("bare", "bench_bare_app:app", folder_path),
            ("voice", "quita.app:create_app", ROOT),
        ):
            port = _free_port()
            env = {
                "QUITA_DATABASE_URL": database_url,
                "QUITA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "QUITA_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "QUITA_JOBS": "false",
                "QUITA_SECRET_KEY": "bench-secret-key-of-at-least-32-bytes",
                "PYTHONPATH": str(folder_path),
            }
            server = _serve(app, port, env, cwd)
            try:
                base = f"http://127.0.0.1:{port}"
                await _wait_ready(base + "/docs", server)
                if shutil.which("wrk"):
                    url = f"{base}/twilio/voice"
                    script = _wrk_script(url, caller, requests, folder_path)
                    await _load(base, caller, 100, 10)  # warm up: imports, first queries
                    results[name] = _wrk(url, script, concurrency, seconds)
                    if name == "voice":  # past the prepared calls, answers are repeats
                        results[name]["repeats"] = max(0, results[name]["sent"] - requests)
                else:
                    results[name] = await _load(base, caller, min(requests, 5000), concurrency)
            finally:
                server.terminate()
                server.wait(timeout=10)
    voice, bare = results["voice"], results["bare"]
    return {
        "benchmark": "webhooks",
        "client": "wrk" if shutil.which("wrk") else "httpx",
        "database": database_url.split(":", 1)[0],
        "event_loop": event_loop(),
        "requests": requests,
        "concurrency": concurrency,
        "voice": voice,
        "bare": bare,
        "throughput_ratio": round(voice["rps"] / bare["rps"], 3),
        "p99_ratio": round(voice["p99_ms"] / bare["p99_ms"], 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(40000, 50, None))))
