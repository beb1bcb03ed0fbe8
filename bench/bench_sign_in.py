"""Sign-in time for an unknown username against a known one with a wrong password.

Issue 16 found that a sign-in answered an unknown username in a fifth of the time (no
Argon2 check ran), which told which usernames exist. Now an unknown user's password is
checked against a dummy hash; this prints both medians from the same run (they should be
within noise of each other). The throttle's failures are cleared between tries, outside
the timed part, so every try reaches the password check.

    .venv/bin/python bench/bench_sign_in.py [runs]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from models import SignInFailure, User
from models.enums import Role
from negotiation.passwords import hash_password
from quita.app import create_app
from quita.db import database
from quita.settings import Settings


async def _time(client: httpx.AsyncClient, username: str) -> float:
    start = time.perf_counter()
    answer = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": "wrong-password"}
    )
    elapsed = time.perf_counter() - start
    assert answer.status_code == 401, answer.text
    await SignInFailure.all().delete()
    return elapsed


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'bench.db'}"
        settings = Settings(
            database_url=url, secret_key="a-bench-secret-of-at-least-32-bytes-long", jobs=False
        )
        async with database(url):
            await User.create(
                username="known", role=Role.ADMIN, password_hash=hash_password("the-password")
            )
            transport = httpx.ASGITransport(app=create_app(settings))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await _time(client, "known")  # warm-up: imports, the dummy hash, caches
                known, unknown = [], []
                for n in range(runs):  # interleaved: machine load hits both alike
                    known.append(await _time(client, "known"))
                    unknown.append(await _time(client, f"nobody-{n}"))
    ms = 1000
    print(f"runs: {runs} each, wrong password, POST /api/v1/auth/token")
    print(f"known user:   median {statistics.median(known) * ms:.1f} ms")
    print(f"unknown user: median {statistics.median(unknown) * ms:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
