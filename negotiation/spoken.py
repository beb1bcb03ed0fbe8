"""Money, dates and phone numbers as a pt-BR voice says them: "cento e vinte reais e
cinquenta centavos", "trinta de novembro", "primeiro de março de dois mil e vinte e sete",
"1 9, 3 3 3 3, 4 4 4 4".

Text-to-speech reads "R$ 1.234,56" or "30/11" badly (or in English); the robot calls say
every amount and date in words. Jinja filters `spoken_money` and `spoken_date` are
registered on the templates' environment by `install_filters`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from babel.dates import format_date
from jinja2 import Environment
from num2words import num2words

_CENT = Decimal("0.01")
_MILLION = 1_000_000


def number(value: int) -> str:
    """A whole number in pt-BR words ("mil duzentos e trinta e quatro": no commas, which the
    library puts after the thousands and which a voice would read as a pause)."""
    return num2words(int(value), lang="pt_BR").replace(",", "")


def money(value: Decimal | int | str) -> str:
    """Reais and centavos in words: "um real", "cinquenta centavos", "mil duzentos e trinta e
    quatro reais e cinquenta e seis centavos", "um milhão de reais"."""
    amount = Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        return "menos " + money(-amount)
    reais = int(amount)
    cents = int((amount - reais) * 100)
    parts = []
    if reais or not cents:
        unit = "real" if reais == 1 else "reais"
        if reais >= _MILLION and reais % _MILLION == 0:
            unit = "de reais"  # "um milhão de reais", like "dois milhões de reais"
        parts.append(f"{number(reais)} {unit}")
    if cents:
        parts.append(f"{number(cents)} {'centavo' if cents == 1 else 'centavos'}")
    return " e ".join(parts)


def day_month(value: date) -> str:
    """ "trinta de novembro"; the first day is "primeiro", as Brazilians say it."""
    day = "primeiro" if value.day == 1 else number(value.day)
    month = format_date(value, "MMMM", locale="pt_BR")
    return f"{day} de {month}"


def spoken_date(value: date, today: date | None = None) -> str:
    """ "trinta de novembro", with "de dois mil e vinte e sete" only when the year is not
    `today`'s (or always, without `today`)."""
    text = day_month(value)
    if today is None or value.year != today.year:
        text += f" de {number(value.year)}"
    return text


def phone(number: str | None) -> str | None:
    """A phone number for a voice to read digit by digit: "1 9, 3 3 3 3, 4 4 4 4"."""
    if not number:
        return None
    try:  # grouped as people write it: "(19) 3333-4444", "0800 123 4567", "4004-1234"
        parsed = phonenumbers.parse(number, "BR")
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        groups = re.findall(r"\d+", national)
    except phonenumbers.NumberParseException:
        groups = []
    if not groups:
        digits = re.sub(r"\D", "", number)
        groups = [digits[:2], digits[2:-4], digits[-4:]] if len(digits) > 6 else [digits]
    return ", ".join(" ".join(g) for g in groups if g)


def install_filters(env: Environment) -> None:
    env.filters.setdefault("spoken_money", money)
    env.filters.setdefault("spoken_date", spoken_date)
    env.filters.setdefault("spoken_number", number)
    env.filters.setdefault("spoken_phone", phone)
