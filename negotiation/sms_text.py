"""How many SMS segments a text takes, as the carriers count them (the console shows it for SMS
templates; the SMS senders refuse texts over their limit).

Written here rather than taken from PyPI: the packages there that count segments are either
unmaintained (smsutil, last release 2020) or placeholders (sms-counter 0.0.1), and the rule
is a few lines of GSM 03.38. Portuguese letters such as "ã", "õ", "ç", "á", "ê" are not in
GSM-7 and turn the whole message into UCS-2; "é", "à" and "Ç" are.
"""

from __future__ import annotations

# The most segments an SMS of Quita may take (the senders refuse longer texts).
MAX_SEGMENTS = 4

# GSM 03.38 basic character set (one septet each; ESC 0x1B left out) and the extension
# table, whose characters take two septets (ESC + the character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _pack(units: list[int], single: int, multi: int) -> int:
    """Segments for units of the given sizes; a unit (escape pair, surrogate pair) never splits."""
    if sum(units) <= single:
        return 1 if units else 0
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes (0 for an empty text).

    GSM-7: 160 septets in one segment, 153 per segment when concatenated; extension-table
    characters (`€ [ ] { } ^ ~ | \\`) count twice. Any other character makes it UCS-2: 70
    UTF-16 code units alone, 67 per segment when concatenated (emoji count twice).
    """
    if is_gsm7(text):
        return _pack([2 if ch in GSM7_EXTENDED else 1 for ch in text], 160, 153)
    return _pack([2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67)


def encoding(text: str) -> str:
    """ "GSM-7" or "UCS-2": how the text would travel."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"
