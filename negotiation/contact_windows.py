"""When a debtor may be contacted (DESIGN.md §7): the calling window of their state, in their
own local time, never on Sundays nor on holidays. The contact gate (`contact_policy`) asks
these, the rule run places its call turns with them (`open_blocks`).

The zone is the state's IANA zone (`zone_for`: AM, RR, RO, MT, MS and AC are behind
Brasília; a debtor without a known state gets the ISP's zone). The windows are DESIGN.md §7's
defaults (`DEFAULT_WINDOWS`) unless the ISP stored its own for a state (`ContactWindow`); the
holidays are the national and state ones the `holidays` package knows, plus the ISP's own
(`Holiday`): municipal ones (matched against `Customer.city`, accents and case aside) and
state-wide extras. `calendar()` reads the stored ones, cached for `CACHE_SECONDS` and
forgotten on every write of this process (`forget`), so another instance sees an edit within
that time.
"""

from __future__ import annotations

import time as monotonic_time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from models import ContactWindow, Holiday
from models.enums import RefusalReason

# How far ahead `next_window_start` looks before giving up (a window that never opens).
SEARCH_DAYS = 400
# The states whose local time is not Brasília's (DESIGN.md §7); the other states are on
# Brasília time (UTC-3). Fernando de Noronha (UTC-2) is a district of PE: Brasília time here.
_BEHIND_BRASILIA = {
    "AM": "America/Manaus",
    "RR": "America/Boa_Vista",
    "RO": "America/Porto_Velho",
    "MT": "America/Cuiaba",
    "MS": "America/Campo_Grande",
    "AC": "America/Rio_Branco",
}
BRASILIA = "America/Sao_Paulo"

# The 26 states and the Federal District, as people read them.
STATES: Mapping[str, str] = {
    "AC": "Acre",
    "AL": "Alagoas",
    "AM": "Amazonas",
    "AP": "Amapá",
    "BA": "Bahia",
    "CE": "Ceará",
    "DF": "Distrito Federal",
    "ES": "Espírito Santo",
    "GO": "Goiás",
    "MA": "Maranhão",
    "MG": "Minas Gerais",
    "MS": "Mato Grosso do Sul",
    "MT": "Mato Grosso",
    "PA": "Pará",
    "PB": "Paraíba",
    "PE": "Pernambuco",
    "PI": "Piauí",
    "PR": "Paraná",
    "RJ": "Rio de Janeiro",
    "RN": "Rio Grande do Norte",
    "RO": "Rondônia",
    "RR": "Roraima",
    "RS": "Rio Grande do Sul",
    "SC": "Santa Catarina",
    "SE": "Sergipe",
    "SP": "São Paulo",
    "TO": "Tocantins",
}


@dataclass(frozen=True)
class Window:
    """When contact is allowed, in the debtor's local time: [start, end) on weekdays
    (Monday to Friday) and on Saturdays (None: no contact on Saturdays). Never on Sundays."""

    weekday_start: time
    weekday_end: time
    saturday_start: time | None = None
    saturday_end: time | None = None

    def __post_init__(self) -> None:
        if not self.weekday_start < self.weekday_end:
            raise ValueError("the weekday window must start before it ends")
        if (self.saturday_start is None) != (self.saturday_end is None):
            raise ValueError("a Saturday window needs both its start and its end")
        if self.saturday_start is not None and not self.saturday_start < self.saturday_end:
            raise ValueError("the Saturday window must start before it ends")

    def hours_on(self, weekday: int) -> tuple[time, time] | None:
        """The [start, end) of a weekday (0 = Monday), or None when closed that day."""
        if weekday < 5:
            return self.weekday_start, self.weekday_end
        if weekday == 5 and self.saturday_start is not None:
            return self.saturday_start, self.saturday_end  # type: ignore[return-value]
        return None


_WIDE = Window(time(8), time(20), time(8), time(14))
_NO_SATURDAY_19 = Window(time(8), time(19))

# The defaults of DESIGN.md §7. There is no federal rule: states not listed get `FALLBACK_WINDOW`.
DEFAULT_WINDOWS: Mapping[str, Window] = {
    "SP": _WIDE,
    "AL": _WIDE,
    "RJ": Window(time(9), time(19)),
    "ES": _NO_SATURDAY_19,
    "AM": _NO_SATURDAY_19,
}
FALLBACK_WINDOW = _WIDE


def uf_of(state: str | None) -> str:
    return (state or "").strip().upper()


def city_key(city: str | None) -> str:
    """A city as it is matched: no accents, lower case, single spaces ("São  Paulo" and
    "SAO PAULO" are the same city)."""
    text = unicodedata.normalize("NFKD", city or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def window_for(state: str | None, overrides: Mapping[str, Window] | None = None) -> Window:
    """The calling window of a state (UF): the ISP's override, else the default."""
    uf = uf_of(state)
    if overrides and uf in overrides:
        return overrides[uf]
    return DEFAULT_WINDOWS.get(uf, FALLBACK_WINDOW)


@lru_cache(maxsize=64)
def _holidays_of(uf: str) -> holidays.HolidayBase:
    # National holidays plus the state's; an unknown state gets the national ones only.
    subdiv = uf if uf in holidays.Brazil.subdivisions else None
    return holidays.Brazil(subdiv=subdiv, language="pt_BR")


def holiday_name(state: str | None, day: date) -> str | None:
    """The name (pt-BR) of the national or state holiday on `day`, if it is one."""
    return _holidays_of(uf_of(state)).get(day)


def zone_for(state: str | None, default: tzinfo | str) -> tzinfo:
    """The debtor's local zone: their state's, or `default` (the ISP's) for an unknown state."""
    uf = uf_of(state)
    if uf in _BEHIND_BRASILIA:
        return ZoneInfo(_BEHIND_BRASILIA[uf])
    if uf in holidays.Brazil.subdivisions:
        return ZoneInfo(BRASILIA)
    return as_tz(default)


def as_tz(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local(when: datetime, tz: tzinfo | str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("an aware datetime is required (with its time zone)")
    return when.astimezone(as_tz(tz))


Extra = Mapping[date, str | None]


def _extra(extra_holidays: Iterable[date] | Extra) -> Extra:
    """The extra closed days as {day: name or None} (a plain list of dates has no names)."""
    if isinstance(extra_holidays, Mapping):
        return extra_holidays
    return dict.fromkeys(extra_holidays)


def closed_reason(uf: str, day: date, extra: Extra) -> tuple[RefusalReason, str] | None:
    """Why no contact at all on `day` (Sunday, holiday), or None."""
    if day.weekday() == 6:
        return RefusalReason.OUTSIDE_WINDOW, "domingo: sem contato"
    name = _holidays_of(uf).get(day)
    if name:
        return RefusalReason.HOLIDAY, f"feriado ({name})"
    if day in extra:
        named = extra[day]
        return RefusalReason.HOLIDAY, f"feriado ({named})" if named else "feriado municipal"
    return None


def window_check(
    state: str | None,
    when: datetime,
    tz: tzinfo | str,
    *,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] | Extra = (),
) -> tuple[RefusalReason, str] | None:
    """Why `when` is outside the calling window (code and pt-BR), or None when allowed."""
    moment = local(when, tz)
    uf = uf_of(state)
    closed = closed_reason(uf, moment.date(), _extra(extra_holidays))
    if closed:
        return closed
    hours = window_for(uf, overrides).hours_on(moment.weekday())
    clock = moment.time().replace(tzinfo=None)
    if hours is None or not hours[0] <= clock < hours[1]:
        text = f"fora do horário permitido em {uf}" if uf else "fora do horário permitido"
        return RefusalReason.OUTSIDE_WINDOW, text
    return None


def window_refusal(
    state: str | None,
    when: datetime,
    tz: tzinfo | str,
    *,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] | Extra = (),
) -> str | None:
    """Why `when` is outside the calling window (pt-BR), or None when contact is allowed."""
    found = window_check(state, when, tz, overrides=overrides, extra_holidays=extra_holidays)
    return found[1] if found else None


def within_window(
    state: str | None,
    when: datetime,
    tz: tzinfo | str,
    *,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] | Extra = (),
) -> bool:
    """Is `when` (aware) inside the calling window of the debtor's state, in zone `tz`?"""
    return window_check(state, when, tz, overrides=overrides, extra_holidays=extra_holidays) is None


def _open_hours(
    uf: str, window: Window, day: date, extra: Extra, zone: tzinfo
) -> tuple[datetime, datetime] | None:
    hours = None if closed_reason(uf, day, extra) else window.hours_on(day.weekday())
    if hours is None:
        return None
    return datetime.combine(day, hours[0], tzinfo=zone), datetime.combine(day, hours[1], zone)


def next_window_start(
    state: str | None,
    when: datetime,
    tz: tzinfo | str,
    *,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] | Extra = (),
) -> datetime:
    """The first moment at or after `when` at which contact is allowed, in zone `tz`.

    `when` itself (converted) when it is inside the window, so `within_window(when)` holds
    exactly when `next_window_start(when) == when`.
    """
    zone = as_tz(tz)
    moment = local(when, zone)
    uf = uf_of(state)
    window = window_for(uf, overrides)
    extra = _extra(extra_holidays)
    day = moment.date()
    for _ in range(SEARCH_DAYS):
        hours = _open_hours(uf, window, day, extra, zone)
        if hours is not None:
            if moment < hours[0]:
                return hours[0]
            if moment < hours[1]:
                return moment
        day += timedelta(days=1)
    raise ValueError(f"no calling window in the next {SEARCH_DAYS} days for {uf or 'UF?'}")


def open_blocks(
    state: str | None,
    start: datetime,
    tz: tzinfo | str,
    minutes: int,
    *,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] | Extra = (),
    days: int = SEARCH_DAYS,
) -> list[tuple[datetime, int]]:
    """The open stretches of the window from `start` on: (start in UTC, whole minutes), in
    order, until they add up to `minutes` or `days` days have passed."""
    zone = as_tz(tz)
    moment = local(start, zone).replace(microsecond=0)
    uf = uf_of(state)
    window = window_for(uf, overrides)
    extra = _extra(extra_holidays)
    blocks: list[tuple[datetime, int]] = []
    total = 0
    day = moment.date()
    for _ in range(days):
        hours = _open_hours(uf, window, day, extra, zone)
        if hours is not None and moment < hours[1]:
            begin = max(moment, hours[0])
            length = int((hours[1] - begin).total_seconds() // 60)
            if length > 0:
                blocks.append((begin.astimezone(UTC), length))
                total += length
                if total >= minutes:
                    break
        day += timedelta(days=1)
    return blocks


# --- the ISP's stored windows and holidays ---------------------------------------------------

CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Calendar:
    """The ISP's stored windows (by UF) and extra holidays (by UF and city key; the key ""
    is a state-wide holiday)."""

    windows: Mapping[str, Window] = field(default_factory=dict)
    holidays: Mapping[tuple[str, str], Mapping[date, str]] = field(default_factory=dict)

    def extra_for(self, state: str | None, city: str | None) -> dict[date, str]:
        """The extra closed days of a debtor in `city`/`state`: the state's and the city's."""
        uf = uf_of(state)
        days = dict(self.holidays.get((uf, ""), {}))
        key = city_key(city)
        if key:
            days.update(self.holidays.get((uf, key), {}))
        return days

    def municipal(self) -> set[tuple[str, str]]:
        """(UF, city key) of every city with a holiday of its own."""
        return {pair for pair in self.holidays if pair[1]}


_cached: tuple[float, Calendar] | None = None


def forget() -> None:
    """Drop the cached calendar (after a write, and between tests)."""
    global _cached
    _cached = None


def _hhmm(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def window_of_row(row: ContactWindow) -> Window:
    """A stored window ("HH:MM" texts) as a Window."""
    return Window(
        _hhmm(row.weekday_start),  # type: ignore[arg-type]
        _hhmm(row.weekday_end),  # type: ignore[arg-type]
        _hhmm(row.saturday_start),
        _hhmm(row.saturday_end),
    )


async def calendar() -> Calendar:
    """The stored windows and holidays (two small queries, then cached briefly)."""
    global _cached
    now = monotonic_time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    windows = {row.state: window_of_row(row) for row in await ContactWindow.all()}
    days: dict[tuple[str, str], dict[date, str]] = {}
    for day, state, key, name in await Holiday.all().values_list(
        "day", "state", "city_key", "name"
    ):
        days.setdefault((state, key), {})[day] = name
    found = Calendar(windows, days)
    _cached = (now, found)
    return found
