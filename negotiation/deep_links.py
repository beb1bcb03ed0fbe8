"""Deep links that identify a debtor to the bot: t.me/<bot>?start=<token>.

Telegram allows 64 characters of [A-Za-z0-9_-] in a start parameter, so the token is compact
and hand-made rather than a JWT (which would not fit): customer id, expiry (Unix minutes) and
a random nonce, signed with a 96-bit HMAC-SHA256 tag of QUITA_SECRET_KEY, in 32 URL-safe
characters. It expires, and each nonce works once (models.UsedLink).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from models import Customer, UsedLink, clock
from negotiation.errors import InvalidInput

DEFAULT_LIFETIME = timedelta(days=3)
_CLAIMS = struct.Struct(">II4s")  # customer id, expiry in minutes since 1970, nonce
_TAG_BYTES = 12
_PURPOSE = b"quita-deep-link:"
_INVALID = "este link não vale mais; peça um novo ou identifique-se pelo CPF/CNPJ"


def _tag(claims: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + claims, hashlib.sha256).digest()[:_TAG_BYTES]


def make_link_token(
    customer_id: int, secret: str, *, now: datetime | None = None, lifetime=DEFAULT_LIFETIME
) -> str:
    expires = int(((now or clock.now()) + lifetime).timestamp() // 60)
    claims = _CLAIMS.pack(customer_id, expires, secrets.token_bytes(4))
    return base64.urlsafe_b64encode(claims + _tag(claims, secret)).decode().rstrip("=")


def bot_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def read_link_token(token: str, secret: str, *, now: datetime | None = None) -> tuple[int, str]:
    """(customer id, nonce) of a good, unexpired token; InvalidInput otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(_INVALID) from None
    claims, tag = raw[: _CLAIMS.size], raw[_CLAIMS.size :]
    if len(raw) != _CLAIMS.size + _TAG_BYTES or not hmac.compare_digest(tag, _tag(claims, secret)):
        raise InvalidInput(_INVALID)
    customer_id, expires, nonce = _CLAIMS.unpack(claims)
    if (now or clock.now()).timestamp() // 60 > expires:
        raise InvalidInput(_INVALID)
    return customer_id, nonce.hex()


async def use_link_token(token: str, secret: str, *, now: datetime | None = None) -> Customer:
    """The customer the token names, once: a second use is refused."""
    customer_id, nonce = read_link_token(token, secret, now=now)
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise InvalidInput(_INVALID)
    try:
        await UsedLink.create(nonce=f"{customer_id}:{nonce}", customer=customer)
    except IntegrityError:
        raise InvalidInput(_INVALID) from None
    return customer
