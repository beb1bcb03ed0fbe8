"""Jinja2 for everything a person reads or a partner receives (templates/ at the top level)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from negotiation.labels import label

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def brl(value: Decimal) -> str:
    """R$ 1.234,56"""
    return format_currency(value, "BRL", locale="pt_BR")


def decimal_br(value: Decimal, grouped: bool = False) -> str:
    """1234,56: the number alone, as Brazilian spreadsheets read it; `grouped`: 1.234,56."""
    return format_decimal(value, format="#,##0.00" if grouped else "0.00", locale="pt_BR")


def date_br(value: date | None) -> str:
    """27/11/2026, for a calendar date (a due date, a birth date). An instant has no date until
    it is placed in a zone, so a datetime is refused: format it with `local_time`."""
    if isinstance(value, datetime):
        raise TypeError("date_br takes a date; a datetime goes through local_time (its zone)")
    return "" if value is None else format_date(value, "dd/MM/yyyy", locale="pt_BR")


# How a person reads an instant (CLDR patterns, formatted by Babel): every date and time on a
# page, message, PDF or file name goes through `local_time` with one of these.
TIME_STYLES = {
    "datetime": "dd/MM/yyyy HH:mm",
    "seconds": "dd/MM/yyyy HH:mm:ss",
    "short": "dd/MM HH:mm",  # lists where the year goes without saying
    "date": "dd/MM/yyyy",
    "weekday": "EEEE, dd/MM",  # "sábado, 28/11": when the attendants are back
    "time": "HH:mm",
    "time_seconds": "HH:mm:ss",
    "file": "yyyyMMdd-HHmmss",  # file names: sortable, no separators a file system minds
}


def local_time(value: datetime | None, tz: tzinfo, style: str = "datetime") -> str:
    """An instant (stored in UTC) as read in the ISP's zone `tz` (Settings.tz): 22:05 of
    01/12 in São Paulo is 01:05 of 02/12 in UTC, and the debtor was there at 22:05."""
    if value is None:
        return ""
    if value.tzinfo is None:
        # A naive datetime has no instant to convert; guessing a zone would hide the bug.
        raise ValueError(f"local_time needs an aware datetime, got {value!r}")
    return format_datetime(value, TIME_STYLES[style], tzinfo=tz, locale="pt_BR")


@pass_context
def _when(context: Context, value: datetime | None, style: str = "datetime") -> str:
    """`{{ moment|when }}`, `{{ moment|when("date") }}`: `local_time` in the zone the renderer
    put in the context as `tz`; a template rendered without one fails instead of showing UTC."""
    tz = context.resolve_or_missing("tz")
    if not isinstance(tz, tzinfo):
        raise TypeError("the |when filter needs `tz` (the ISP's zone) in the template context")
    return local_time(value, tz, style)


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Numbers, or numbers separated by spaces: signs, digits, "." and "," only (an amount in pt-BR
# "-1.234,56", a phone in E.164 "+5519988887777", the agency file's phone list).
_NUMBERS = re.compile(r"[+-]?\d[\d.,]*(?: [+-]?\d[\d.,]*)*")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: the one guard of every CSV Quita writes.

    OWASP's CSV-injection rule: a text cell starting with = + - @ TAB or CR gets a leading
    single quote, so Excel/LibreOffice/Sheets show it as text instead of running it
    (`=HYPERLINK(...)`, `@SUM(...)`, DDE). The csv module then quotes any cell holding the
    delimiter, a quote or a line break, so a cell cannot spill into the next one.

    Decided by what the cell can hold, not by where it came from:
    - values that are not text (ints, Decimals, dates) are written as they are;
    - text made only of numbers (signs, digits, "." and ",", numbers separated by spaces)
      is written as it is: an amount we format in pt-BR ("-12,50") or a phone we store in
      E.164 ("+5519988887777") must stay a number for the reader, and nothing made of those
      characters can call a function or reach another cell;
    - every other text (names, addresses, notes, e-mails, ids, reasons quoting a cell)
      starting with a formula character is neutralised, whoever typed it.
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBERS.fullmatch(value):
        return value
    return "'" + value


def csv_row(values: list[Any], delimiter: str = ";") -> str:
    """One CSV row, quoted as RFC 4180 says (the csv module does the quoting), every cell
    through `spreadsheet_cell`; the template's own line break ends it."""
    out = io.StringIO()
    csv_writer(out, delimiter=delimiter, lineterminator="").writerow(values)
    return out.getvalue()


class _SafeWriter:
    """csv.writer whose every cell goes through `spreadsheet_cell`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, values: list[Any]) -> Any:
        return self._writer.writerow([spreadsheet_cell(v) for v in values])


def csv_writer(out: Any, **options: Any) -> _SafeWriter:
    """`csv.writer(out, **options)` for a file a person opens in a spreadsheet: the only way
    Quita writes CSV (reports, exports), so no cell goes out live."""
    return _SafeWriter(out, **options)


# C0 and C1 control characters (ESC starts the terminal's escape sequences) and the bidi
# overrides that reorder what a terminal shows.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_safe(text: str) -> str:
    """`text` for a terminal line: every control character shown as its Python escape
    (`\\x1b`, `\\n`, `\\u202e`) instead of being obeyed, so a cell of an imported file
    cannot clear the screen, retitle the window or fake another line."""
    return "".join(
        repr(ch)[1:-1] if ch in _BIDI or unicodedata.category(ch) == "Cc" else ch for ch in text
    )


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # text and CSV; the console's HTML environment escapes
        # Templates ship with the code: no stat() of the file before every render.
        auto_reload=False,
    )
    env.filters.update(
        brl=brl, decimal_br=decimal_br, date_br=date_br, when=_when, csv_row=csv_row, label=label
    )
    # `{{ label(code) }}` or `{{ code|label }}`: the pt-BR name of any code (negotiation/labels.py).
    env.globals["label"] = label
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


@lru_cache
def html_environment() -> Environment:
    """Pages a person opens in a browser: everything escaped."""
    env = environment().overlay(autoescape=True)
    return env


def render_html(name: str, **context: Any) -> str:
    return html_environment().get_template(name).render(**context)
