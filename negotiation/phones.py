"""Brazilian phone numbers: one reading for storing and for looking up (E.164, `+5519988887777`).

`store_phone` is the strict rule for a number written into the database (an import, a form):
it refuses with a pt-BR reason what cannot be a Brazilian landline or mobile. `lookup_phone`
turns what a channel hands us (a Twilio caller ID or SMS From, a Telegram shared contact without
the `+`) into the same key, or None; it reads every form `store_phone` accepts to the very same
string, so a stored number is always found again. It is lenient about validity (a number the
metadata does not know still gets its key, as before) because it only looks up.

The reading is Google's libphonenumber (`phonenumbers`), whose Brazilian metadata knows Anatel's
area codes (DDD), the trunk prefix `0` and the carrier selection codes (`0 21 19 …`).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from negotiation.errors import InvalidInput

_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]+")
_KINDS = (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _parse(raw: str) -> PhoneNumber:
    """The number as written, or InvalidInput: not phone characters, foreign, wrong length."""
    if not _PHONE_CHARS.fullmatch(raw):
        raise InvalidInput(f"telefone {raw} tem caracteres que não são de telefone")
    digits = re.sub(r"\D", "", raw)
    # People write `0055` for +55; in Brazil's dialling plan 00 is followed by a carrier code
    # (55 is one), so libphonenumber reads `0055 19 …` as +1 9…: we keep the old reading.
    text = "+55" + digits[4:] if not raw.startswith("+") and digits.startswith("0055") else raw
    try:
        number = phonenumbers.parse(text, "BR")
    except NumberParseException:
        number = None
    if number is not None and number.country_code != 55:
        raise InvalidInput(f"telefone {raw} não é brasileiro (+55)")
    if number is None or len(str(number.national_number)) not in (10, 11):
        raise InvalidInput(
            f"telefone {raw} deve ter DDD e 8 dígitos (fixo) ou DDD e 9 dígitos (celular)"
        )
    return number


def _e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _area_code_exists(ddd: str) -> bool:
    # The metadata has no list of area codes, only patterns: a landline in that area
    # (`DDD 3333-3333`) is one exactly when the DDD is one of Anatel's (the same 67 codes the
    # hand-kept table had). Not merely valid: `0300 3333-3333` is a valid shared-cost number.
    sample = phonenumbers.parse(f"+55{ddd}33333333")
    return phonenumbers.number_type(sample) == PhoneNumberType.FIXED_LINE


def store_phone(text: str) -> str:
    """A Brazilian landline or mobile in E.164, or InvalidInput with the reason in pt-BR.

    Accepts punctuation, `+55`/`55`, the trunk `0` with or without a carrier code
    (`0 21 19 98888-7777`) and `0055`. Refuses foreign numbers, unknown area codes (DDD),
    wrong lengths, 9-digit numbers that do not start with 9, 8-digit mobiles missing the 9,
    and numbers that are not a landline or a mobile (0800, 4004…).
    """
    raw = text.strip()
    number = _parse(raw)
    national = str(number.national_number)
    ddd, local = national[:2], national[2:]
    kind = phonenumbers.number_type(number)
    # An 8-digit mobile (libphonenumber still knows the old 7xxx-xxxx ones) lost its place when
    # Anatel added the ninth digit in 2016: refused as before, with the same reason.
    if kind in _KINDS and not (len(local) == 8 and kind == PhoneNumberType.MOBILE):
        return _e164(number)
    if not _area_code_exists(ddd):
        raise InvalidInput(f"telefone {raw} tem DDD {ddd}, que não existe")
    if len(local) == 9 and local[0] != "9":
        raise InvalidInput(f"telefone {raw}: celular de 9 dígitos começa com 9")
    if len(local) == 8 and (kind == PhoneNumberType.MOBILE or local[0] in "6789"):
        raise InvalidInput(f"telefone {raw} parece celular sem o 9 na frente")
    raise InvalidInput(f"telefone {raw} não é um número possível")


def lookup_phone(text: str | None) -> str | None:
    """The key a channel's number is looked up by (E.164), or None when it is not Brazilian.

    Equal to `store_phone(text)` whenever that accepts the text.
    """
    try:
        return _e164(_parse((text or "").strip()))
    except InvalidInput:
        return None


def service_number(text: str) -> str:
    """The number the ISP publishes for debtors to call (a landline, a mobile, 0800, 4004…) in
    the national format people read ("(19) 3333-4444", "0800 123 4567"), or InvalidInput."""
    raw = text.strip()
    try:
        number = phonenumbers.parse(raw, "BR")
    except NumberParseException:
        number = None
    if number is None or number.country_code != 55 or not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"telefone {raw} não é um número de atendimento válido no Brasil")
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def national_format(e164: str) -> str:
    """A stored E.164 number as people read it: "(19) 98888-7777"."""
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)


def is_mobile(e164: str) -> bool:
    """A stored number (E.164) is a mobile (the dialer and SMS prefer one)."""
    return phonenumbers.number_type(phonenumbers.parse(e164)) == PhoneNumberType.MOBILE
