"""The debtor's payment page link: /p/{token}, unguessable, expiring, no login.

The token names only the agreement and its expiry (some days after the last due date) and is
signed with QUITA_SECRET_KEY. It is hand-made rather than a JWT because it travels in SMS,
where every character counts: 6 bytes of claims plus a 96-bit HMAC-SHA256 tag make 24
URL-safe characters, against about 130 for the same claims as a JWT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import date, timedelta

from negotiation.errors import NotFound

GRACE_DAYS = 30
_PURPOSE = b"quita-pay-link:"
_CLAIMS = struct.Struct(">IH")  # agreement id, expiry as days since 2000-01-01
_EPOCH = date(2000, 1, 1)
_TAG_BYTES = 12
_INVALID = "link de pagamento inválido ou expirado"


def _tag(claims: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + claims, hashlib.sha256).digest()[:_TAG_BYTES]


def make_token(agreement_id: int, last_due: date, secret: str) -> str:
    expires = min((last_due + timedelta(days=GRACE_DAYS) - _EPOCH).days, 0xFFFF)
    claims = _CLAIMS.pack(agreement_id, expires)
    return base64.urlsafe_b64encode(claims + _tag(claims, secret)).decode().rstrip("=")


def read_token(token: str, secret: str, today: date) -> int:
    """The agreement id, or NotFound for a bad or expired link (nothing else is revealed).
    `today` is the ISP's day: a link lasts until the end of its last day there."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise NotFound(_INVALID) from None
    claims, tag = raw[: _CLAIMS.size], raw[_CLAIMS.size :]
    if len(raw) != _CLAIMS.size + _TAG_BYTES or not hmac.compare_digest(tag, _tag(claims, secret)):
        raise NotFound(_INVALID)
    agreement_id, expires = _CLAIMS.unpack(claims)
    if today > _EPOCH + timedelta(days=expires):
        raise NotFound(_INVALID)
    return agreement_id


def payment_url(base_url: str, agreement_id: int, last_due: date, secret: str) -> str:
    return f"{base_url.rstrip('/')}/p/{make_token(agreement_id, last_due, secret)}"
