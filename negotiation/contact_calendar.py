"""The ISP's edits of the contact calendar (DESIGN.md §7): each state's calling window and the
extra (municipal or state-wide) holidays. Every write checks the permission, is audited, and
makes this process's gate read the calendar again (`contact_windows.forget`).

Values come as people type them ("08:00", "2026-12-08") or typed; what is wrong is refused
with a pt-BR sentence that names the field, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from tortoise.transactions import in_transaction

from models import ContactWindow, Holiday, User
from negotiation import audit
from negotiation.contact_windows import (
    BRASILIA,
    DEFAULT_WINDOWS,
    FALLBACK_WINDOW,
    STATES,
    Window,
    city_key,
    forget,
    uf_of,
    window_of_row,
    zone_for,
)
from negotiation.errors import Conflict, InvalidInput, NotFound
from negotiation.permissions import Permission, ensure


@dataclass(frozen=True)
class StateWindow:
    """A state's window as the gate applies it, and where it comes from."""

    state: str
    name: str
    zone: str  # the IANA zone the window is read in
    window: Window  # in force
    default: Window  # DESIGN.md §7's
    custom: bool  # the ISP stored its own


def _state(value: str | None) -> str:
    uf = uf_of(value)
    if uf not in STATES:
        raise InvalidInput(f"state: UF inválida «{value or ''}» (use a sigla, como SP ou AM)")
    return uf


def _time(value: time | str | None, field: str, *, required: bool) -> time | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field}: informe o horário (HH:MM)")
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{field}: horário inválido «{value}» (use HH:MM, como 08:00)") from None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def _day(value: date | str | None, field: str = "day") -> date:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    try:
        if "/" in text:
            d, m, y = text.split("/")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: data inválida «{text}» (use DD/MM/AAAA)") from None


def check_window(
    weekday_start: time | str | None,
    weekday_end: time | str | None,
    saturday_start: time | str | None = None,
    saturday_end: time | str | None = None,
) -> Window:
    """The window from what was typed, or InvalidInput saying what is wrong."""
    start = _time(weekday_start, "weekday_start", required=True)
    end = _time(weekday_end, "weekday_end", required=True)
    sat_start = _time(saturday_start, "saturday_start", required=False)
    sat_end = _time(saturday_end, "saturday_end", required=False)
    if not start < end:  # type: ignore[operator]
        raise InvalidInput("weekday_end: o fim deve ser depois do início (segunda a sexta)")
    if (sat_start is None) != (sat_end is None):
        field = "saturday_end" if sat_end is None else "saturday_start"
        raise InvalidInput(f"{field}: informe início e fim do sábado, ou nenhum (sem sábado)")
    if sat_start is not None and not sat_start < sat_end:  # type: ignore[operator]
        raise InvalidInput("saturday_end: o fim deve ser depois do início (sábado)")
    return Window(start, end, sat_start, sat_end)  # type: ignore[arg-type]


def _shown(uf: str, stored: ContactWindow | None) -> StateWindow:
    default = DEFAULT_WINDOWS.get(uf, FALLBACK_WINDOW)
    return StateWindow(
        state=uf,
        name=STATES[uf],
        zone=str(zone_for(uf, BRASILIA)),
        window=window_of_row(stored) if stored else default,
        default=default,
        custom=stored is not None,
    )


async def windows() -> list[StateWindow]:
    """Every state with its zone and the window in force, in UF order."""
    stored = {row.state: row for row in await ContactWindow.all()}
    return [_shown(uf, stored.get(uf)) for uf in STATES]


async def window(state: str) -> StateWindow:
    uf = _state(state)
    return _shown(uf, await ContactWindow.get_or_none(state=uf))


def _window_plain(w: Window) -> dict[str, str | None]:
    """The window as stored and audited: "HH:MM" texts (None: no Saturday)."""
    return {
        name: value.strftime("%H:%M") if value is not None else None
        for name, value in vars(w).items()
    }


async def set_window(
    user: User,
    state: str,
    weekday_start: time | str | None,
    weekday_end: time | str | None,
    saturday_start: time | str | None = None,
    saturday_end: time | str | None = None,
) -> StateWindow:
    """Store the state's window (replacing DESIGN.md §7's default or the last one)."""
    ensure(user, Permission.CONFIGURE)
    uf = _state(state)
    new = check_window(weekday_start, weekday_end, saturday_start, saturday_end)
    async with in_transaction() as conn:
        row = await ContactWindow.get_or_none(state=uf).using_db(conn)
        before = _window_plain(window_of_row(row)) if row else None
        fields = _window_plain(new)
        if row is None:
            row = await ContactWindow.create(state=uf, using_db=conn, **fields)
        else:
            await ContactWindow.filter(id=row.id).using_db(conn).update(**fields)
        await audit.record(
            user=user,
            action="update" if before else "create",
            entity="contact_window",
            entity_id=uf,
            before=before,
            after=_window_plain(new),
            using_db=conn,
        )
    forget()
    return await window(uf)


async def reset_window(user: User, state: str) -> StateWindow:
    """Back to DESIGN.md §7's default for the state."""
    ensure(user, Permission.CONFIGURE)
    uf = _state(state)
    async with in_transaction() as conn:
        row = await ContactWindow.get_or_none(state=uf).using_db(conn)
        if row is not None:
            await audit.record(
                user=user,
                action="delete",
                entity="contact_window",
                entity_id=uf,
                before=_window_plain(window_of_row(row)),
                using_db=conn,
            )
            await row.delete(using_db=conn)
    forget()
    return await window(uf)


async def holidays(state: str | None = None, since: date | str | None = None) -> list[Holiday]:
    """The stored holidays (of one state, from one day), by date."""
    query = Holiday.all()
    if state:
        query = query.filter(state=_state(state))
    if since is not None and since != "":
        query = query.filter(day__gte=_day(since, "since"))
    return await query.order_by("day", "state", "city", "id")


async def add_holiday(
    user: User, day: date | str | None, state: str, name: str, city: str | None = None
) -> Holiday:
    """A municipal holiday (`city` given) or a state-wide one. The same day, state and city
    twice is refused."""
    ensure(user, Permission.CONFIGURE)
    when = _day(day)
    uf = _state(state)
    label = " ".join((name or "").split())
    if not label:
        raise InvalidInput("name: informe o nome do feriado")
    if len(label) > 80:
        raise InvalidInput("name: no máximo 80 caracteres")
    town = " ".join((city or "").split()) or None
    if town is not None and len(town) > 80:
        raise InvalidInput("city: no máximo 80 caracteres")
    key = city_key(town)
    if await Holiday.exists(day=when, state=uf, city_key=key):
        where = f"{town}/{uf}" if town else uf
        raise Conflict(f"day: já existe um feriado em {when:%d/%m/%Y} para {where}")
    async with in_transaction() as conn:
        holiday = await Holiday.create(
            day=when, state=uf, city=town, city_key=key, name=label, using_db=conn
        )
        await audit.record(
            user=user,
            action="create",
            entity="holiday",
            entity_id=holiday.id,
            after=audit.snapshot(holiday),
            using_db=conn,
        )
    forget()
    return holiday


async def remove_holiday(user: User, holiday_id: int) -> None:
    ensure(user, Permission.CONFIGURE)
    async with in_transaction() as conn:
        holiday = await Holiday.get_or_none(id=holiday_id).using_db(conn)
        if holiday is None:
            raise NotFound(f"feriado {holiday_id} não existe")
        await audit.record(
            user=user,
            action="delete",
            entity="holiday",
            entity_id=holiday.id,
            before=audit.snapshot(holiday),
            using_db=conn,
        )
        await holiday.delete(using_db=conn)
    forget()
