"""`quita bench start`: how long `quita serve --demo` takes to answer /healthz, as a user sees it.

Everything runs as whole processes, one after the other, in a fresh temporary folder (SQLite
`quita.db` there, as with no settings at all):

- first start: `quita serve --demo` in the empty folder (migrations, demo base, app) until
  `GET /healthz` answers 200;
- restart: the same command again in the same folder (nothing to migrate, the demo base is
  already there) until /healthz answers;
- baselines of the same run: `python -c "import quita.app"` (the imports every start pays)
  and a bare FastAPI app under uvicorn answering /healthz (a Python web process starting).

Each is measured `--runs` times (a fresh folder for every first start) and the median kept;
one JSON line comes out. On a busy machine the figures move: compare them with the baselines.

    .venv/bin/quita bench start [--runs 3]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(folder: Path) -> dict[str, str]:
    # Only what a first-time user would have: no QUITA_* settings at all (the database and the
    # secret key default to files in the working folder).
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUITA_")}
    env["PYTHONPATH"] = str(folder)
    return env


def _until_healthy(command: list[str], folder: Path, port: int, limit: float = 300) -> float:
    """Seconds from starting `command` to its first 200 on /healthz; the process is stopped."""
    url = f"http://127.0.0.1:{port}/healthz"
    began = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=folder, env=_env(folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        while True:
            try:
                if httpx.get(url, timeout=5).status_code == 200:
                    return time.perf_counter() - began
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                errors = server.stderr.read().decode()
                raise SystemExit(f"{command} exited with {server.returncode}: {errors}")
            if time.perf_counter() - began > limit:
                raise SystemExit(f"{command} did not answer /healthz in {limit} s")
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _serve(port: int) -> list[str]:
    quita = [sys.executable, "-m", "quita.cli", "serve", "--demo", "--host", "127.0.0.1"]
    return [*quita, "--port", str(port)]


def _timed(command: list[str], folder: Path) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=folder, env=_env(folder), check=True)
    return time.perf_counter() - began


def run(runs: int = 3) -> dict:
    first, restart, imports, bare = [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            (folder / "bench_bare_app.py").write_text(BARE_APP)
            port = _free_port()
            bare_command = [sys.executable, "-m", "uvicorn", "bench_bare_app:app"]
            bare_command += ["--port", str(port), "--log-level", "warning"]
            bare.append(_until_healthy(bare_command, folder, port))
            imports.append(_timed([sys.executable, "-c", "import quita.app"], folder))
            first.append(_until_healthy(_serve(port), folder, port))
            restart.append(_until_healthy(_serve(port), folder, port))

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "benchmark": "start",
        "runs": runs,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "first_start_s": median(first),
        "restart_s": median(restart),
        "import_quita_app_s": median(imports),
        "bare_uvicorn_s": median(bare),
        "restart_over_bare": round(statistics.median(restart) / statistics.median(bare), 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
