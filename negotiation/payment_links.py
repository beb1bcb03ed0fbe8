"""The debtor's payment page link: /p/{token}, unguessable, expiring, no login.

The token is signed (HS256 with QUITA_SECRET_KEY) and names only the agreement, so it can go
in an SMS; it expires some days after the agreement's last due date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import jwt

from negotiation.errors import NotFound

GRACE_DAYS = 30
_PURPOSE = "pay"


def make_token(agreement_id: int, last_due: date, secret: str) -> str:
    expires = datetime.combine(last_due + timedelta(days=GRACE_DAYS), time.max, UTC)
    claims = {"agr": agreement_id, "p": _PURPOSE, "exp": expires}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> int:
    """The agreement id, or NotFound for a bad or expired link (nothing else is revealed)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise NotFound("link de pagamento inválido ou expirado") from None
    if claims.get("p") != _PURPOSE or not isinstance(claims.get("agr"), int):
        raise NotFound("link de pagamento inválido ou expirado")
    return claims["agr"]
