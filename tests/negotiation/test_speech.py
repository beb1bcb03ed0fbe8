"""Speech to keys: what a caller says, as the keys the voice dialog reads."""

from __future__ import annotations

import pytest

from negotiation.speech import keys, plain


def test_plain_drops_case_accents_and_punctuation() -> None:
    assert plain("  Não, TRÊS!  ") == "nao tres"


@pytest.mark.parametrize(
    ("digits", "speech", "yes_no", "repeat", "expected"),
    [
        ("12#", None, False, False, "12"),  # the keypad wins; the finishing key is dropped
        ("1*2", "três", False, False, "1*2"),
        (None, "três meia zero", False, False, "360"),  # "meia" is a six
        (None, "um 2 três", False, False, "123"),
        (None, "pode", True, False, "1"),
        (None, "Não sou", True, False, "2"),
        (None, "pode", False, False, ""),  # yes/no only where the question is one
        (None, "Falar com atendente", False, False, "0"),  # a person, on every question
        (None, "de novo", False, True, "9"),
        (None, "de novo", False, False, ""),  # a repeat only where the question has one
        (None, "bom dia", True, True, ""),
    ],
)
def test_keys(digits, speech, yes_no, repeat, expected) -> None:
    assert keys(digits, speech, yes_no=yes_no, repeat=repeat) == expected


def test_a_repeat_can_have_its_own_key() -> None:
    assert keys(None, "repete", yes_no=False, repeat=True, repeat_key="*") == "*"
    assert keys(None, "repete", yes_no=False, repeat=False, repeat_key="*") == ""
