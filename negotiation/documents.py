"""CPF and CNPJ: checked with validate-docbr, stored as digits only."""

from __future__ import annotations

import re

from validate_docbr import CNPJ, CPF

from negotiation.errors import InvalidInput

_CPF = CPF()
_CNPJ = CNPJ()


def normalize_document(text: str) -> str:
    """Digits of a valid CPF (11) or CNPJ (14); anything else is refused with the reason."""
    digits = re.sub(r"[.\-/\s]", "", text or "")
    if not digits:
        raise InvalidInput("CPF/CNPJ vazio: informe 11 (CPF) ou 14 (CNPJ) dígitos")
    if not digits.isdigit():
        raise InvalidInput(f"CPF/CNPJ {text!r} deve ter só números, pontos, traço e barra")
    if len(digits) == 11:
        if not _CPF.validate(digits):
            raise InvalidInput(f"CPF {text} é inválido (dígitos verificadores não conferem)")
    elif len(digits) == 14:
        if not _CNPJ.validate(digits):
            raise InvalidInput(f"CNPJ {text} é inválido (dígitos verificadores não conferem)")
    else:
        raise InvalidInput(f"CPF/CNPJ {text!r} deve ter 11 (CPF) ou 14 (CNPJ) dígitos")
    return digits


def format_document(digits: str) -> str:
    """529.982.247-25 / 11.222.333/0001-81; anything that is not 11 or 14 digits as it is."""
    if len(digits) == 11 and digits.isdigit():
        return _CPF.mask(digits)
    if len(digits) == 14 and digits.isdigit():
        return _CNPJ.mask(digits)
    return digits


def mask_document(digits: str) -> str:
    """For logs and lists: 529.***.***-25 / 11.***.***/0001-81 (DESIGN.md §7)."""
    if len(digits) == 11:
        return f"{digits[:3]}.***.***-{digits[-2:]}"
    return f"{digits[:2]}.***.***/{digits[8:12]}-{digits[-2:]}"
