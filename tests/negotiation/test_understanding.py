"""The understanding of typed and spoken answers: a table of real-sounding phrases."""

from __future__ import annotations

import pytest

from negotiation.understanding import Intent, Shape, Understood, choose_offer, understand
from tests.negotiation.understanding_phrases import PHRASES


def test_the_table_is_large() -> None:
    assert len(PHRASES) >= 150
    assert {intent for _, intent, _, _ in PHRASES} == set(Intent) - {Intent.UNKNOWN} | {
        Intent.UNKNOWN
    }


@pytest.mark.parametrize(("text", "intent", "value", "down"), PHRASES)
def test_phrase(text, intent, value, down) -> None:
    assert understand(text) == Understood(intent, value, down)


SHAPES = [Shape(1, False), Shape(6, True), Shape(3, False), Shape(6, False)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("quero parcelar em seis vezes", 4),  # never the 6× with a down payment
        ("6 vezes com entrada", 2),
        ("à vista", 1),
        ("quero em 3 vezes", 3),
        ("a quarta opção", 4),
        ("a última", 4),
        ("2", 2),
        ("opção 5", None),  # no such option
        ("em 12 vezes", None),  # no such offer
        ("sim", None),
    ],
)
def test_choose_offer(text, number) -> None:
    assert choose_offer(understand(text), SHAPES) == number
