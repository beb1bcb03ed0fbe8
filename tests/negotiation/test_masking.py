"""What the timeline keeps of identification data: one masking for chat and voice."""

from __future__ import annotations

import pytest

from negotiation.masking import masked


@pytest.mark.parametrize(
    ("text", "second_factor", "kept"),
    [
        ("529.982.247-25", False, "CPF 529.***.***-25"),
        ("52998224725", False, "CPF 529.***.***-25"),
        ("529 982 247 25", False, "CPF 529.***.***-25"),
        ("11.222.333/0001-81", False, "CNPJ 11.***.***/0001-81"),
        ("meu cpf é 52998224725", False, "meu cpf é 529.***.***-25"),
        ("123", False, "***"),  # a wrong document: its digits still do not stay
        ("529", False, "***"),  # the robot's first three digits of the CPF
        ("01/01/1990", False, "**/**/****"),
        ("quero em 3 vezes", False, "quero em * vezes"),
        ("oi", False, "oi"),
        ("17/05/1980", True, "[data de nascimento informada]"),
        (" 17-05-1980 ", True, "[data de nascimento informada]"),
        ("17051980", True, "[data de nascimento informada]"),  # keyed on the phone
        ("7777", True, "[4 últimos dígitos de um telefone informados]"),
        ("nasci em 17/05/1980", True, "nasci em **/**/****"),
    ],
)
def test_while_identifying_nothing_identifying_stays(text, second_factor, kept):
    assert masked(text, identifying=True, second_factor=second_factor) == kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("posso pagar 150,00 dia 10/12?", "posso pagar 150,00 dia 10/12?"),
        ("quero em 3 vezes", "quero em 3 vezes"),
        ("o cpf dele é 529.982.247-25", "o cpf dele é 529.***.***-25"),
        ("111.111.111-11", "111.111.111-11"),  # not a valid CPF: an ordinary number
    ],
)
def test_once_identified_only_documents_are_masked(text, kept):
    assert masked(text, identifying=False) == kept
