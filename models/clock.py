"""The one reader of the wall clock: what time it is, and what day it is in a zone.

Every "now" and "today" in Quita comes from here, the ORM's automatic timestamps included
(`models.fields.Timestamp`), so the tests can put the whole code base on a chosen instant
and the suite passes whatever the machine's calendar says. It lives in `models/`, the lowest
layer, because the models' own timestamps need it and everything else already imports models.

Pacing and timeouts measure intervals, not dates: they use `time.monotonic()` (and the
Telegram rate limiter, whose windows several instances share through Redis, epoch seconds
from `time.time()`), and are left alone.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

# Where the clock stands when the tests have set it: the instant, and the monotonic reading
# taken then (None while it is frozen). None for the instant means the machine's clock.
_anchor: datetime | None = None
_anchor_monotonic: float | None = None


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _anchor is None:
        return datetime.now(UTC)
    if _anchor_monotonic is None:
        return _anchor
    return _anchor + timedelta(seconds=time.monotonic() - _anchor_monotonic)


def _zone(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def local_now(zone: str | tzinfo) -> datetime:
    """The current instant as wall time in `zone` (an IANA name or a tzinfo)."""
    return now().astimezone(_zone(zone))


def today_in(zone: str | tzinfo) -> date:
    """What day it is in `zone`: the ISP's, or a debtor's state's."""
    return local_now(zone).date()


def timestamp() -> float:
    """Seconds since the epoch, for tokens that carry their own expiry."""
    return now().timestamp()


# Setting the clock: for tests and demos, never for production paths.


def travel(to: datetime, *, tick: bool = True) -> None:
    """Put the clock on `to` (aware); it runs on from there unless `tick` is False."""
    if to.tzinfo is None:
        raise ValueError("the clock takes aware datetimes only")
    global _anchor, _anchor_monotonic
    _anchor = to.astimezone(UTC)
    _anchor_monotonic = time.monotonic() if tick else None


def advance(delta: timedelta) -> None:
    """Move a set clock forward (or back) by `delta`."""
    global _anchor
    if _anchor is None:
        raise RuntimeError("advance() needs a clock set with travel()")
    _anchor += delta


def reset() -> None:
    """Back to the machine's clock."""
    global _anchor, _anchor_monotonic
    _anchor = _anchor_monotonic = None
