"""Twilio's voice webhook form fields, read into what the dialog needs (`CallRequest`, the
answering-machine result, the status callback's time and duration). The dialog
(`negotiation.ivr`) never sees a form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from models.enums import CallDirection
from negotiation.voice_state import CallRequest


def call_request(form: Mapping[str, str], row_id: str | None = None) -> CallRequest:
    """The call a webhook is about. `row_id`: the dialer's row, named on the answer URL."""
    outbound = form.get("Direction", "inbound").startswith("outbound")
    return CallRequest(
        sid=form.get("CallSid", ""),
        direction=CallDirection.OUTBOUND if outbound else CallDirection.INBOUND,
        from_number=form.get("From") or "",
        to_number=form.get("To") or "",
        row_id=int(row_id) if row_id and row_id.isdigit() else None,
    )


def answered_by(form: Mapping[str, str]) -> str:
    """`AnsweredBy` of the asynchronous answering-machine detection: "human", "machine_start",
    "machine_end_beep", "fax", …; "unknown" when Twilio could not tell."""
    return form.get("AnsweredBy") or "unknown"


# `AnsweredBy` values that mean no person answered ("machine_start", "machine_end_beep",
# "machine_end_silence", "machine_end_other", "fax").
MACHINE_PREFIXES = ("machine", "fax")


def is_machine(answered_by: str | None) -> bool:
    """Whether Twilio's `AnsweredBy` value says a machine (or a fax) answered."""
    return bool(answered_by) and answered_by.lower().startswith(MACHINE_PREFIXES)  # type: ignore[union-attr]


def timestamp(value: str | None) -> datetime | None:
    """Twilio's `Timestamp` (RFC 2822, e.g. "Mon, 16 Nov 2026 17:00:12 +0000")."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# The largest count a callback may carry: an INTEGER column's. Twilio ends any call within a
# day (86,400 s); a bigger value is not a duration.
MAX_WHOLE_NUMBER = 2**31 - 1


def whole_number(value: str | None) -> int | None:
    """A count Twilio sends as text (`CallDuration`), or None: also for anything but plain
    ASCII digits, and for a value no column could hold."""
    if not value or not re.fullmatch(r"[0-9]{1,10}", value):
        return None
    number = int(value)
    return number if number <= MAX_WHOLE_NUMBER else None


# `DialCallStatus` values of a transfer nobody took: the attendants' line rang out, was busy,
# or could not be called. "completed" (someone answered) and "canceled" are not.
UNANSWERED_DIALS = frozenset({"no-answer", "busy", "failed"})


def dial_unanswered(form: Mapping[str, str]) -> bool:
    """Whether the `<Dial>` action's `DialCallStatus` says nobody took the transfer."""
    return (form.get("DialCallStatus") or "").lower() in UNANSWERED_DIALS
