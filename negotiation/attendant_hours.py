"""When people (not the bot) answer: the attendants' hours in the ISP's time zone.

Weekdays use `settings.attendant_weekday_hours`, Saturdays `settings.attendant_saturday_hours`
("HH:MM-HH:MM"; "" = closed that day). Sundays, national holidays and the holidays of
`settings.attendant_state` are closed (the `holidays` package's calendar for Brazil).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from negotiation.config import AttendantHours
from negotiation.rendering import local_time

# How far ahead next_opening() looks before concluding the settings never open.
_HORIZON_DAYS = 370


def _parse_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) == (24, 0):
        return time.max
    return time(hours, minutes)


def _parse_hours(text: str) -> tuple[time, time] | None:
    """ "08:00-18:00" -> (08:00, 18:00); "" (or an empty interval) -> None (closed)."""
    if not text:
        return None
    start, end = (_parse_time(part) for part in text.split("-"))
    return (start, end) if start < end else None


@lru_cache(maxsize=32)
def _holidays(state: str, year: int) -> holidays.HolidayBase:
    return holidays.Brazil(subdiv=state or None, years=year)


def is_holiday(day: date, settings: AttendantHours) -> bool:
    """A national holiday, or one of the attendants' state."""
    return day in _holidays(settings.attendant_state, day.year)


def hours_on(day: date, settings: AttendantHours) -> tuple[time, time] | None:
    """The attendants' (start, end) on `day` in the ISP's zone, or None when closed."""
    if day.weekday() == 6 or is_holiday(day, settings):
        return None
    if day.weekday() == 5:
        return _parse_hours(settings.attendant_saturday_hours)
    return _parse_hours(settings.attendant_weekday_hours)


def local(now: datetime, settings: AttendantHours) -> datetime:
    """`now` in the ISP's zone (a naive datetime is taken as already in that zone)."""
    if now.tzinfo is None:
        return now.replace(tzinfo=settings.tz)
    return now.astimezone(settings.tz)


def is_open(now: datetime, settings: AttendantHours) -> bool:
    """True when an attendant is expected to be working at `now`."""
    here = local(now, settings)
    hours = hours_on(here.date(), settings)
    return hours is not None and hours[0] <= here.time() < hours[1]


def next_opening(now: datetime, settings: AttendantHours) -> datetime | None:
    """The next moment attendants work, in the ISP's zone: `now` itself when open now.
    None only when the settings never open (both weekday and Saturday hours empty)."""
    here = local(now, settings)
    if is_open(here, settings):
        return here
    for offset in range(_HORIZON_DAYS):
        day = here.date() + timedelta(days=offset)
        hours = hours_on(day, settings)
        if hours is None:
            continue
        opening = datetime.combine(day, hours[0], tzinfo=settings.tz)
        if opening > here:
            return opening
    return None


def describe_opening(opening: datetime, now: datetime, settings: AttendantHours) -> str:
    """pt-BR, for the debtor: "amanhã, sábado, 28/11, às 08:00" or "segunda-feira, 30/11,
    às 08:00" ("hoje, às 08:00" the same day)."""
    opening = local(opening, settings)
    today = local(now, settings).date()
    clock = f"às {local_time(opening, settings.tz, 'time')}"
    if opening.date() == today:
        return f"hoje, {clock}"
    day = local_time(opening, settings.tz, "weekday")
    if opening.date() == today + timedelta(days=1):
        return f"amanhã, {day}, {clock}"
    return f"{day}, {clock}"


def describe_hours(settings: AttendantHours) -> str:
    """pt-BR: "de segunda a sexta, das 08:00 às 18:00, e aos sábados, das 08:00 às 12:00"."""
    parts = []
    weekday = _parse_hours(settings.attendant_weekday_hours)
    saturday = _parse_hours(settings.attendant_saturday_hours)
    if weekday:
        parts.append(f"de segunda a sexta, das {_hhmm(weekday[0])} às {_hhmm(weekday[1])}")
    if saturday:
        parts.append(f"aos sábados, das {_hhmm(saturday[0])} às {_hhmm(saturday[1])}")
    return ", e ".join(parts)


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else f"{value:%H:%M}"
