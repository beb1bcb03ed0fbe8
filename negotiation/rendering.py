"""Jinja2 for everything a person reads or a partner receives (templates/ at the top level)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def brl(value: Decimal) -> str:
    """R$ 1.234,56"""
    return format_currency(value, "BRL", locale="pt_BR")


def decimal_br(value: Decimal) -> str:
    """1234,56: the number alone, as Brazilian spreadsheets read it."""
    return format_decimal(value, format="0.00", locale="pt_BR")


def date_br(value: date | datetime | None) -> str:
    """27/11/2026"""
    return "" if value is None else format_date(value, "dd/MM/yyyy", locale="pt_BR")


def csv_row(values: list[Any], delimiter: str = ";") -> str:
    """One CSV row, quoted as RFC 4180 says (the csv module does the quoting); the template's
    own line break ends it."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(values)
    return out.getvalue()


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
    env.filters.update(brl=brl, decimal_br=decimal_br, date_br=date_br, csv_row=csv_row)
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
