"""Money, counts, dates, times and phone numbers as a pt-BR voice says them: "cento e vinte
reais e cinquenta centavos", "duas parcelas", "trinta de novembro", "das oito às dezoito
horas", "um nove, três três três três, quatro quatro quatro quatro".

Text-to-speech reads "R$ 1.234,56", "2 parcelas" (as "dois"), "08:00" or "30/11" badly (or
in English); the robot calls say every figure in words, with the gender of what is counted.
The Jinja filters (`spoken_money`, `spoken_count`, `spoken_date`, …) are registered on the
templates' environment by `install_filters`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from babel.dates import format_date
from jinja2 import Environment
from num2words import num2words

_CENT = Decimal("0.01")
_MILLION = 1_000_000
# Masculine number words and their feminine ("duas parcelas", "duzentas e uma horas").
_FEMININE = {
    "um": "uma",
    "dois": "duas",
    **{
        f"{stem}entos": f"{stem}entas"
        for stem in ("duz", "trez", "quatroc", "quinh", "seisc", "setec", "oitoc", "novec")
    },
}
_DIGITS = ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"]


def number(value: int) -> str:
    """A whole number in pt-BR words ("mil duzentos e trinta e quatro": no commas, which the
    library puts after the thousands and which a voice would read as a pause)."""
    return num2words(int(value), lang="pt_BR").replace(",", "")


def feminine(value: int) -> str:
    """A count of feminine things: 2 → "duas", 21 → "vinte e uma", 200 → "duzentas" (up to
    the millions, which stay masculine: "dois milhões de parcelas")."""
    words = number(value).split()
    if abs(int(value)) >= _MILLION:
        return " ".join(words)
    return " ".join(_FEMININE.get(word, word) for word in words)


def count(value: int, singular: str, plural: str, *, female: bool = False) -> str:
    """ "uma conta", "duas parcelas", "trinta dias", "um pagamento": the number in words with
    the gender of the noun."""
    words = feminine(value) if female else number(value)
    return f"{words} {singular if int(value) == 1 else plural}"


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


def clock_time(value: time | datetime) -> str:
    """An hour of the day as said after "às"/"das": "oito horas", "oito e meia", "dezoito e
    quinze", "meia-noite", "meio-dia"; hours are feminine ("uma hora", "vinte e duas")."""
    hour, minute = value.hour, value.minute
    if value == time.max:  # "24:00"
        hour, minute = 0, 0
    if minute == 0:
        if hour == 0:
            return "meia-noite"
        if hour == 12:
            return "meio-dia"
        return count(hour, "hora", "horas", female=True)
    rest = "meia" if minute == 30 else number(minute)
    return f"{feminine(hour) if hour else 'zero'} e {rest}"


def _at(value: time | datetime, article: str) -> str:
    """ "às oito horas", "à uma hora", "ao meio-dia", "à meia-noite" ("das", "da", "do")."""
    text = clock_time(value)
    if text == "meio-dia":
        return f"{'ao' if article == 'a' else 'do'} {text}"
    plural = not text.startswith(("uma", "meia-noite"))
    prefix = {"a": "às" if plural else "à", "de": "das" if plural else "da"}[article]
    return f"{prefix} {text}"


def at_time(value: time | datetime) -> str:
    """ "às oito horas", "à uma hora", "ao meio-dia"."""
    return _at(value, "a")


def time_range(start: time, end: time) -> str:
    """ "das oito às dezoito horas": the unit once, at the end, as people say it."""
    first = _at(start, "de").removesuffix(" horas").removesuffix(" hora")
    return f"{first} {_at(end, 'a')}"


def weekday(value: date) -> str:
    """ "segunda-feira", "sábado"."""
    return format_date(value, "EEEE", locale="pt_BR")


def _interval(text: str) -> tuple[time, time] | None:
    """ "08:00-18:00" → (08:00, 18:00); "" → None (closed)."""
    if not text:
        return None
    ends = []
    for part in text.split("-"):
        hours, minutes = (int(x) for x in part.split(":"))
        ends.append(time.max if (hours, minutes) == (24, 0) else time(hours, minutes))
    return (ends[0], ends[1]) if ends[0] < ends[1] else None


def opening_hours(weekdays: str, saturdays: str) -> str:
    """The attendants' hours ("HH:MM-HH:MM" each, "" when closed) as said: "de segunda a
    sexta, das oito às dezoito horas, e aos sábados, das oito ao meio-dia"."""
    parts = []
    for label, text in (("de segunda a sexta", weekdays), ("aos sábados", saturdays)):
        interval = _interval(text)
        if interval:
            parts.append(f"{label}, {time_range(*interval)}")
    return ", e ".join(parts)


def opening(when: datetime, today: date) -> str:
    """When someone is next in, said from `today`: "hoje, às oito horas", "amanhã, sábado, às
    oito horas", "segunda-feira, trinta de novembro, às oito horas"."""
    clock = at_time(when.time())
    day = when.date()
    if day == today:
        return f"hoje, {clock}"
    if (day - today).days == 1:
        return f"amanhã, {weekday(day)}, {clock}"
    return f"{weekday(day)}, {spoken_date(day, today)}, {clock}"


def phone(number: str | None) -> str | None:
    """A phone number for a voice to read digit by digit, in words, in the groups people
    write it: "um nove, três três três três, quatro quatro quatro quatro"."""
    groups = _phone_groups(number)
    if groups is None:
        return None
    return ", ".join(" ".join(_DIGITS[int(d)] for d in g) for g in groups)


def _phone_groups(number: str | None) -> list[str] | None:
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
    return [g for g in groups if g]


def install_filters(env: Environment) -> None:
    env.filters.setdefault("spoken_money", money)
    env.filters.setdefault("spoken_date", spoken_date)
    env.filters.setdefault("spoken_number", number)
    env.filters.setdefault("spoken_phone", phone)
    env.filters.setdefault("spoken_count", count)
    env.filters.setdefault("spoken_feminine", feminine)
    env.filters.setdefault("spoken_at", at_time)
    env.filters.setdefault("spoken_weekday", weekday)
