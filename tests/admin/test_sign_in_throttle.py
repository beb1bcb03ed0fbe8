"""Password guessing on the API's sign-in is slowed down per username and per address, and
an unknown username costs the same password check as a known one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pwdlib import PasswordHash

from models import clock
from models.enums import Role
from negotiation import passwords
from tests.admin.conftest import PASSWORD

TOKEN = "/api/v1/auth/token"


async def _sign_in(api, username: str, password: str):
    return await api.post(TOKEN, data={"username": username, "password": password})


def _retry_after(answer) -> int:
    seconds = int(answer.headers["retry-after"])
    assert 0 < seconds <= 15 * 60
    return seconds


async def test_five_wrong_passwords_refuse_even_the_right_one_for_a_while(api, users):
    for _ in range(5):
        assert (await _sign_in(api, "admin", "chute")).status_code == 401
    refused = await _sign_in(api, "admin", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("muitas tentativas de entrada sem sucesso")
    assert "tente de novo em 15 minutos" in refused.json()["detail"]
    wait = _retry_after(refused)
    # Another user is not held up by admin's failures.
    assert (await _sign_in(api, "supervisor", PASSWORD)).status_code == 200
    clock.advance(timedelta(seconds=wait))
    assert (await _sign_in(api, "admin", PASSWORD)).status_code == 200


async def test_an_unknown_username_is_throttled_like_a_known_one(api, users):
    answers = []
    for username in ("admin", "ninguem"):
        for _ in range(5):
            await _sign_in(api, username, "chute")
        refused = await _sign_in(api, username, "chute")
        answers.append((refused.status_code, refused.json()["detail"]))
    assert answers[0] == answers[1] and answers[0][0] == 429


async def test_a_success_clears_the_users_failures(api, users):
    for _ in range(4):
        await _sign_in(api, "admin", "chute")
    assert (await _sign_in(api, "admin", PASSWORD)).status_code == 200
    # Counting starts over: five more failures are needed to be held up.
    for _ in range(5):
        assert (await _sign_in(api, "admin", "chute")).status_code == 401
    assert (await _sign_in(api, "admin", PASSWORD)).status_code == 429


async def test_one_address_guessing_many_usernames_is_held_up(api, users):
    for n in range(20):
        assert (await _sign_in(api, f"usuario{n}", "chute")).status_code == 401
    refused = await _sign_in(api, "admin", PASSWORD)
    assert refused.status_code == 429
    _retry_after(refused)


class _CountingHash(PasswordHash):
    """The real Argon2 hasher, counting its checks."""

    def __init__(self) -> None:
        super().__init__(PasswordHash.recommended().hashers)
        self.checks = 0

    def verify(self, password, hash) -> bool:
        self.checks += 1
        return super().verify(password, hash)


async def test_an_unknown_or_inactive_user_costs_a_password_check(api, users, monkeypatch):
    counting = _CountingHash()
    monkeypatch.setattr(passwords, "_hasher", counting)
    inactive = users[Role.ATTENDANT]
    inactive.active = False
    await inactive.save()
    for username in ("ninguem", inactive.username, "supervisor"):
        before = counting.checks
        assert (await _sign_in(api, username, "chute")).status_code == 401
        assert counting.checks == before + 1, username


async def test_tries_sent_all_at_once_get_no_more_than_the_limit(api, users):
    answers = await asyncio.gather(*(_sign_in(api, "admin", f"chute{n}") for n in range(12)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(401) <= 5 and codes.count(429) >= 7
    assert set(codes) <= {401, 429}
