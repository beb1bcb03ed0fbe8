"""Password hashing with pwdlib (Argon2), the library FastAPI's own guide recommends."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    # A hash of no one's password, made once: checking against it costs what a real check
    # costs.
    return _hasher.hash("not the password of anyone")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether the password matches. With no hash (an unknown user) a dummy one is checked
    and the answer is False: a sign-in takes as long whether the username exists or not."""
    if password_hash is None:
        _hasher.verify(password, _dummy_hash())
        return False
    return _hasher.verify(password, password_hash)
