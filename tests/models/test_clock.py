"""The one clock: the tests set it, and everything that stamps or expires follows it."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from admin.passwords import hash_password
from admin.security import issue_token
from models import Agency, OutboundEvent, User, clock
from models.enums import Role
from quita.app import create_app
from quita.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ["admin", "bot", "models", "negotiation", "quita", "telephony"]
# Calls that read the machine's calendar. time.monotonic() (intervals) is not one.
WALL_CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("timezone", "now"),
    ("timezone", "localtime"),
}


def _wall_clock_reads(source: str) -> list[int]:
    """Lines that call one of WALL_CLOCK_CALLS, as `datetime.now(...)` or `date.today()`."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and (node.func.value.id, node.func.attr) in WALL_CLOCK_CALLS
    ]


def test_the_scan_finds_wall_clock_reads():
    source = "from datetime import UTC, date, datetime\nx = date.today()\ny = datetime.now(UTC)\n"
    assert _wall_clock_reads(source) == [2, 3]
    assert _wall_clock_reads("import time\nt = time.monotonic()\n") == []


def test_only_the_clock_module_reads_the_wall_clock():
    reads = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PRODUCTION
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "models" / "clock.py"
        for line in _wall_clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert reads == []


def test_travel_ticks_on_and_freezes_when_asked():
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    clock.travel(start, tick=False)
    assert clock.now() == start
    clock.advance(timedelta(hours=2))
    assert clock.now() == start + timedelta(hours=2)
    clock.travel(start)
    assert start <= clock.now() < start + timedelta(seconds=5)


def test_today_depends_on_the_zone():
    # 01:05 UTC on 2 December is still 1 December in São Paulo and in Manaus.
    clock.travel(datetime(2026, 12, 2, 1, 5, tzinfo=UTC), tick=False)
    assert clock.today_in("America/Sao_Paulo") == date(2026, 12, 1)
    assert clock.today_in("UTC") == date(2026, 12, 2)
    assert clock.local_now("America/Manaus").hour == 21


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        clock.travel(datetime(2026, 1, 1))


def test_reset_returns_to_the_machine_clock():
    clock.travel(datetime(1999, 1, 1, tzinfo=UTC))
    clock.reset()
    assert clock.now().year > 2000


async def test_orm_timestamps_come_from_the_clock(db):
    at = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    clock.travel(at, tick=False)
    event = await OutboundEvent.create(kind="x", payload={}, next_attempt_at=at)
    assert event.created_at == at
    stored = await OutboundEvent.get(id=event.id)
    assert stored.created_at == at

    agency = await Agency.create(name="Escritório Relógio")
    clock.advance(timedelta(days=1))
    user = await User.create(
        username="relogio",
        password_hash=hash_password("x" * 12),
        role=Role.AGENCY,
        agency_id=agency.id,
    )
    assert user.created_at == at + timedelta(days=1)


async def test_api_tokens_expire_by_the_clock(db):
    settings = Settings(database_url=db, secret_key="k" * 40, jobs=False, token_minutes=60)
    user = await User.create(
        username="relogio", password_hash=hash_password("x" * 12), role=Role.ADMIN
    )
    clock.travel(datetime(2031, 5, 6, 12, 0, tzinfo=UTC), tick=False)
    token = issue_token(user, settings.secret_key, settings.token_minutes)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
        clock.advance(timedelta(minutes=61))
        answer = await client.get("/api/v1/auth/me", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["detail"] == "sessão expirada: faça login de novo"
