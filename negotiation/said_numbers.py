"""Numbers said or typed in pt-BR words, for `negotiation.understanding`: "cento e cinquenta
e dois" → 152, "cinco dois nove" → the digits "529", "cem reais" → R$ 100,00."""

from __future__ import annotations

import re
from decimal import Decimal

from negotiation.amounts import typed_amount

UNITS = {
    "zero": 0,
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "meia": 6,  # "meia" is how Brazilians say a six in a string of digits
    "sete": 7,
    "oito": 8,
    "nove": 9,
}
TEENS_TENS = {
    "dez": 10,
    "onze": 11,
    "doze": 12,
    "treze": 13,
    "catorze": 14,
    "quatorze": 14,
    "quinze": 15,
    "dezesseis": 16,
    "dezessete": 17,
    "dezoito": 18,
    "dezenove": 19,
    "vinte": 20,
    "trinta": 30,
    "quarenta": 40,
    "cinquenta": 50,
    "sessenta": 60,
    "setenta": 70,
    "oitenta": 80,
    "noventa": 90,
}
HUNDREDS = {
    "cem": 100,
    "cento": 100,
    "duzentos": 200,
    "duzentas": 200,
    "trezentos": 300,
    "trezentas": 300,
    "quatrocentos": 400,
    "quatrocentas": 400,
    "quinhentos": 500,
    "quinhentas": 500,
    "seiscentos": 600,
    "seiscentas": 600,
    "setecentos": 700,
    "setecentas": 700,
    "oitocentos": 800,
    "oitocentas": 800,
    "novecentos": 900,
    "novecentas": 900,
}
NUMBER_WORDS = {**UNITS, **TEENS_TENS, **HUNDREDS}


def number_at(words: list[str], start: int) -> tuple[int, int] | None:
    """A number said in words (or digits) starting at `words[start]`: its value and the index
    after it. "cento e cinquenta e dois" → 152; "mil e duzentos" → 1200."""
    if start < len(words) and words[start].isdigit():
        return int(words[start]), start + 1
    total, current, i, seen, joined = 0, 0, start, False, True
    last = 10_000  # the place of the last word: each next one is smaller ("cento e vinte")
    while i < len(words):
        word = words[i]
        value = NUMBER_WORDS.get(word)
        if value is not None and joined and value < last:
            current += value
            last = 100 if value >= 100 else (10 if value >= 10 else 1)
            seen, joined = True, False
        elif word == "mil" and (seen or i == start):
            total += (current or 1) * 1000
            current, last, seen, joined = 0, 1000, True, True
        elif word == "e" and seen:
            joined = True
        else:
            break
        i += 1
    if not seen:
        return None
    if joined and words[i - 1] == "e":
        i -= 1  # a trailing "e" belongs to what follows ("cem reais e ...")
    return total + current, i


def small_number(words: list[str], start: int) -> int | None:
    found = number_at(words, start)
    return found[0] if found else None


def amount(text: str, raw: str) -> Decimal | None:
    """An amount of money: "R$ 150,00", "150 reais", "cento e cinquenta (reais)", "cem"."""
    money_words = re.search(r"\b(reais|real|conto|contos|pila)\b", text) is not None
    currency = "r$" in raw.lower()
    digits = re.search(r"\d[\d.,]*\d|\d", raw)
    if digits and (currency or money_words or re.search(r"\d[.,]\d{2}\b", raw)):
        amount = typed_amount(digits[0])
        if amount is not None:
            return amount
    words = text.split()
    for i, word in enumerate(words):
        if word not in NUMBER_WORDS and word != "mil":
            continue
        found = number_at(words, i)
        if found is None:
            continue
        value, after = found
        compound = after - i > 1 or word in HUNDREDS or word == "mil"
        if not (compound or money_words):
            return None
        reais = Decimal(value)
        rest = words[after:]
        if rest[:1] in (["reais"], ["real"]):
            rest = rest[1:]
        if (
            rest[:1] == ["e"]
            and (cents := number_at(rest, 1))
            and rest[cents[1] :][:1] == ["centavos"]
        ):
            reais += Decimal(cents[0]) / 100
        return reais.quantize(Decimal("0.01"))
    return None


def digits(words: list[str]) -> str:
    """Digits typed or said one by one: "cinco dois nove" → "529", "1 2 3" → "123"."""
    out = []
    for word in words:
        if word.isdigit():
            out.append(word)
        elif word in UNITS:
            out.append(str(UNITS[word]))
    return "".join(out)
