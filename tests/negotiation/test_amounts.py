"""One reading of the amounts people type (import files, the chat's down payment, console forms,
the voice's keypad): properties against Babel's pt-BR formatting, and the rules around it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from negotiation.amounts import (
    MAX_AMOUNT,
    form_number,
    keypad_cents,
    parse_amount,
    parse_number,
    typed_amount,
)
from negotiation.errors import InvalidInput

money = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2)


@given(money)
def test_babel_pt_br_text_reads_back_as_the_same_amount(value):
    for text in (
        format_decimal(value, format="#,##0.00", locale="pt_BR"),  # 1.234,56
        format_currency(value, "BRL", locale="pt_BR"),  # R$ 1.234,56
        format_decimal(value, format="0.00", locale="pt_BR"),  # 1234,56
        f"{value:.2f}",  # 1234.56
        f"{value:,.2f}",  # 1,234.56
    ):
        parsed = parse_amount(text)
        assert parsed == value, text
        assert parsed.as_tuple().exponent == -2  # money is Decimal with two places
        assert typed_amount(text) == value, text
        assert Decimal(form_number(text)) == value, text


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_one_separator_before_three_digits_is_ambiguous(thousands, units):
    for sep in ".,":
        text = f"{thousands}{sep}{units:03d}"
        with pytest.raises(InvalidInput, match="ambíguo"):
            parse_amount(text)
        assert typed_amount(text) is None


@given(st.integers(min_value=1, max_value=10**11))
def test_keypad_digits_are_cents(cents):
    value = keypad_cents(str(cents))
    assert value * 100 == cents and value.as_tuple().exponent == -2


@given(st.decimals(min_value=0, max_value=10**6, places=3))
def test_a_form_reads_rates_with_three_places(value):
    text = format_decimal(value, format="#,##0.000", locale="pt_BR")
    assert Decimal(form_number(text)) == value


def test_the_chat_refuses_what_it_cannot_read_for_sure():
    assert typed_amount("100,00") == Decimal("100.00")
    assert typed_amount("R$ 1.234,5") == Decimal("1234.50")
    assert typed_amount("0") == Decimal("0.00")  # the caller says it is below the minimum
    assert typed_amount("1.234") is None  # was read as 1.23
    assert typed_amount("150,555") is None
    assert typed_amount("muito") is None


def test_a_form_hands_on_what_is_no_number_for_the_schema_to_refuse():
    assert form_number("2,5%") == "2.5"
    assert form_number("R$ 1.234,56") == "1234.56"
    assert form_number("1,234") == "1.234"  # a rate: the comma is the decimal mark
    assert form_number("-5,5") == "-5.5"
    assert form_number("abc") == "abc"
    assert form_number("") == ""
    with pytest.raises(InvalidInput, match="não é um valor"):
        parse_number("12.34,56")
