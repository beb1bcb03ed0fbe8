"""Weak secrets: the rule itself, and `quita serve` refusing to start with one (or with the
demo's public password still in the base) in one line, exit code 2."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

import pytest

from quita.secret_strength import MIN_SECRET_KEY, MIN_WEBHOOK_SECRET, weak_setting, weakness
from quita.settings import Settings

STRONG = secrets.token_urlsafe(48)


@pytest.mark.parametrize(
    "value",
    [
        "changeme",
        "CHANGE-ME",
        "x",
        "test",
        "Password",
        "demo",
        "secret",
        "secret_key",
        "please-changeme-before-production-000",
        "x" * 40,
        "abc" * 12,
        "short-but-random",
    ],
)
def test_placeholders_short_and_repeated_secrets_are_weak(value):
    assert weakness(value, MIN_SECRET_KEY) is not None


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(16)])
def test_random_secrets_pass(make):
    # Made inside the test: parameters drawn at collection would differ between the workers.
    assert weakness(make(), MIN_SECRET_KEY) is None


def test_webhook_secrets_have_their_own_minimum():
    assert weakness("k3Jd9a-Lq0zX7pWm", MIN_WEBHOOK_SECRET) is None  # 16 characters
    assert weakness("k3Jd9a-Lq0zX7pW", MIN_WEBHOOK_SECRET) is not None


def test_weak_setting_names_the_variable_and_skips_unset_ones():
    assert weak_setting(Settings(_env_file=None, secret_key=STRONG)) is None
    problem = weak_setting(Settings(_env_file=None, secret_key=STRONG, pix_webhook_secret="pix"))
    assert problem is not None and problem.startswith("QUITA_PIX_WEBHOOK_SECRET is too short")


def test_the_sandbox_stand_ins_derived_from_a_strong_key_pass():
    settings = Settings(_env_file=None, secret_key=STRONG).sandboxed()
    assert settings.telegram_webhook_secret and settings.twilio_auth_token
    assert weak_setting(settings) is None


def _quita(folder, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUITA_")}
    return subprocess.run(
        [sys.executable, "-m", "quita.cli", *args],
        cwd=folder,
        env={**clean, "QUITA_JOBS": "false", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# One `quita serve` a case (a second and a half each): every kind of weakness, half of them
# with --demo, whose derived stand-ins must not hide a weak secret that was set.
@pytest.mark.parametrize(
    ("env", "demo", "line"),
    [
        (
            {"QUITA_SECRET_KEY": "changeme"},
            False,
            "error: QUITA_SECRET_KEY is a placeholder, not a",
        ),
        ({"QUITA_SECRET_KEY": "x"}, True, "error: QUITA_SECRET_KEY is a placeholder, not a"),
        (
            {"QUITA_SECRET_KEY": "n0t-long-enough"},
            False,
            "error: QUITA_SECRET_KEY is too short (15 ",
        ),
        (
            {"QUITA_SECRET_KEY": STRONG, "QUITA_TELEGRAM_WEBHOOK_SECRET": "demo"},
            True,
            "error: QUITA_TELEGRAM_WEBHOOK_SECRET is a placeholder",
        ),
        (
            {"QUITA_SECRET_KEY": STRONG, "QUITA_BILLING_WEBHOOK_SECRET": "abc123"},
            False,
            "error: QUITA_BILLING_WEBHOOK_SECRET is too short (6 characters, at least 16)",
        ),
        (
            {"QUITA_TWILIO_AUTH_TOKEN": "password"},
            True,
            "error: QUITA_TWILIO_AUTH_TOKEN is a placeholder",
        ),
    ],
)
def test_serve_refuses_a_weak_secret_in_one_line(tmp_path, env, demo, line):
    done = _quita(tmp_path, "serve", *(["--demo"] if demo else []), "--port", "1", **env)
    assert done.returncode == 2, done.stderr
    [only] = done.stderr.strip().splitlines()
    assert only.startswith(line)
    assert not (tmp_path / "quita.db").exists()  # refused before touching the database


def test_serve_refuses_the_demo_password_until_it_is_changed(tmp_path):
    key = {"QUITA_SECRET_KEY": STRONG}
    added = _quita(tmp_path, "users", "add", "admin", "--password", "quita-demo", **key)
    assert added.returncode == 0, added.stderr

    done = _quita(tmp_path, "serve", "--port", "1", **key)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: user admin still has the demo password (public in the README): change it with"
        " `quita users passwd admin`, or run `quita serve --demo`"
    ]

    changed = _quita(tmp_path, "users", "passwd", "admin", "--password", "another-pass", **key)
    assert changed.returncode == 0, changed.stderr
    # Past the check, uvicorn fails to bind a port already taken: a later failure.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = _quita(tmp_path, "serve", "--port", str(taken.getsockname()[1]), **key)
    assert "demo password" not in done.stderr
    assert "address already in use" in done.stderr
