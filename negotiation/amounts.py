"""Amounts people type, read one way everywhere: Babel's `parse_decimal`, plus our notation rules.

The notation (the README's "Data in" says the same to the people who prepare files):

- both `1234.56` and `1.234,56` (`1234,56`, `R$ 1.234,56`, `1,234.56`): the last separator
  is the decimal one when both appear; a lone one is decimal unless it is ambiguous;
- a single separator followed by exactly three digits (`1.234`, `1,234`) is ambiguous
  (thousands or decimal?) and refused; so are groups that are not of three (`12.34,56`);
- money has at most two places: a third one is refused, never rounded.

Who reads what: an import line (`parse_amount`), the debtor's typed down payment in the chat
(`typed_amount`), a console form field (`form_number`, which leaves what it cannot read to the
form's schema) and the voice's keypad, where digits are cents (`keypad_cents`: another input,
kept apart).
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal

from negotiation.errors import InvalidInput
from negotiation.money import CENT

MAX_AMOUNT = Decimal("999999999999.99")  # models.fields.money: 14 digits, 2 places
_NUMBER = re.compile(r"\d[\d.,]*\d|\d")
_CURRENCY = re.compile(r"(?i)^r\$\s*")


class Ambiguous(InvalidInput):
    """`1.234` or `1,234`: thousands or decimal? The text alone cannot tell."""


def parse_number(text: str, label: str = "valor") -> Decimal:
    """A non-negative number in either notation (see the module), or InvalidInput."""
    raw = text.strip()
    s = _CURRENCY.sub("", raw)
    bad = InvalidInput(f"{label} {raw} não é um valor: use 1234.56 ou 1.234,56")
    if not _NUMBER.fullmatch(s):
        raise bad
    dot, comma = s.count("."), s.count(",")
    if dot and comma:
        locale = "pt_BR" if s.rfind(",") > s.rfind(".") else "en_US"
    elif comma > 1:
        raise Ambiguous(f"{label} {raw} é ambíguo: use 1234567.00 ou 1.234.567,00")
    elif dot > 1:
        locale = "pt_BR"  # Brazilian thousands, no cents
    elif dot or comma:
        sep = "." if dot else ","
        whole, cents = s.split(sep)
        if len(cents) == 3 and whole != "0":
            raise Ambiguous(
                f"{label} {raw} é ambíguo (milhar ou decimal?): "
                f"escreva {whole}{cents}.00 ou {whole}{sep}{cents[:2]} com 2 casas"
            )
        locale = "en_US" if dot else "pt_BR"
    else:
        locale = "pt_BR"
    try:
        # strict: the thousands groups must be groups of three (`12.34,56` is refused).
        return parse_decimal(s, locale=locale, strict=True)
    except NumberFormatError:
        raise bad from None


def parse_amount(text: str, label: str = "amount") -> Decimal:
    """A positive amount in reais, two places: `1234.56`, `1.234,56`, `R$ 99,90`, `1,234.56`.

    Refuses ambiguous text and cents beyond the second place (an import never rounds a debt).
    """
    raw = text.strip()
    if _CURRENCY.sub("", raw).startswith("-"):
        raise InvalidInput(f"{label} {raw} deve ser maior que zero")
    value = parse_number(raw, label)
    if value != value.quantize(CENT):
        raise InvalidInput(f"{label} {raw} tem mais de 2 casas decimais")
    value = value.quantize(CENT)
    if value <= 0:
        raise InvalidInput(f"{label} {raw} deve ser maior que zero")
    if value > MAX_AMOUNT:
        raise InvalidInput(f"{label} {raw} é grande demais")
    return value


def typed_amount(text: str) -> Decimal | None:
    """An amount a person typed in a chat (`150`, `150,50`, `R$ 1.234,56`), or None.

    Zero is an amount here (the caller says it is below the minimum); spaces are ignored.
    """
    try:
        value = parse_number(re.sub(r"\s", "", text))
    except InvalidInput:
        return None
    return value.quantize(CENT) if value == value.quantize(CENT) else None


def form_number(text: str) -> str:
    """A console field as typed (`1.234,56`, `2,5%`, `R$ 99,90`) → `1234.56` for the schema.

    A form's rates have more places than money (`0,033`), so a lone separator there is the
    decimal one (`1,234` → `1.234`, as before); text that is no number is handed on as typed
    (without spaces, `R$` and `%`) for the schema to refuse with its own message.
    """
    s = _CURRENCY.sub("", re.sub(r"\s|%", "", text))
    sign, digits = ("-", s[1:]) if s.startswith("-") else ("", s)  # the schema refuses it
    try:
        return sign + str(parse_number(digits))
    except Ambiguous:
        return s.replace(",", ".") if s.count(",") == 1 else s
    except InvalidInput:
        return s


def keypad_cents(keys: str) -> Decimal:
    """Digits pressed on a phone's keypad, read as cents: `15050` → 150.50."""
    return (Decimal(int(keys)) / 100).quantize(CENT)
