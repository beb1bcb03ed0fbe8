"""Boleto (FEBRABAN): public vectors from boleto libraries' test suites, both ways.

Sources of the vectors (each is the expected output in that project's own tests):
- brcobranca (github.com/kivanio/brcobranca), spec/brcobranca/boleto/banco_brasil_spec.rb,
  bradesco_spec.rb and sicoob_spec.rb;
- Stoq's stoqlib boleto tests (pyboleto-derived; Async Open Source), which also carry
  Banrisul, Caixa, Itaú, Real and Santander boletos;
- the factor/date table published at mhemann.com.br ("A linha digitável do boleto
  bancário": 1000 = 03.07.2000, 1002 = 05.07.2000, 1667 = 01.05.2002,
  4789 = 17.11.2010, 9999 = 21.02.2025).

No public test suite we could find has a boleto due after the 2025-02-22 reset, so the
post-reset vectors below are constructed from the published rule (factor 1000 again on
2025-02-22) with the bank layouts verified above; they are marked as such.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.errors import InvalidInput
from negotiation.payments.boleto import (
    BancoDoBrasilConfig,
    BradescoConfig,
    SicoobConfig,
    barcode_from_line,
    bb_our_number,
    build,
    check_barcode,
    check_line,
    digits_of,
    due_factor,
    factor_date,
    format_line,
    free_field,
    general_check_digit,
    line_from_barcode,
    mod10,
    parse,
    sicoob_our_number_dv,
)

# (formatted line, barcode, due date, amount) — published, not computed here.
PUBLIC = [
    # brcobranca banco_brasil_spec.rb
    (
        "00190.00009 01238.798977 77700.168188 3 37690000013500",
        "00193376900000135000000001238798977770016818",
        date(2008, 2, 1),
        "135.00",
    ),
    (
        "00190.00009 01238.798902 07700.168185 3 37700000013500",
        "00193377000000135000000001238798900770016818",
        date(2008, 2, 2),
        "135.00",
    ),
    (
        "00190.00009 01238.798779 77700.168188 3 37710000013500",
        "00193377100000135000000001238798777770016818",
        date(2008, 2, 3),
        "135.00",
    ),
    (
        "00190.00009 01238.798779 77700.168188 5 37710000072356",
        "00195377100000723560000001238798777770016818",
        date(2008, 2, 3),
        "723.56",
    ),
    (
        "00190.00009 01238.798779 77700.168188 4 37690000072356",
        "00194376900000723560000001238798777770016818",
        date(2008, 2, 1),
        "723.56",
    ),
    (
        "00191.23876 90123.440423 00061.900189 2 37690000013500",
        "00192376900000135001238790123440420006190018",
        date(2008, 2, 1),
        "135.00",
    ),
    (
        "00191.23876 90000.000126 34567.899215 9 37690000013500",
        "00199376900000135001238790000000123456789921",
        date(2008, 2, 1),
        "135.00",
    ),
    (
        "00191.23801 12345.640424 00061.900189 1 37690000013500",
        "00191376900000135001238012345640420006190018",
        date(2008, 2, 1),
        "135.00",
    ),
    # brcobranca bradesco_spec.rb
    (
        "23791.17209 60007.589645 52040.300502 5 42230000295295",
        "23795422300002952951172060007589645204030050",
        date(2009, 4, 30),
        "2952.95",
    ),
    (
        "23794.04201 30077.770011 68006.190000 1 37700000013500",
        "23791377000000135004042030077770016800619000",
        date(2008, 2, 2),
        "135.00",
    ),
    # brcobranca sicoob_spec.rb (barcode not published there: checked through the line)
    (
        "75691.43279 01022.938508 00000.240010 2 67080000005000",
        None,
        date(2016, 2, 18),
        "50.00",
    ),
    (
        "75691.41349 05014.818008 00011.040011 4 71300000023500",
        None,
        date(2017, 4, 15),
        "235.00",
    ),
    # Stoq / pyboleto tests
    (
        "04192.11107 29000.150226 83256.340593 8 10010000055000",
        "04198100100000550002111029000150228325634059",
        date(2000, 7, 4),
        "550.00",
    ),
    (
        "00190.00009 07777.777009 00087.654182 6 49000000295295",
        "00196490000002952950000007777777000008765418",
        date(2011, 3, 8),
        "2952.95",
    ),
    (
        "23790.27804 60000.212559 25003.923205 4 48690000828000",
        "23794486900008280000278060000212552500392320",
        date(2011, 2, 5),
        "8280.00",
    ),
    (
        "23791.17209 60007.589645 52040.300502 1 49010000295295",
        "23791490100002952951172060007589645204030050",
        date(2011, 3, 9),
        "2952.95",
    ),
    (
        "10498.01952 25086.156509 00000.004143 7 48690000035500",
        "10497486900000355008019525086156500000000414",
        date(2011, 2, 5),
        "355.00",
    ),
    (
        "34191.10121 34567.880058 71234.570001 6 16670000012345",
        "34196166700000123451101234567880057123457000",
        date(2002, 5, 1),
        "123.45",
    ),
    (
        "35690.53154 70585.390001 00000.001230 8 48690000035500",
        "35698486900000355000531570585390000000000123",
        date(2011, 2, 5),
        "355.00",
    ),
    (
        "03399.07073 07700.000123 34567.901029 6 52200000295295",
        "03396522000002952959070707700000123456790102",
        date(2012, 1, 22),
        "2952.95",
    ),
]

# Stoq: Bradesco carteira 9, only the barcode is published (due 2011-03-09, 2952.95).
BRADESCO_WALLET_9 = "23793490100002952952752090007589645200149780"


@pytest.mark.parametrize(("line", "barcode", "due", "amount"), PUBLIC, ids=lambda v: str(v))
def test_public_vectors_both_ways(line, barcode, due, amount):
    digits = digits_of(line)
    assert len(digits) == 47
    code = barcode_from_line(digits)
    if barcode is not None:
        assert code == barcode
    assert line_from_barcode(code) == digits
    assert format_line(digits) == line
    # The reference date is the due date's own time: old boletos decode inside the window.
    for text in (line, code, digits):
        boleto = parse(text, today=due)
        assert boleto.barcode == code
        assert boleto.formatted_line == line
        assert boleto.bank == line[:3]
        assert boleto.amount == Decimal(amount)
        assert boleto.due_date == due
    assert due_factor(due) == code[5:9]
    # The check digits are the ones printed.
    assert mod10(digits[0:9]) == int(digits[9])
    assert mod10(digits[10:20]) == int(digits[20])
    assert mod10(digits[21:31]) == int(digits[31])
    assert general_check_digit(code[:4] + code[5:]) == int(code[4])
    # Rebuilt from its parts it is the same boleto.
    rebuilt = build(code[:3], Decimal(amount), due, code[19:])
    assert rebuilt.barcode == code
    assert rebuilt.line == digits


def test_bradesco_wallet_9_barcode():
    check_barcode(BRADESCO_WALLET_9)
    config = BradescoConfig(agency="2752", account="14978", wallet="09")
    assert free_field(config, "75896452") == BRADESCO_WALLET_9[19:]
    assert build("237", "2952.95", date(2011, 3, 9), free_field(config, 75896452)).barcode == (
        BRADESCO_WALLET_9
    )


# --- every wrong check digit is named ---------------------------------------------------


def _replace(text: str, index: int, digit: str) -> str:
    return text[:index] + digit + text[index + 1 :]


def _wrong(digit: str) -> str:
    return str((int(digit) + 3) % 10)


@pytest.mark.parametrize("line", [v[0] for v in PUBLIC])
@pytest.mark.parametrize(("index", "field"), [(9, 1), (20, 2), (31, 3)])
def test_wrong_field_check_digit_is_named(line, index, field):
    digits = digits_of(line)
    bad = _replace(digits, index, _wrong(digits[index]))
    with pytest.raises(InvalidInput) as caught:
        parse(bad, today=date(2010, 1, 1))
    assert str(caught.value) == (
        f"campo {field}: dígito verificador {digits[index]} esperado, veio {bad[index]}"
    )


@pytest.mark.parametrize("line", [v[0] for v in PUBLIC])
def test_wrong_general_check_digit_is_named(line):
    digits = digits_of(line)
    bad = _replace(digits, 32, _wrong(digits[32]))
    with pytest.raises(InvalidInput, match=rf"^dígito geral: {digits[32]} esperado, veio "):
        check_line(bad)
    barcode = barcode_from_line(digits)
    bad_code = _replace(barcode, 4, _wrong(barcode[4]))
    with pytest.raises(InvalidInput, match=rf"^dígito geral: {barcode[4]} esperado"):
        parse(bad_code, today=date(2010, 1, 1))


def test_two_wrong_field_digits_are_both_named():
    digits = digits_of(PUBLIC[0][0])
    bad = _replace(_replace(digits, 9, "0"), 31, "0")
    with pytest.raises(InvalidInput) as caught:
        check_line(bad)
    assert str(caught.value) == (
        "campo 1: dígito verificador 9 esperado, veio 0; "
        "campo 3: dígito verificador 8 esperado, veio 0"
    )


def test_a_changed_amount_is_caught_by_the_general_digit():
    digits = digits_of(PUBLIC[0][0])
    bad = digits[:-1] + "1"  # 135.01 instead of 135.00
    with pytest.raises(InvalidInput, match=r"^dígito geral"):
        parse(bad, today=date(2008, 1, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("123", "vieram 3"),
        ("0019000009012387987797770016818837710000013500", "vieram 46"),
        ("00190.00009 01238.79877X 77700.168188 3 37710000013500", "caractere inválido 'X'"),
        ("836200000005 667800481000 180975657313 001589636081", "arrecadação"),
        ("00193377100000135000000001238798777770016818"[:3] + "0" + "3" * 40, "moeda 0"),
    ],
)
def test_malformed_codes(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse(text, today=date(2008, 1, 1))


def test_any_punctuation_and_spaces_are_accepted():
    line = PUBLIC[2][0]
    messy = " " + line.replace(" ", "-").replace(".", " . ") + "\n"
    assert parse(messy, date(2008, 1, 1)).barcode == PUBLIC[2][1]


# --- due-date factor ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "due"),
    [
        # mhemann.com.br table
        ("1000", date(2000, 7, 3)),
        ("1002", date(2000, 7, 5)),
        ("1667", date(2002, 5, 1)),
        ("4789", date(2010, 11, 17)),
        ("9999", date(2025, 2, 21)),
        # FEBRABAN reset
        ("1000", date(2025, 2, 22)),
        ("1001", date(2025, 2, 23)),
        ("9999", date(2049, 10, 13)),
        ("1000", date(2049, 10, 14)),  # next cycle
    ],
)
def test_factor_table_and_reset(factor, due):
    assert due_factor(due) == factor
    assert factor_date(factor, today=due) == due


def test_reset_edge_decoded_by_reference_date():
    # Around the reset, 1000 means 2025-02-22 and 9999 means the day before.
    assert factor_date("1000", today=date(2025, 2, 21)) == date(2025, 2, 22)
    assert factor_date("9999", today=date(2025, 2, 22)) == date(2025, 2, 21)
    # A 2008 factor read in 2026 is the date of the current cycle (2032), as banks do.
    assert factor_date("3771", today=date(2026, 11, 27)) == date(2032, 9, 24)
    assert factor_date("3771", today=date(2008, 1, 1)) == date(2008, 2, 3)


def test_factor_window_edges():
    due = date(2026, 12, 1)
    factor = due_factor(due)
    assert factor_date(factor, today=due + timedelta(days=3000)) == due
    assert factor_date(factor, today=due - timedelta(days=5500)) == due
    # One day past either edge no date of any cycle is in the window (8501 days < 9000).
    for today in (due + timedelta(days=3001), due - timedelta(days=5501)):
        with pytest.raises(InvalidInput, match="janela de validade"):
            factor_date(factor, today=today)
    # Far enough on, the same factor names the next cycle's date.
    later = due + timedelta(days=9000)
    assert factor_date(factor, today=later - timedelta(days=10)) == later


def test_bad_factor_text():
    with pytest.raises(InvalidInput, match="só dígitos"):
        factor_date("12a4", today=date(2026, 1, 1))


def test_no_due_date():
    assert due_factor(None) == "0000"
    assert factor_date("0000", today=date(2026, 1, 1)) is None
    boleto = build("001", "10.00", None, "0" * 25)
    assert boleto.barcode[5:9] == "0000"
    assert parse(boleto.line, date(2026, 1, 1)).due_date is None


# --- post-reset boletos (constructed from the published rule, see module docstring) ----------

POST_RESET = [
    # (config, our number, due, amount, expected factor)
    (BancoDoBrasilConfig("1234", "56789", "1238798", "17"), 1, date(2025, 2, 22), "99.90", "1000"),
    (BradescoConfig("1172", "403005", "09"), 75896452, date(2025, 3, 10), "149.90", "1016"),
    (SicoobConfig("4327", "229385"), 2, date(2026, 12, 1), "89.90", "1647"),
    (SicoobConfig("4134", "148180", modality="05"), 110, date(2049, 10, 13), "0.01", "9999"),
]


@pytest.mark.parametrize(("config", "number", "due", "amount", "factor"), POST_RESET)
def test_post_reset_boletos(config, number, due, amount, factor):
    boleto = build(config.bank, amount, due, free_field(config, number))
    assert boleto.factor == factor
    assert boleto.barcode[5:9] == factor
    again = parse(boleto.formatted_line, today=due - timedelta(days=30))
    assert (again.barcode, again.due_date, again.amount) == (boleto.barcode, due, Decimal(amount))
    assert barcode_from_line(line_from_barcode(boleto.barcode)) == boleto.barcode


def test_post_reset_bb_vector_digits():
    # Worked by hand from the rule: factor 1000, amount 99.90, BB free field of the
    # brcobranca example (convênio 1238798, carteira 17, sequência 1).
    boleto = build("001", "99.90", date(2025, 2, 22), "0000001238798000000000117")
    assert boleto.barcode[5:19] == "10000000009990"
    assert boleto.formatted_line.endswith(" 10000000009990")
    assert boleto.formatted_line.startswith("00190.00009 01238.798")


# --- free fields -------------------------------------------------------------------------------


def test_banco_do_brasil_free_field_matches_brcobranca():
    config = BancoDoBrasilConfig(agency="4042", account="61900", agreement="1238798", wallet="18")
    assert bb_our_number(config, "7777700168") == "12387987777700168"
    assert free_field(config, "7777700168") == "0000001238798777770016818"
    pyboleto = BancoDoBrasilConfig(agency="9999", account="99999", agreement="7777777", wallet="18")
    assert free_field(pyboleto, 87654) == "0000007777777000008765418"


def test_bradesco_free_field_matches_published():
    assert free_field(BradescoConfig("1172", "0403005", "06"), "75896452") == (
        "1172060007589645204030050"
    )
    assert free_field(BradescoConfig("4042", "61900", "03"), "777700168") == (
        "4042030077770016800619000"
    )
    assert free_field(BradescoConfig("0278", "0039232", "06"), "2125525") == (
        "0278060000212552500392320"
    )


def test_sicoob_free_field_and_our_number_dv_match_brcobranca():
    assert free_field(SicoobConfig("4327", "229385"), 2) == "1432701022938500000024001"
    config = SicoobConfig("4134", "148180", modality="05")
    assert free_field(config, 110) == "1413405014818000001104001"
    # brcobranca's table of nosso número DVs for agência 4327, cliente 229385.
    expected = {1: 7, 2: 4, 3: 1, 4: 9, 5: 6, 6: 3, 7: 0, 8: 8, 9: 5, 10: 3, 11: 0, 12: 8, 13: 5}
    for number, dv in expected.items():
        assert sicoob_our_number_dv("4327", "229385", number) == dv


def test_free_field_input_errors():
    with pytest.raises(InvalidInput, match="convênio"):
        BancoDoBrasilConfig("1234", "1", "123456")
    with pytest.raises(InvalidInput, match="carteira"):
        BancoDoBrasilConfig("1234", "1", "1234567", wallet="11")
    with pytest.raises(InvalidInput, match="no máximo 11"):
        free_field(BradescoConfig("1172", "403005"), "1" * 12)
    with pytest.raises(InvalidInput, match="só dígitos"):
        free_field(SicoobConfig("43a7", "229385"), 1)
    assert BancoDoBrasilConfig("1", "1", 1238798).agreement == "1238798"


# --- build errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bank", "amount", "due", "field", "message"),
    [
        ("01", "1.00", date(2026, 1, 1), "0" * 25, "banco"),
        ("836", "1.00", date(2026, 1, 1), "0" * 25, "arrecadação"),
        ("001", "1.001", date(2026, 1, 1), "0" * 25, "duas casas"),
        ("001", "-1", date(2026, 1, 1), "0" * 25, "negativo"),
        ("001", "100000000.00", date(2026, 1, 1), "0" * 25, "acima"),
        ("001", "1e100", date(2026, 1, 1), "0" * 25, "acima"),
        ("001", "1e-100", date(2026, 1, 1), "0" * 25, "duas casas"),
        ("001", "abc", date(2026, 1, 1), "0" * 25, "não é um número"),
        ("001", "NaN", date(2026, 1, 1), "0" * 25, "não é um número"),
        ("001", "1.00", date(2026, 1, 1), "0" * 24, "25 dígitos"),
        ("001", "1.00", date(1997, 10, 7), "0" * 25, "antes de 1997-10-08"),
    ],
)
def test_build_rejects(bank, amount, due, field, message):
    with pytest.raises(InvalidInput, match=message):
        build(bank, amount, due, field)


def test_float_amount_is_refused():
    with pytest.raises(InvalidInput, match="float"):
        build("001", 1.5, date(2026, 1, 1), "0" * 25)


# --- round trips -------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=9_999_999_999).map(lambda c: Decimal(c) / 100)
# Before 2000-07-03 factors were below 1000 (they never recur); from then on the cycle
# of 1000..9999 applies, with the reset on 2025-02-22 and again on 2049-10-14.
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))


@st.composite
def free_fields(draw):
    kind = draw(st.sampled_from(["bb", "bradesco", "sicoob", "any"]))
    number = draw(st.integers(min_value=0, max_value=9_999_999))
    if kind == "bb":
        agreement = draw(st.integers(1_000_000, 9_999_999))
        config = BancoDoBrasilConfig(
            "1234", "1", str(agreement), draw(st.sampled_from(["17", "18"]))
        )
    elif kind == "bradesco":
        config = BradescoConfig(
            f"{draw(st.integers(0, 9999)):04d}", str(draw(st.integers(0, 9_999_999)))
        )
    elif kind == "sicoob":
        config = SicoobConfig(
            f"{draw(st.integers(0, 9999)):04d}",
            str(draw(st.integers(0, 9_999_999))),
            installment=draw(st.integers(1, 999)),
        )
    else:
        bank = f"{draw(st.integers(1, 999).filter(lambda n: n // 100 != 8)):03d}"
        return bank, draw(st.text(alphabet="0123456789", min_size=25, max_size=25))
    return config.bank, free_field(config, number)


@settings(max_examples=300, deadline=None)
@given(free_fields(), amounts, dates, st.integers(min_value=-3000, max_value=5500))
def test_build_then_parse_round_trip(bank_and_field, amount, due, offset):
    bank, field = bank_and_field
    boleto = build(bank, amount, due, field)
    today = due - timedelta(days=offset)  # any reference date whose window holds the due date
    for text in (boleto.barcode, boleto.line, boleto.formatted_line):
        again = parse(text, today)
        assert again == boleto
    assert barcode_from_line(boleto.line) == boleto.barcode
    assert line_from_barcode(boleto.barcode) == boleto.line


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 46), st.data())
def test_any_single_digit_change_of_a_valid_line_is_caught(index, data):
    boleto = build("756", Decimal("89.90"), date(2026, 12, 1), "1432701022938500000024001")
    line = boleto.line
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != line[index]]))
    # One changed digit always breaks a field DV (mod 10 catches every single-digit error
    # in its field) or, in fields 4 and 5, the general DV (mod 11).
    with pytest.raises(InvalidInput):
        check_line(_replace(line, index, new))
