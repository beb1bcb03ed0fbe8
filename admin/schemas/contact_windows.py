"""Janelas e feriados: each state's calling window, the ISP's extra holidays, and why the
contact gate refused or postponed a contact.

Times and dates are taken as text ("08:00", "2026-12-08") and checked by the service
(negotiation.contact_calendar), so a wrong value gets a pt-BR message naming the field."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from admin.schemas.base import Body, LocalTime, Out, Short


class WindowHours(BaseModel):
    weekday_start: LocalTime
    weekday_end: LocalTime
    saturday_start: LocalTime | None = None  # None: no contact on Saturdays
    saturday_end: LocalTime | None = None


class WindowIn(Body):
    weekday_start: Short | None = None
    weekday_end: Short | None = None
    saturday_start: Short | None = None  # both empty: no contact on Saturdays
    saturday_end: Short | None = None


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
    day: Short | None = None
    state: Short | None = None
    city: Short | None = None  # empty: the whole state
    name: Short | None = None


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
