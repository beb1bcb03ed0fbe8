"""What a caller said, as the keys they could have pressed: "cinco dois nove" → "529",
"sim" → "1", "quero falar com atendente" → "0", "a quarta opção" → "4". Speech recognition
gives pt-BR words, understood by `negotiation.understanding` (the same understanding as the
chat's); the voice dialog only reads keys, so every question works the same spoken or typed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from negotiation.first_due import due_day_from_text
from negotiation.understanding import Intent, Shape, choose_offer, understand
from negotiation.understanding import plain as plain
from negotiation.understanding import said_digits as said_digits

PERSON_KEY = "0"
REPEAT_KEY = "9"
YES_KEY = "1"
NO_KEY = "2"


def keys(
    digits: str | None,
    speech: str | None,
    *,
    yes_no: bool,
    repeat: bool,
    repeat_key: str = REPEAT_KEY,
    offers: Sequence[Shape] | None = None,
    day: bool = False,
) -> str:
    """What the person pressed or said, as keys: "1", "529", "15000". Speech: digits said one
    by one ("cinco dois nove"), yes/no (1/2 where the question is `yes_no`; "não sou eu" is a
    no), a person (0), a repeat (where the question can be `repeat`ed: `repeat_key`, 9 unless
    the question gives 9 another meaning), an offer by its number, ordinal or installments
    (where `offers` are listed: their shapes), an amount as cents ("cento e cinquenta" →
    "15000"); where a `day` of the month was asked, that day only ("dia dez" → "10"; a "sim"
    is no day). "" when nothing usable came."""
    if digits:
        return re.sub(r"[^0-9*#]", "", digits).rstrip("#")
    if not plain(speech or ""):
        return ""
    heard = understand(speech)
    if heard.intent == Intent.PERSON:
        return PERSON_KEY
    if day:
        found = due_day_from_text(speech or "", bare=True)
        return "" if found is None else str(found)
    if heard.intent == Intent.REPEAT:
        return repeat_key if repeat else ""
    if yes_no:
        if heard.intent == Intent.YES:
            return YES_KEY
        if heard.intent in (Intent.NO, Intent.WRONG_PARTY):
            return NO_KEY
    if offers is not None and heard.intent in (Intent.OPTION, Intent.INSTALLMENTS):
        number = choose_offer(heard, offers)
        return "" if number is None else str(number)
    if heard.intent == Intent.OPTION and isinstance(heard.value, int) and heard.value > 0:
        return str(heard.value)
    if heard.intent == Intent.AMOUNT:
        return str(int(heard.value * 100))
    if heard.intent == Intent.DIGITS:
        return str(heard.value)
    return said_digits(speech)


def intent(speech: str | None) -> Intent:
    """What a caller's words mean, for the questions that go beyond keys ("já paguei")."""
    return understand(speech).intent
