"""Janelas e feriados: each state's calling window, the ISP's extra holidays, and why the
contact gate refused or postponed a contact.

Times and dates are taken as text ("08:00", "2026-12-08") and checked by the service
(negotiation.contact_calendar), so a wrong value gets a pt-BR message naming the field."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel

from admin.schemas.base import Body, Out


class WindowHours(BaseModel):
    weekday_start: time
    weekday_end: time
    saturday_start: time | None = None  # None: no contact on Saturdays
    saturday_end: time | None = None


class WindowIn(Body):
    weekday_start: str | None = None
    weekday_end: str | None = None
    saturday_start: str | None = None  # both empty: no contact on Saturdays
    saturday_end: str | None = None


class WindowOut(WindowHours):
    """A state's window as the gate applies it, in the state's own zone."""

    state: str
    name: str
    zone: str
    custom: bool  # the ISP's own; False: DESIGN.md §7's default
    default: WindowHours

    @classmethod
    def of(cls, shown) -> WindowOut:
        hours = lambda w: {  # noqa: E731
            "weekday_start": w.weekday_start,
            "weekday_end": w.weekday_end,
            "saturday_start": w.saturday_start,
            "saturday_end": w.saturday_end,
        }
        return cls(
            state=shown.state,
            name=shown.name,
            zone=shown.zone,
            custom=shown.custom,
            default=WindowHours(**hours(shown.default)),
            **hours(shown.window),
        )


class HolidayIn(Body):
    day: str | None = None
    state: str | None = None
    city: str | None = None  # empty: the whole state
    name: str | None = None


class HolidayOut(Out):
    id: int
    day: date
    state: str
    city: str | None
    name: str


class RefusalOut(Out):
    """Why the contact gate last refused (retry_at None) or postponed a contact."""

    reason: str
    reason_label: str
    detail: str
    channel: str
    actor: str
    kind: str
    retry_at: datetime | None
    created_at: datetime
    rule_id: int | None
