"""What the timeline keeps of identification data a debtor typed or said (DESIGN.md §7): a
CPF/CNPJ masked as in the logs, a birth date or a phone's last digits only named, every other
digit given while identifying replaced. Every channel records its inbound messages through
`masked`, so nothing of the kind is stored in clear (the dialog state keeps what it needs to
check, only until the debtor is identified)."""

from __future__ import annotations

import re

from negotiation.documents import mask_document, normalize_document
from negotiation.errors import InvalidInput
from negotiation.rendering import environment

# A number as people type it: digits with dots, dashes and slashes in between.
_NUMBER = re.compile(r"\d[\d.\-/]*\d|\d")
# A birth date typed (DD/MM/AAAA) or keyed (DDMMAAAA), and a phone's last four digits.
_DATE = re.compile(r"\s*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{8})\s*")
_FOUR = re.compile(r"\s*\d{4}\s*")


def _phrases():
    return environment().get_template("masked.j2").module


def _document(text: str) -> str | None:
    """ "CPF 529.***.***-25" when `text` is a valid CPF/CNPJ, else None."""
    try:
        digits = normalize_document(text)
    except InvalidInput:
        return None
    return str(_phrases().document(len(digits) == 11, mask_document(digits)))


def masked(text: str, *, identifying: bool, second_factor: bool = False) -> str:
    """`text` as the timeline may keep it. A valid CPF/CNPJ is always masked; while
    `identifying` (before the debtor is known) every other digit is too, and at the second
    factor a birth date or four digits are only named."""
    if identifying:
        if second_factor and _DATE.fullmatch(text):
            return str(_phrases().birth_date())
        if second_factor and _FOUR.fullmatch(text):
            return str(_phrases().phone_digits())
        whole = _document(text)
        if whole is not None:  # also "529 982 247 25": spaces are allowed in a document
            return whole

    def one(match: re.Match[str]) -> str:
        try:
            return mask_document(normalize_document(match.group()))
        except InvalidInput:
            pass
        return re.sub(r"\d", "*", match.group()) if identifying else match.group()

    return _NUMBER.sub(one, text)
