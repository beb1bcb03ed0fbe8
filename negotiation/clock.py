"""The ISP's calendar: what day it is for the debtor (DESIGN.md §2: dates in the ISP's zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def today_in(timezone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()
