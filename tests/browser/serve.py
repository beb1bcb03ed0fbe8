"""The console server for the browser tests, started before its settings are known.

Importing the app takes seconds, so the conftest starts this
process as soon as collection finds browser tests; it imports everything, then waits for one
JSON line on stdin — {"env": {...}, "port": N, "cwd": "...", "now": ISO} — sets Quita's
clock to `now` (the tests' instant, running on from there) and serves
`quita.app:create_app` with uvicorn.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

import uvicorn

import quita.app  # noqa: F401  (the slow part, done while the tests set up)
from models import clock


def main() -> None:
    line = sys.stdin.readline()
    if not line.strip():
        return  # the run needed no server after all
    order = json.loads(line)
    os.chdir(order["cwd"])  # Settings reads a .env of the working folder: none here
    os.environ.update(order["env"])
    if order.get("now"):
        clock.travel(datetime.fromisoformat(order["now"]))
    uvicorn.run(
        "quita.app:create_app",
        factory=True,
        host="127.0.0.1",
        port=order["port"],
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
