"""Money and dates as the robot says them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.spoken import day_month, money, number, spoken_date


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [
        ("1", "um real"),
        ("0.50", "cinquenta centavos"),
        ("0.01", "um centavo"),
        ("1.01", "um real e um centavo"),
        ("2", "dois reais"),
        ("100", "cem reais"),
        ("120.50", "cento e vinte reais e cinquenta centavos"),
        ("1234.56", "mil duzentos e trinta e quatro reais e cinquenta e seis centavos"),
        ("1200", "mil e duzentos reais"),
        ("1000000", "um milhão de reais"),
        ("0", "zero reais"),
    ],
)
def test_money_in_words(amount: str, spoken: str) -> None:
    assert money(Decimal(amount)) == spoken


def test_money_rounds_to_the_cent() -> None:
    assert money(Decimal("10.005")) == "dez reais e um centavo"


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2))
def test_every_amount_is_spoken(amount: Decimal) -> None:
    phrase = money(amount)
    assert phrase and ("rea" in phrase or "centavo" in phrase)
    assert "," not in phrase and not any(ch.isdigit() for ch in phrase)
    assert "zero" not in phrase


def test_dates() -> None:
    today = date(2026, 11, 28)
    assert spoken_date(date(2026, 11, 30), today) == "trinta de novembro"
    assert spoken_date(date(2026, 12, 1), today) == "primeiro de dezembro"
    assert spoken_date(date(2027, 3, 21), today) == "vinte e um de março de dois mil e vinte e sete"
    assert spoken_date(date(2027, 1, 1)) == "primeiro de janeiro de dois mil e vinte e sete"
    assert day_month(date(2026, 2, 2)) == "dois de fevereiro"


def test_numbers_have_no_commas() -> None:
    assert number(2345) == "dois mil trezentos e quarenta e cinco"
