"""The README's API walkthrough, pasted into bash against a fresh `quita serve --demo`.

A newcomer copies the block as it is; so does this test (only the port differs), with
`set -euo pipefail` so that any line that fails (curl -f on a 4xx, a lookup that finds
nothing) fails the test.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.quita.demo_server import demo_server

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "With the demo running (`quita serve --demo`), paste this into a shell"


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    match = re.search(r"```sh\n(.*?)```", after, re.S)
    assert match, "the walkthrough's sh block is missing"
    return match.group(1)


@pytest.fixture
def demo(demo_folder):
    with demo_server(demo_folder) as server:
        yield server.url


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough needs curl")
def test_the_api_walkthrough_runs_as_written_on_a_fresh_demo(demo, tmp_path):
    script = walkthrough()
    assert "http://127.0.0.1:8000/api/v1" in script
    script = script.replace("http://127.0.0.1:8000", demo)
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    # What it did, seen from the API.
    api = f"{demo}/api/v1"
    token = httpx.post(
        f"{api}/auth/token", data={"username": "admin", "password": "quita-demo"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    rules = httpx.get(f"{api}/rules", headers=headers).json()
    rule = next(r for r in rules if r["description"] == "Campinas, 30 dias ou mais")
    runs = httpx.get(f"{api}/rules/{rule['id']}/runs", headers=headers).json()
    assert [r["status"] for r in runs] == ["finished"]
    entries = httpx.get(
        f"{api}/entries", params={"campaign_id": runs[0]["campaign_id"]}, headers=headers
    ).json()
    assert len(entries) >= 7
    assert [e["state"] for e in entries].count("exported") == 5
    assert sum(1 for e in entries if e["agreement_id"]) == 1
    assert sum(1 for e in entries if e["reschedule_at"]) == 1

    exported = (tmp_path / "ligacoes.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported), delimiter=";"))
    assert len(rows) == 5 and all(row["credor"] for row in rows)
