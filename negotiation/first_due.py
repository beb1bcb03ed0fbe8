"""The first due date a debtor may choose: any day from the negotiation's date up to the
condition's limit (its `days_to_first_due`, DESIGN §3.5), the condition's own date when they
choose none.

The engine is not changed: a chosen date is given to it as the condition's terms with fewer
days to the first due date, so the schedule, the totals and the rounding are the engine's.
Interest runs up to the negotiation's date only (§3.3), so a nearer first due date changes
the dates and nothing else.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta

from negotiation import said_numbers
from negotiation.engine import ConditionTerms
from negotiation.understanding import normalized

LAST_DAY = 31


def latest(as_of: date, days_to_first_due: int) -> date:
    """The latest first due date the condition allows for a negotiation on `as_of`."""
    return as_of + timedelta(days=days_to_first_due)


def allowed(first_due: date, as_of: date, days_to_first_due: int) -> bool:
    return as_of <= first_due <= latest(as_of, days_to_first_due)


def next_on_day(day: int, as_of: date) -> date:
    """The next date on the month's day `day` from `as_of` on (`as_of` itself when it is that
    day). A month without that day gives its last day: "dia 31" in November is 30/11."""
    if not 1 <= day <= LAST_DAY:
        raise ValueError(f"day of the month out of range: {day}")
    year, month = as_of.year, as_of.month
    while True:
        candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate >= as_of:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def terms_due_on(terms: ConditionTerms, as_of: date, first_due: date | None) -> ConditionTerms:
    """The condition's terms with the first payment due on `first_due` (None: unchanged).

    Raises ValueError when the date is outside what the condition allows."""
    if first_due is None:
        return terms
    if not allowed(first_due, as_of, terms.days_to_first_due):
        raise ValueError(f"first due date {first_due} outside the condition's limit")
    return replace(terms, days_to_first_due=(first_due - as_of).days)


_DAY = re.compile(r"\bdia\s*(\d{1,2})\b", re.IGNORECASE)
_BARE = re.compile(r"\s*(?:dia\s*)?(\d{1,2})\s*[.!]?\s*", re.IGNORECASE)


def due_day_from_text(text: str, *, bare: bool = False) -> int | None:
    """The day of the month a debtor asks for in words such as "só consigo dia 10", "pode
    ser dia dez?" or "dia primeiro". With `bare` (the debtor was just asked for a day) a
    number alone ("10", "quinze", "vinte e cinco") counts too. None when no day 1–31 is
    named."""
    match = _BARE.fullmatch(text) if bare else None
    match = match or _DAY.search(text)
    day = int(match[1]) if match is not None else _said_day(text, bare=bare)
    if day is None:
        return None
    return day if 1 <= day <= LAST_DAY else None


def _said_day(text: str, *, bare: bool) -> int | None:
    """A day said in words, read as the shared understanding reads numbers."""
    words = normalized(text).split()
    for i, word in enumerate(words):
        if word != "dia" or i + 1 == len(words):
            continue
        if words[i + 1] == "primeiro":
            return 1
        if found := said_numbers.number_at(words, i + 1):
            return found[0]
    if bare and words:
        found = said_numbers.number_at(words, 0)
        if found and found[1] == len(words):  # the number is all that was said
            return found[0]
    return None


def due_day_from_keys(keys: str) -> int | None:
    """The day of the month typed on a keypad ("10"), or None when it is not one (1–31)."""
    day = int(keys) if keys.isdigit() and len(keys) <= 2 else 0
    return day if 1 <= day <= LAST_DAY else None


_OTHER_DAY = re.compile(
    r"\b(?:mudar|trocar|alterar|escolher|outro|outra)\b.*\b(?:vencimento|dia|data)\b"
)


def asks_other_day(text: str) -> bool:
    """Whether the debtor asks to move the first due date without naming a day yet:
    "Mudar vencimento", "quero trocar a data", "outro dia"."""
    return bool(_OTHER_DAY.search(normalized(text)))
