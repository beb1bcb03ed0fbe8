"""PIX BR Code: Banco Central's EMV QR Code (MPM) layout, built and parsed. No I/O.

A payload is a run of TLV fields: a 2-digit ID, a 2-digit length and the value. The last
field is `63` (CRC16-CCITT-FALSE over everything before it, `6304` included). Field rules
follow the "Manual de Padrões para Iniciação do Pix": merchant name up to 25 characters,
city up to 15, amount up to 13 ("123.45"), txid up to 25 alphanumerics ("***" when none),
the merchant account template 26 (GUI `br.gov.bcb.pix`, then the key `01` and an optional
description `02`, or the location URL `25` of a dynamic code) at most 99 characters.

Texts are ASCII: accents are removed on purpose; what still is not printable ASCII is
rejected. A name or city that is too long is rejected, or, when asked (`shorten=True`),
shortened at a word boundary; it is never cut mid-word.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from negotiation.errors import InvalidInput

GUI = "br.gov.bcb.pix"
NAME_MAX = 25
CITY_MAX = 15
TXID_MAX = 25
AMOUNT_MAX = 13
TEMPLATE_MAX = 99
NO_TXID = "***"

_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_TXID = re.compile(r"[A-Za-z0-9]{1,25}")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_EVP = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EMAIL = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+"
)
_PHONE = re.compile(r"\+55[1-9]{2}[0-9]{8,9}")
_URL = re.compile(r"[\x21-\x7e]+")
_DIGITS4 = re.compile(r"[0-9]{4}")

# Top-level IDs: 02-51 are merchant account templates (26 is PIX), 55-57 tip/convenience
# fee, 64 the alternate-language template, 80-99 unreserved templates. 65-79 are reserved.
_ACCOUNT_IDS = {f"{i:02d}" for i in range(2, 52)}
_KNOWN_IDS = (
    {"00", "01", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64"}
    | _ACCOUNT_IDS
    | {f"{i:02d}" for i in range(80, 100)}
)


@dataclass(frozen=True)
class PixPayload:
    """The fields of a BR Code, as written in it (amount as `Decimal`)."""

    name: str
    city: str
    key: str | None = None
    url: str | None = None
    description: str | None = None
    amount: Decimal | None = None
    txid: str = NO_TXID
    point_of_initiation: str | None = None
    postal_code: str | None = None
    gui: str = GUI
    payload_format: str = "01"
    merchant_category_code: str = "0000"
    currency: str = "986"
    country: str = "BR"
    crc: str | None = None
    # Fields this module does not interpret, kept to re-encode: "27" (top level),
    # "26.03" (inside the merchant account template), "62.50" (inside additional data).
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def dynamic(self) -> bool:
        return self.url is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the amount as a string ("123.45")."""
        return {
            "dynamic": self.dynamic,
            "payload_format": self.payload_format,
            "point_of_initiation": self.point_of_initiation,
            "gui": self.gui,
            "key": self.key,
            "key_type": key_type(self.key) if self.key is not None else None,
            "description": self.description,
            "url": self.url,
            "merchant_category_code": self.merchant_category_code,
            "currency": self.currency,
            "amount": str(self.amount) if self.amount is not None else None,
            "country": self.country,
            "name": self.name,
            "city": self.city,
            "postal_code": self.postal_code,
            "txid": self.txid,
            "crc": self.crc,
            "extra": dict(self.extra),
        }


# --- CRC ---------------------------------------------------------------------------------


def crc16(data: str) -> str:
    """CRC16-CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


# --- keys --------------------------------------------------------------------------------


def _mod11_digits(digits: str, weights: list[int]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def _valid_cpf(digits: str) -> bool:
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    first = _mod11_digits(digits[:9], list(range(10, 1, -1)))
    second = _mod11_digits(digits[:10], list(range(11, 1, -1)))
    return digits[9:] == f"{first}{second}"


def _valid_cnpj(digits: str) -> bool:
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _mod11_digits(digits[:12], weights)
    second = _mod11_digits(digits[:13], [6, *weights])
    return digits[12:] == f"{first}{second}"


def key_type(key: str) -> str | None:
    """ "cpf", "cnpj", "email", "phone" or "evp" for a key as written in a code; else None."""
    if re.fullmatch(r"[0-9]{11}", key) and _valid_cpf(key):
        return "cpf"
    if re.fullmatch(r"[0-9]{14}", key) and _valid_cnpj(key):
        return "cnpj"
    if _PHONE.fullmatch(key):
        return "phone"
    if _EVP.fullmatch(key):
        return "evp"
    if len(key) <= 77 and _EMAIL.fullmatch(key):
        return "email"
    return None


def normalize_key(key: str) -> str:
    """The key as it goes in the code: CPF/CNPJ digits only, e-mail and EVP in lowercase.

    CPF and CNPJ check digits are verified; a phone must be `+55`, DDD and number.
    """
    text = key.strip()
    if re.fullmatch(r"[0-9.\-/ ]+", text):
        digits = re.sub(r"[^0-9]", "", text)
        if len(digits) == 11:
            if not _valid_cpf(digits):
                raise InvalidInput(f"key: {key!r} is not a valid CPF (check digits)")
            return digits
        if len(digits) == 14:
            if not _valid_cnpj(digits):
                raise InvalidInput(f"key: {key!r} is not a valid CNPJ (check digits)")
            return digits
        raise InvalidInput(f"key: {key!r} is neither a CPF (11 digits) nor a CNPJ (14 digits)")
    if text.startswith("+"):
        phone = re.sub(r"[\s()\-]", "", text)
        if not _PHONE.fullmatch(phone):
            raise InvalidInput(f"key: {key!r} is not a phone as +55, DDD and 8 or 9 digits")
        return phone
    lowered = text.lower()
    if _EVP.fullmatch(lowered):
        return lowered
    if "@" in lowered:
        if len(lowered) > 77 or not _EMAIL.fullmatch(lowered):
            raise InvalidInput(f"key: {key!r} is not a valid e-mail key (up to 77 characters)")
        return lowered
    raise InvalidInput(
        f"key: {key!r} is not a PIX key (CPF, CNPJ, e-mail, +55 phone or random key)"
    )


# --- texts -------------------------------------------------------------------------------


def ascii_text(value: str, field_name: str) -> str:
    """Accents removed on purpose, spaces collapsed; anything else non-ASCII is rejected."""
    decomposed = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = " ".join(text.split())
    bad = sorted({ch for ch in text if not _PRINTABLE.fullmatch(ch)})
    if bad:
        raise InvalidInput(
            f"{field_name}: {value!r} has characters a PIX code cannot carry: {''.join(bad)!r}"
        )
    return text


def shorten_at_word(text: str, limit: int) -> str | None:
    """The longest run of whole words that fits in `limit`; None if the first word doesn't."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip() if " " in text[: limit + 1] else ""
    return cut or None


def _bounded_text(value: str, field_name: str, limit: int, shorten: bool) -> str:
    text = ascii_text(value, field_name)
    if not text:
        raise InvalidInput(f"{field_name}: must not be empty")
    if len(text) <= limit:
        return text
    if not shorten:
        raise InvalidInput(
            f"{field_name}: {text!r} has {len(text)} characters, the limit is {limit}"
            " (ask to shorten it at a word boundary)"
        )
    short = shorten_at_word(text, limit)
    if short is None:
        raise InvalidInput(
            f"{field_name}: {text!r} cannot be shortened to {limit} characters at a word boundary"
        )
    return short


def _amount(amount: Decimal | int | str | None) -> Decimal | None:
    if amount is None:
        return None
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        raise InvalidInput(f"amount: {amount!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"amount: {amount!r} must be more than zero")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"amount: {amount!r} has more than two decimal places")
    value = value.quantize(Decimal("0.01"))
    if len(str(value)) > AMOUNT_MAX:
        raise InvalidInput(f"amount: {amount!r} does not fit in {AMOUNT_MAX} characters")
    return value


# --- encoding ----------------------------------------------------------------------------


def _tlv(field_id: str, value: str) -> str:
    if len(value) > TEMPLATE_MAX:
        raise InvalidInput(f"field {field_id}: {len(value)} characters, the limit is 99")
    return f"{field_id}{len(value):02d}{value}"


def _template(fields: dict[str, str]) -> str:
    return "".join(_tlv(i, v) for i, v in sorted(fields.items()))


def encode(p: PixPayload) -> str:
    """The payload of `p`, fields in ascending ID order, CRC last (recomputed)."""
    account: dict[str, str] = {"00": p.gui}
    additional: dict[str, str] = {"05": p.txid}
    top: dict[str, str] = {}
    for key, value in p.extra.items():
        outer, _, inner = key.partition(".")
        if outer == "26" and inner:
            account[inner] = value
        elif outer == "62" and inner:
            additional[inner] = value
        else:
            top[outer] = value
    if p.key is not None:
        account["01"] = p.key
    if p.description is not None:
        account["02"] = p.description
    if p.url is not None:
        account["25"] = p.url
    top.update(
        {
            "00": p.payload_format,
            "26": _template(account),
            "52": p.merchant_category_code,
            "53": p.currency,
            "58": p.country,
            "59": p.name,
            "60": p.city,
            "62": _template(additional),
        }
    )
    if p.point_of_initiation is not None:
        top["01"] = p.point_of_initiation
    if p.amount is not None:
        top["54"] = str(p.amount)
    if p.postal_code is not None:
        top["61"] = p.postal_code
    body = _template(top) + "6304"
    return body + crc16(body)


def build_static(
    key: str,
    name: str,
    city: str,
    amount: Decimal | int | str | None = None,
    txid: str | None = None,
    description: str | None = None,
    *,
    shorten: bool = False,
) -> str:
    """A static code for `key`; `txid` up to 25 letters and digits ("***" when None)."""
    pix_key = normalize_key(key)
    if txid is None or txid == NO_TXID:
        txid = NO_TXID
    elif not _TXID.fullmatch(txid):
        raise InvalidInput(f"txid: {txid!r} must be 1 to 25 letters and digits (A-Z, a-z, 0-9)")
    desc = None
    if description is not None:
        desc = ascii_text(description, "description") or None
        room = TEMPLATE_MAX - (4 + len(GUI)) - (4 + len(pix_key)) - 4
        if desc is not None and len(desc) > room:
            raise InvalidInput(
                f"description: {desc!r} has {len(desc)} characters; with this key at most"
                f" {max(room, 0)} fit"
            )
    return encode(
        PixPayload(
            key=pix_key,
            description=desc,
            name=_bounded_text(name, "name", NAME_MAX, shorten),
            city=_bounded_text(city, "city", CITY_MAX, shorten),
            amount=_amount(amount),
            txid=txid,
        )
    )


def build_dynamic(
    location_url: str,
    name: str,
    city: str,
    amount: Decimal | int | str | None = None,
    *,
    shorten: bool = False,
) -> str:
    """A dynamic code (point of initiation 12) for a PSP's location, without "https://"."""
    location = location_url.strip()
    if location.lower().startswith("https://"):
        location = location[len("https://") :]
    elif "://" in location:
        raise InvalidInput(f"location: {location_url!r} must be an https URL")
    room = TEMPLATE_MAX - (4 + len(GUI)) - 4
    if not location or not _URL.fullmatch(location) or len(location) > room:
        raise InvalidInput(
            f"location: {location_url!r} must be printable ASCII without spaces, up to"
            f" {room} characters without https://"
        )
    return encode(
        PixPayload(
            url=location,
            name=_bounded_text(name, "name", NAME_MAX, shorten),
            city=_bounded_text(city, "city", CITY_MAX, shorten),
            amount=_amount(amount),
            point_of_initiation="12",
        )
    )


# --- parsing -----------------------------------------------------------------------------


def _fields(data: str, where: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        head = data[pos : pos + 4]
        if len(head) < 4 or not _DIGITS4.fullmatch(head):
            raise InvalidInput(f"{where}: expected an ID and a length at position {pos}")
        field_id, length = head[:2], int(head[2:])
        value = data[pos + 4 : pos + 4 + length]
        if len(value) < length:
            raise InvalidInput(
                f"{where}: field {field_id} says {length} characters but only {len(value)} are left"
            )
        if field_id in fields:
            raise InvalidInput(f"{where}: field {field_id} appears twice")
        fields[field_id] = value
        pos += 4 + length
    return fields


def _require(fields: dict[str, str], field_id: str, what: str, where: str = "payload") -> str:
    if field_id not in fields:
        raise InvalidInput(f"{where}: missing field {field_id} ({what})")
    return fields[field_id]


def parse(payload: str) -> PixPayload:
    """The fields of a BR Code; InvalidInput says what is wrong (CRC, lengths, fields)."""
    text = payload.strip()
    if not _PRINTABLE.fullmatch(text):
        raise InvalidInput("payload: only printable ASCII characters are allowed")
    if len(text) < 8 or text[-8:-4] != "6304":
        raise InvalidInput("payload: does not end with the CRC field (6304 and 4 hex digits)")
    expected, got = crc16(text[:-4]), text[-4:]
    if expected != got:
        raise InvalidInput(f"CRC esperado {expected}, veio {got}")
    fields = _fields(text, "payload")
    if next(iter(fields)) != "00" or fields["00"] != "01":
        raise InvalidInput("payload: must start with field 00 (payload format) = 01")
    unknown = sorted(set(fields) - _KNOWN_IDS)
    if unknown:
        raise InvalidInput(f"payload: field {unknown[0]} is not part of the BR Code layout")
    extra = {i: v for i, v in fields.items() if i in _KNOWN_IDS and _is_extra(i)}

    poi = fields.get("01")
    if poi is not None and poi not in ("11", "12"):
        raise InvalidInput(f"field 01 (point of initiation): {poi!r} must be 11 or 12")

    account = _fields(_require(fields, "26", "PIX merchant account"), "field 26")
    gui = _require(account, "00", "GUI", "field 26")
    if gui.lower() != GUI:
        raise InvalidInput(f"field 26: GUI {gui!r} is not {GUI}")
    key, desc, url = account.get("01"), account.get("02"), account.get("25")
    if key is None and url is None:
        raise InvalidInput("field 26: missing the key (01) or the location URL (25)")
    if key is not None and url is not None:
        raise InvalidInput("field 26: has both a key (01) and a location URL (25)")
    if key is not None and (not key or len(key) > 77):
        raise InvalidInput("field 26: the key must have 1 to 77 characters")
    extra.update({f"26.{i}": v for i, v in account.items() if i not in ("00", "01", "02", "25")})

    mcc = _require(fields, "52", "merchant category code")
    if not re.fullmatch(r"[0-9]{4}", mcc):
        raise InvalidInput(f"field 52 (merchant category code): {mcc!r} must be 4 digits")
    currency = _require(fields, "53", "currency")
    if currency != "986":
        raise InvalidInput(f"field 53 (currency): {currency!r} is not 986 (BRL)")
    amount = None
    if "54" in fields:
        raw = fields["54"]
        if len(raw) > AMOUNT_MAX or not _AMOUNT.fullmatch(raw) or Decimal(raw) <= 0:
            raise InvalidInput(f"field 54 (amount): {raw!r} is not an amount like 123.45")
        amount = Decimal(raw)
    country = _require(fields, "58", "country code")
    if country != "BR":
        raise InvalidInput(f"field 58 (country): {country!r} is not BR")
    name = _require(fields, "59", "merchant name")
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInput(f"field 59 (merchant name): {len(name)} characters, limit {NAME_MAX}")
    city = _require(fields, "60", "merchant city")
    if not 1 <= len(city) <= CITY_MAX:
        raise InvalidInput(f"field 60 (merchant city): {len(city)} characters, limit {CITY_MAX}")
    postal = fields.get("61")
    if postal is not None and not 1 <= len(postal) <= 10:
        raise InvalidInput(f"field 61 (postal code): {len(postal)} characters, limit 10")

    additional = _fields(_require(fields, "62", "additional data (txid)"), "field 62")
    txid = _require(additional, "05", "txid", "field 62")
    if not 1 <= len(txid) <= TXID_MAX:
        raise InvalidInput(f"field 62: txid has {len(txid)} characters, limit {TXID_MAX}")
    extra.update({f"62.{i}": v for i, v in additional.items() if i != "05"})

    return PixPayload(
        payload_format="01",
        point_of_initiation=poi,
        gui=gui,
        key=key,
        description=desc,
        url=url,
        merchant_category_code=mcc,
        currency=currency,
        amount=amount,
        country=country,
        name=name,
        city=city,
        postal_code=postal,
        txid=txid,
        crc=got,
        extra=extra,
    )


def _is_extra(field_id: str) -> bool:
    return field_id not in {"00", "01", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63"}


# --- QR image ----------------------------------------------------------------------------


def qr_png(payload: str) -> bytes:
    """The payload as a QR code PNG (error correction M, 4-module quiet zone)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
