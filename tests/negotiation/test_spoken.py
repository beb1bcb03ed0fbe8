"""Money, counts, dates, hours and phone numbers as the robot says them."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.spoken import (
    at_time,
    count,
    day_month,
    money,
    number,
    opening,
    opening_hours,
    phone,
    spoken_date,
    time_range,
)


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


@pytest.mark.parametrize(
    ("value", "singular", "plural", "female", "spoken"),
    [
        (1, "parcela", "parcelas", True, "uma parcela"),
        (2, "parcela", "parcelas", True, "duas parcelas"),
        (21, "conta", "contas", True, "vinte e uma contas"),
        (32, "proposta", "propostas", True, "trinta e duas propostas"),
        (200, "parcela", "parcelas", True, "duzentas parcelas"),
        (2, "pagamento", "pagamentos", False, "dois pagamentos"),
        (1, "dia", "dias", False, "um dia"),
        (20, "dia", "dias", False, "vinte dias"),
    ],
)
def test_counts_have_the_gender_of_the_noun(value, singular, plural, female, spoken) -> None:
    assert count(value, singular, plural, female=female) == spoken


def test_hours_and_openings() -> None:
    assert time_range(time(8), time(18)) == "das oito às dezoito horas"
    assert time_range(time(8, 30), time(12)) == "das oito e meia ao meio-dia"
    assert at_time(time(1)) == "à uma hora"
    assert at_time(time(22)) == "às vinte e duas horas"
    assert at_time(time(13, 15)) == "às treze e quinze"
    assert opening_hours("08:00-18:00", "") == "de segunda a sexta, das oito às dezoito horas"
    assert opening_hours("", "09:00-13:00") == "aos sábados, das nove às treze horas"
    saturday = date(2026, 11, 28)
    assert opening(datetime(2026, 11, 28, 8), saturday) == "hoje, às oito horas"
    assert opening(datetime(2026, 11, 30, 8), date(2026, 11, 29)) == (
        "amanhã, segunda-feira, às oito horas"
    )
    assert opening(datetime(2026, 11, 30, 8), saturday) == (
        "segunda-feira, trinta de novembro, às oito horas"
    )


def test_phone_numbers_digit_by_digit_in_words() -> None:
    assert phone("+551933334444") == "um nove, três três três três, quatro quatro quatro quatro"
    assert phone("0800 606 0101") == "zero oito zero zero, seis zero seis, zero um zero um"
    assert phone("") is None


def test_the_offers_templates_say_every_figure_in_words() -> None:
    from negotiation.voice_prompts import say  # the templates' environment, filters installed
    from quita.settings import Settings

    settings = Settings(database_url="sqlite://:memory:", secret_key="x" * 40)
    line = say(
        "offer",
        settings,
        o={
            "number": 2,
            "installments": 2,
            "total": Decimal("300.41"),
            "down_payment": None,
            "later": Decimal("150.20"),
            "first": Decimal("150.21"),
        },
    )
    # The installment amount and the total, never the cent of rounding on one of them.
    assert line == (
        "Tecle 2 para duas parcelas de cento e cinquenta reais e vinte centavos, "
        "total trezentos reais e quarenta e um centavos."
    )
