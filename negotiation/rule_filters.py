"""A collection rule's filters: what each field and operator accept, checked once for the API,
the console and the run (DESIGN.md §4), with their pt-BR names for messages and logs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency, format_decimal

from models import RuleFilter
from models.enums import FilterField, FilterOperator
from negotiation.errors import InvalidInput

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_DAYS = 100_000  # ~270 years: any real "days late" fits
MAX_LIST = 1_000  # values of an `in` / `not in` filter
MAX_TEXT = 255


TEXT, INT, MONEY, DATE = "text", "int", "money", "date"

_FIELDS: dict[FilterField, tuple[str, str]] = {  # field: (label, kind)
    FilterField.CITY: ("cidade", TEXT),
    FilterField.STATE: ("UF", TEXT),
    FilterField.PLAN: ("plano", TEXT),
    FilterField.CUSTOMER_STATUS: ("situação do cliente", TEXT),
    FilterField.BILLING_METHOD: ("forma de cobrança", TEXT),
    FilterField.DUE_DATE: ("vencimento", DATE),
    FilterField.DAYS_LATE: ("dias de atraso", INT),
    FilterField.AMOUNT: ("valor da conta", MONEY),
    FilterField.TOTAL_DEBT: ("dívida total", MONEY),
    FilterField.OPEN_COUNT: ("contas em aberto", INT),
}

_OPERATORS: dict[FilterOperator, str] = {
    FilterOperator.EQ: "=",
    FilterOperator.NE: "≠",
    FilterOperator.IN: "em",
    FilterOperator.NOT_IN: "não em",
    FilterOperator.LT: "<",
    FilterOperator.LE: "≤",
    FilterOperator.GT: ">",
    FilterOperator.GE: "≥",
    FilterOperator.BETWEEN: "entre",
    FilterOperator.CONTAINS: "contém",
}

LIST_OPS = (FilterOperator.IN, FilterOperator.NOT_IN)
_ORDER_OPS = (
    FilterOperator.LT,
    FilterOperator.LE,
    FilterOperator.GT,
    FilterOperator.GE,
    FilterOperator.BETWEEN,
)
_ALLOWED: dict[str, tuple[FilterOperator, ...]] = {
    TEXT: (FilterOperator.EQ, FilterOperator.NE, *LIST_OPS, FilterOperator.CONTAINS),
    INT: (FilterOperator.EQ, FilterOperator.NE, *LIST_OPS, *_ORDER_OPS),
    MONEY: (FilterOperator.EQ, FilterOperator.NE, *LIST_OPS, *_ORDER_OPS),
    DATE: (FilterOperator.EQ, FilterOperator.NE, *LIST_OPS, *_ORDER_OPS),
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CheckedFilter:
    """A filter whose value was checked and normalised (str / int / Decimal / date, or lists)."""

    field: FilterField
    operator: FilterOperator
    value: Any

    def describe(self) -> str:
        label, kind = _FIELDS[self.field]
        op = _OPERATORS[self.operator]
        if self.operator == FilterOperator.BETWEEN:
            low, high = self.value
            return f"{label} entre {show_value(low, kind)} e {show_value(high, kind)}"
        if self.operator in LIST_OPS:
            return f"{label} {op} {', '.join(show_value(v, kind) for v in self.value)}"
        return f"{label} {op} {show_value(self.value, kind)}"


class _Bad(Exception):
    """A value problem; `check_filter` adds the filter's name to the message."""


def check_filter(field: Any, operator: Any, value: Any, *, name: str = "filtro") -> CheckedFilter:
    """Check a filter line and normalise its value; raise InvalidInput naming the filter.

    `name` is how the message calls the filter ("filtro 2"). The configuration endpoints can
    call this to refuse a bad filter before it is stored.
    """
    try:
        fld = FilterField(field)
    except ValueError:
        known = ", ".join(f.value for f in FilterField)
        raise InvalidInput(f"{name}: campo {field!r} desconhecido; use um de: {known}") from None
    label, kind = _FIELDS[fld]
    try:
        op = FilterOperator(operator)
    except ValueError:
        known = ", ".join(o.value for o in FilterOperator)
        raise InvalidInput(
            f"{name} ({label}): operador {operator!r} desconhecido; use um de: {known}"
        ) from None
    where = f"{name} ({label} {_OPERATORS[op]})"
    if op not in _ALLOWED[kind]:
        usable = ", ".join(_OPERATORS[o] for o in _ALLOWED[kind])
        raise InvalidInput(f"{where}: operador não se aplica a este campo; use {usable}")
    try:
        if op == FilterOperator.BETWEEN:
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise _Bad("informe uma lista com dois valores [mínimo, máximo]")
            low, high = (_scalar(v, kind) for v in value)
            if low > high:
                raise _Bad("o primeiro valor deve ser menor ou igual ao segundo")
            normalised: Any = (low, high)
        elif op in LIST_OPS:
            if not isinstance(value, list | tuple) or not value:
                raise _Bad("informe uma lista com pelo menos um valor")
            if len(value) > MAX_LIST:
                raise _Bad(f"no máximo {MAX_LIST} valores na lista")
            normalised = tuple(dict.fromkeys(_scalar(v, kind) for v in value))
        else:
            if isinstance(value, list | tuple | dict):
                raise _Bad("informe um único valor, não uma lista")
            normalised = _scalar(value, kind)
            if op == FilterOperator.CONTAINS:
                normalised = normalised.lower()  # as SQL LOWER() does
    except _Bad as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    return CheckedFilter(fld, op, normalised)


def _scalar(value: Any, kind: str) -> Any:
    if kind == TEXT:
        if not isinstance(value, str) or not value.strip():
            raise _Bad("informe um texto não vazio")
        if len(value.strip()) > MAX_TEXT:
            raise _Bad(f"texto com mais de {MAX_TEXT} caracteres")
        return value.strip()
    if kind == INT:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"informe um número inteiro, não {value!r}")
        if not 0 <= value <= MAX_DAYS:
            raise _Bad(f"informe um inteiro entre 0 e {format_decimal(MAX_DAYS, locale='pt_BR')}")
        return value
    if kind == MONEY:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise _Bad(f"informe um valor em reais como 1234.56, não {value!r}")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise _Bad(f"informe um valor em reais como 1234.56, não {value!r}") from None
        if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
            raise _Bad(f"valor fora do intervalo de 0 a {plain_brl(MAX_MONEY)}")
        if amount != amount.quantize(CENT):
            raise _Bad(f"use no máximo duas casas decimais em {value!r}")
        return amount.quantize(CENT)
    # DATE
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise _Bad(f"informe a data no formato AAAA-MM-DD, não {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(f"a data {value!r} não existe") from None


def check_filters(filters: Sequence[RuleFilter]) -> list[CheckedFilter]:
    """A rule's stored filters, checked in their order ("filtro 1" is the first)."""
    return [
        check_filter(f.field, f.operator, f.value, name=f"filtro {n}")
        for n, f in enumerate(filters, start=1)
    ]


# ---------------------------------------------------------------------------------------------
# SQL building: markers {pN} become ?N (SQLite), $N (asyncpg) or %s (psycopg) at the end.


# How filter values and amounts read in messages and the run log.


def plain_brl(amount: Decimal) -> str:
    return format_currency(amount, "BRL", locale="pt_BR").replace("\xa0", " ")


def count_of(n: int, singular: str = "", plural: str = "") -> str:
    """1.234 (with the noun when given: "1 entrada", "2 entradas")."""
    text = format_decimal(n, locale="pt_BR")
    noun = singular if n == 1 else plural
    return f"{text} {noun}" if noun else text


def show_value(value: Any, kind: str) -> str:
    if kind == MONEY:
        return plain_brl(value)
    if kind == DATE:
        return f"{value:%d/%m/%Y}"
    if kind == INT:
        return count_of(value)
    return f"“{value}”"
