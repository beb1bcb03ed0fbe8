"""Generic cell values: dates, date-times and the cells of one row (absent, empty or text).

Each parser raises InvalidInput with a pt-BR reason (also useful to other callers); amounts
are `negotiation.amounts.parse_amount`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from negotiation.errors import InvalidInput

T = TypeVar("T")

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_BR_DATETIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_date(text: str, label: str = "data") -> date:
    """`2024-03-05` or `05/03/2024` (years 1900–2100)."""
    text = text.strip()
    if m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _BR_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise InvalidInput(f"{label} {text} não é uma data: use AAAA-MM-DD ou DD/MM/AAAA")
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{label} {text} não existe no calendário") from None
    if not 1900 <= year <= 2100:
        raise InvalidInput(f"{label} {text} está fora de 1900–2100")
    return value


def parse_datetime(text: str, tz: ZoneInfo, label: str = "data") -> datetime:
    """A date (midnight in `tz`) or a date and time; without an offset, the time is in `tz`."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text) or _BR_DATE.fullmatch(text):
        return datetime.combine(parse_date(text, label), time(0), tz).astimezone(UTC)
    if m := _BR_DATETIME.fullmatch(text):
        day, month, year, hour, minute = (int(g) for g in m.groups()[:5])
        second = int(m.group(6) or 0)
        try:
            value = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise InvalidInput(f"{label} {text} não existe no calendário") from None
    else:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{label} {text} não é uma data: use AAAA-MM-DD, DD/MM/AAAA "
                "ou AAAA-MM-DD HH:MM (DD/MM/AAAA HH:MM)"
            ) from None
    if not 1900 <= value.year <= 2100:
        raise InvalidInput(f"{label} {text} está fora de 1900–2100")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


class _Absent:
    """A column that is not in the row: the stored value stays."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise InvalidInput("verdadeiro/falso não é um valor aceito aqui")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{value} não é um número")
        return repr(value)
    raise InvalidInput(f"um valor do tipo {type(value).__name__} não é aceito aqui")


class Cells:
    """The cells of one row, with the problems found so far."""

    def __init__(self, row: Any) -> None:
        self.problems: list[str] = []
        self.row: dict[str, Any] = {}
        if not isinstance(row, Mapping):
            return
        self.row = {
            str(k).strip().lower(): v for k, v in row.items() if k is not None and str(k).strip()
        }
        extra = getattr(row, "extra", ())
        if extra:
            self.problems.append(
                f"a linha tem {len(extra)} valor(es) a mais que as colunas do cabeçalho "
                f"({'; '.join(extra[:3])}): confira o separador e as aspas"
            )

    def present(self, column: str) -> bool:
        return column in self.row

    def filled(self, column: str) -> bool:
        """The column is there and its cell is not blank."""
        value = self.row.get(column)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        """The trimmed text of a cell ("" when absent or empty); records what is wrong."""
        try:
            text = as_text(self.row.get(column))
        except InvalidInput as exc:
            self.problems.append(f"{column}: {exc}")
            return ""
        if "\x00" in text:
            self.problems.append(f"{column} tem um caractere nulo")
            return ""
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.problems.append(f"{column} tem caracteres inválidos")
                return ""
        if required and not text:
            self.problems.append(f"{column} é obrigatório")
        if max_length is not None and len(text) > max_length:
            self.problems.append(f"{column} tem {len(text)} caracteres (máximo {max_length})")
            return ""
        return text

    def optional(self, column: str, max_length: int | None = None) -> Any:
        """ABSENT, None (present but empty) or the text."""
        if not self.present(column):
            return ABSENT
        return self.text(column, max_length=max_length) or None

    def parsed(self, column: str, parse: Callable[[str], T], *, required: bool = False) -> Any:
        """ABSENT, None, or `parse(text)`; a parse error becomes a problem (and None)."""
        if not self.present(column) and not required:
            return ABSENT
        text = self.text(column, required=required)
        if not text:
            return None
        try:
            return parse(text)
        except InvalidInput as exc:
            self.problems.append(str(exc))
            return None
