"""CPF/CNPJ: validated with validate-docbr, stored as digits, masked for logs."""

from __future__ import annotations

import re

import pytest

from negotiation.documents import mask_document, normalize_document
from negotiation.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("529.982.247-25", "52998224725"),
        ("52998224725", "52998224725"),
        ("11.222.333/0001-81", "11222333000181"),
    ],
)
def test_valid_documents_become_digits(text, digits):
    assert normalize_document(text) == digits


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("529.982.247-26", "CPF 529.982.247-26 é inválido"),
        ("11.222.333/0001-80", "CNPJ 11.222.333/0001-80 é inválido"),
        ("1234", "deve ter 11 (CPF) ou 14 (CNPJ) dígitos"),
        ("529.982.247-2x", "deve ter só números"),
        ("", "vazio: informe 11 (CPF) ou 14 (CNPJ) dígitos"),
    ],
)
def test_invalid_documents_say_why(text, reason):
    with pytest.raises(InvalidInput, match=re.escape(reason)):
        normalize_document(text)


def test_masks_hide_the_middle():
    assert mask_document("52998224725") == "529.***.***-25"
    assert mask_document("11222333000181") == "11.***.***/0001-81"
