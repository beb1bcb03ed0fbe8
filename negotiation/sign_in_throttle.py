"""The sign-in throttle: password guessing on the API's token endpoint and the console's
sign-in page is slowed down per username and per client address.

Failures are rows in sign_in_failure (no Redis needed). Within WINDOW, USER_LIMIT failures
for a username (known or not, so the answer tells nothing about which exist) or
ADDRESS_LIMIT from one address refuse further tries until the oldest counted failure
leaves the window; a refused try is not counted, so the wait never grows past WINDOW. A
successful sign-in clears the username's failures (not the address's).

The address is the one the ASGI server reports: behind a reverse proxy, run uvicorn with
--proxy-headers and --forwarded-allow-ips set to the proxy's address, or every client
shares the proxy's address and its limit.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from models import SignInFailure, clock
from negotiation.errors import QuitaError
from negotiation.identify import wait_words

WINDOW = timedelta(minutes=15)
USER_LIMIT = 5
ADDRESS_LIMIT = 20


class TooManySignIns(QuitaError):
    """Too many failed sign-ins: try again in `retry_after` seconds."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            "muitas tentativas de entrada sem sucesso; por segurança, tente de novo em "
            + wait_words(timedelta(seconds=retry_after))
        )


def _key(username: str) -> str:
    return username.strip().casefold()[:150]


async def _wait(since: datetime, now: datetime, limit: int, attempt: int, **where: str) -> float:
    """Seconds until fewer than `limit` failures matching `where` (besides `attempt`) are in
    the window."""
    failed = await (
        SignInFailure.filter(failed_at__gt=since, **where)
        .exclude(id=attempt)
        .order_by("-failed_at")
        .limit(limit)
        .values_list("failed_at", flat=True)
    )
    if len(failed) < limit:
        return 0
    return (failed[-1] + WINDOW - now).total_seconds()


async def start_attempt(username: str, address: str, now: datetime | None = None) -> None:
    """Count a sign-in attempt as a failure until `succeeded`; raises TooManySignIns (and
    does not count it) while the username or the address has too many failures.

    The attempt is written before the others are counted: of many tries sent at once, each
    counts every one written before it, so no more than the limit get through."""
    now = now or clock.now()
    # Old rows go as new ones come: the table holds one window's failures.
    await SignInFailure.filter(failed_at__lte=now - WINDOW).delete()
    attempt = await SignInFailure.create(
        username=_key(username), address=address[:64], failed_at=now
    )
    since = now - WINDOW
    wait = await _wait(since, now, USER_LIMIT, attempt.id, username=_key(username))
    if address:
        wait = max(wait, await _wait(since, now, ADDRESS_LIMIT, attempt.id, address=address))
    if wait > 0:
        await attempt.delete()
        raise TooManySignIns(max(1, math.ceil(wait)))


async def succeeded(username: str) -> None:
    """The password was right: the username's failures (this attempt too) are forgotten."""
    await SignInFailure.filter(username=_key(username)).delete()
