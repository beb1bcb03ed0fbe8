"""Boleto de cobrança (FEBRABAN): barcode, linha digitável, due-date factor, free fields.

Pure functions, no I/O; money is `Decimal`. Every problem with an input is an
`InvalidInput` whose message says what is wrong (and which check digit).

Layout of the 44-digit barcode (positions 1-based):
    1-3 bank · 4 currency (9 = real) · 5 general check digit (mod 11) ·
    6-9 due-date factor · 10-19 amount in cents · 20-44 free field (campo livre, per bank).

The 47-digit linha digitável is the same data reordered, with a mod-10 check digit on
each of its first three fields:
    field 1: bank + currency + free field[0:5] + DV · field 2: free field[5:15] + DV ·
    field 3: free field[15:25] + DV · field 4: general DV · field 5: factor + amount.

Due-date factor: days since 1997-10-07 (factor 1000 = 2000-07-03). On 2025-02-22 the
factor, which reached 9999 on 2025-02-21, restarts at 1000 (FEBRABAN); the cycle of 9000
days then repeats (2049-10-14 is 1000 again). A factor therefore names one date per
cycle, and it is decoded to the candidate inside the validity window around a reference
date: from `WINDOW_BEFORE` days before to `WINDOW_AFTER` days after it (3000 / 5500, what
banks use). The window is shorter than a cycle, so at most one candidate fits.
Factor 0000 means "no due date".
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from negotiation.errors import InvalidInput

CURRENCY_REAL = "9"
FACTOR_BASE = date(1997, 10, 7)  # factor 0 (never used: 0000 means no due date)
CYCLE_START = date(2000, 7, 3)  # factor 1000
RESET_DATE = date(2025, 2, 22)  # factor 1000 again
CYCLE_DAYS = 9000  # factors 1000..9999
WINDOW_BEFORE = 3000
WINDOW_AFTER = 5500
MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")

_SEPARATORS = set(string.whitespace + string.punctuation)


# --- check digits -------------------------------------------------------------------


def _require_digits(value: str, what: str) -> None:
    if not value or not value.isascii() or not value.isdigit():
        raise InvalidInput(f"{what}: só dígitos, veio {value!r}")


def mod10(digits: str) -> int:
    """FEBRABAN mod 10: weights 2, 1 from the right, digit sums of products; 10 → 0."""
    _require_digits(digits, "módulo 10")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def mod11_weighted_sum(digits: str, top: int = 9) -> int:
    """Sum of the digits times weights 2..`top` from the right, cycling."""
    _require_digits(digits, "módulo 11")
    return sum(int(ch) * (2 + i % (top - 1)) for i, ch in enumerate(reversed(digits)))


def general_check_digit(barcode_without_dv: str) -> int:
    """The barcode's general DV over its 43 other digits: mod 11; 0, 10 and 11 give 1."""
    dv = 11 - mod11_weighted_sum(barcode_without_dv) % 11
    return 1 if dv in (0, 10, 11) else dv


# --- due-date factor and amount --------------------------------------------------------


def due_factor(due_date: date | None) -> str:
    """The 4-digit factor of a due date ("0000" for none), with the 2025 reset."""
    if due_date is None:
        return "0000"
    if due_date <= FACTOR_BASE:
        raise InvalidInput(f"vencimento {due_date.isoformat()}: antes de 1997-10-08")
    if due_date < CYCLE_START:
        return f"{(due_date - FACTOR_BASE).days:04d}"
    return f"{1000 + (due_date - CYCLE_START).days % CYCLE_DAYS:04d}"


def factor_date(factor: str | int, today: date) -> date | None:
    """The due date a factor names, inside the validity window around `today`.

    None for factor 0. Factors 1..999 (before 2000-07-03) never recur and are decoded as
    they are. For 1000..9999 the candidate in [today - WINDOW_BEFORE, today + WINDOW_AFTER]
    is returned; if none falls there the boleto is outside its validity and is refused.
    """
    if isinstance(factor, str) and not (factor.isascii() and factor.isdigit()):
        raise InvalidInput(f"fator de vencimento {factor!r}: só dígitos")
    value = int(factor)
    if not 0 <= value <= 9999:
        raise InvalidInput(f"fator de vencimento {factor}: fora de 0000..9999")
    if value == 0:
        return None
    if value < 1000:
        return FACTOR_BASE + timedelta(days=value)
    first = CYCLE_START + timedelta(days=value - 1000)
    low = today - timedelta(days=WINDOW_BEFORE)
    high = today + timedelta(days=WINDOW_AFTER)
    # Smallest k >= 0 with first + k cycles >= low.
    k = max(0, -((first - low).days // CYCLE_DAYS))
    candidate = first + timedelta(days=k * CYCLE_DAYS)
    if candidate > high:
        raise InvalidInput(
            f"fator de vencimento {value:04d}: nenhuma data na janela de validade "
            f"({low.isoformat()} a {high.isoformat()})"
        )
    return candidate


def to_amount(value: Decimal | int | str) -> Decimal:
    """A boleto amount: 0 to 99,999,999.99 with at most two places, never rounded."""
    if isinstance(value, float):
        raise InvalidInput("valor: use Decimal ou texto, não float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"valor {value!r}: não é um número (use 1234.56)") from None
    if not amount.is_finite():
        raise InvalidInput(f"valor {value!r}: não é um número (use 1234.56)")
    if amount < 0:
        raise InvalidInput(f"valor {value}: negativo")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"valor {value}: acima de 99999999.99")
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"valor {value}: mais de duas casas decimais")
    return amount.quantize(CENT)


def amount_field(amount: Decimal | int | str) -> str:
    """The 10-digit amount field, in cents."""
    return f"{int(to_amount(amount) * 100):010d}"


# --- barcode and line ------------------------------------------------------------------


def digits_of(text: str) -> str:
    """The digits of a typed code; spaces and punctuation are dropped, anything else refused."""
    kept = []
    for ch in text:
        if ch in _SEPARATORS:
            continue
        if not (ch.isascii() and ch.isdigit()):
            raise InvalidInput(f"caractere inválido {ch!r} no código")
        kept.append(ch)
    return "".join(kept)


def make_barcode(
    bank: str, amount: Decimal | int | str, due_date: date | None, free_field: str
) -> str:
    """The 44-digit barcode, its general DV computed."""
    if len(bank) != 3 or not bank.isdigit() or not bank.isascii():
        raise InvalidInput(f"banco {bank!r}: são 3 dígitos (ex.: 001)")
    if bank[0] == "8":
        raise InvalidInput(f"banco {bank}: códigos que começam com 8 são de arrecadação")
    if len(free_field) != 25 or not free_field.isdigit() or not free_field.isascii():
        raise InvalidInput(f"campo livre: são 25 dígitos, veio {free_field!r}")
    rest = due_factor(due_date) + amount_field(amount) + free_field
    dv = general_check_digit(bank + CURRENCY_REAL + rest)
    return f"{bank}{CURRENCY_REAL}{dv}{rest}"


def check_barcode(barcode: str) -> None:
    """Raise `InvalidInput` unless this is a 44-digit boleto barcode with a right DV."""
    if len(barcode) != 44 or not barcode.isdigit() or not barcode.isascii():
        raise InvalidInput(f"código de barras: são 44 dígitos, vieram {len(barcode)}")
    if barcode[0] == "8":
        raise InvalidInput("código começa com 8: é de arrecadação (convênio), não boleto")
    if barcode[3] != CURRENCY_REAL:
        raise InvalidInput(f"moeda {barcode[3]}: só 9 (real) é aceita")
    expected = general_check_digit(barcode[:4] + barcode[5:])
    if int(barcode[4]) != expected:
        raise InvalidInput(f"dígito geral: {expected} esperado, veio {barcode[4]}")


def line_from_barcode(barcode: str) -> str:
    """The 47-digit linha digitável (digits only) of a valid barcode."""
    check_barcode(barcode)
    free = barcode[19:]
    field1 = barcode[:4] + free[:5]
    field2 = free[5:15]
    field3 = free[15:25]
    return (
        f"{field1}{mod10(field1)}{field2}{mod10(field2)}{field3}{mod10(field3)}"
        f"{barcode[4]}{barcode[5:19]}"
    )


def check_line(line: str) -> None:
    """Raise `InvalidInput` naming every wrong check digit of a 47-digit line."""
    if len(line) != 47 or not line.isdigit() or not line.isascii():
        raise InvalidInput(f"linha digitável: são 47 dígitos, vieram {len(line)}")
    problems = []
    for number, (start, end) in enumerate(((0, 9), (10, 20), (21, 31)), start=1):
        expected = mod10(line[start:end])
        if int(line[end]) != expected:
            problems.append(
                f"campo {number}: dígito verificador {expected} esperado, veio {line[end]}"
            )
    if problems:
        raise InvalidInput("; ".join(problems))
    check_barcode(_barcode_digits(line))


def _barcode_digits(line: str) -> str:
    return line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]


def barcode_from_line(line: str) -> str:
    """The 44-digit barcode of a valid 47-digit line."""
    check_line(line)
    return _barcode_digits(line)


def format_line(line: str) -> str:
    """ "00190.00009 01238.798779 77700.168188 3 37710000013500" from the 47 digits."""
    if len(line) != 47 or not line.isdigit():
        raise InvalidInput(f"linha digitável: são 47 dígitos, vieram {len(line)}")
    return (
        f"{line[0:5]}.{line[5:10]} {line[10:15]}.{line[15:21]} "
        f"{line[21:26]}.{line[26:32]} {line[32]} {line[33:47]}"
    )


# --- the boleto --------------------------------------------------------------------------


@dataclass(frozen=True)
class Boleto:
    bank: str
    amount: Decimal
    due_date: date | None
    free_field: str
    barcode: str  # 44 digits
    line: str  # 47 digits, unformatted

    @property
    def formatted_line(self) -> str:
        return format_line(self.line)

    @property
    def factor(self) -> str:
        return self.barcode[5:9]


def build(bank: str, amount: Decimal | int | str, due_date: date | None, free_field: str) -> Boleto:
    """A boleto from its parts."""
    barcode = make_barcode(bank, amount, due_date, free_field)
    return Boleto(
        bank=bank,
        amount=to_amount(amount),
        due_date=due_date,
        free_field=free_field,
        barcode=barcode,
        line=line_from_barcode(barcode),
    )


def parse(line_or_barcode: str, today: date) -> Boleto:
    """A typed or scanned code (44 or 47 digits, any spaces or punctuation), checked."""
    digits = digits_of(line_or_barcode)
    if len(digits) == 47:
        barcode = barcode_from_line(digits)
    elif len(digits) == 44:
        check_barcode(digits)
        barcode = digits
    elif len(digits) == 48:
        raise InvalidInput("48 dígitos: é de arrecadação (convênio), não boleto")
    else:
        raise InvalidInput(
            f"são 47 dígitos (linha digitável) ou 44 (código de barras), vieram {len(digits)}"
        )
    return Boleto(
        bank=barcode[:3],
        amount=(Decimal(int(barcode[9:19])) / 100).quantize(CENT),
        due_date=factor_date(barcode[5:9], today),
        free_field=barcode[19:],
        barcode=barcode,
        line=line_from_barcode(barcode),
    )


# --- free fields (campo livre) per bank ------------------------------------------------


def _digits_field(value: str | int, size: int, what: str) -> str:
    text = str(value).strip()
    _require_digits(text, what)
    if len(text) > size:
        raise InvalidInput(f"{what} {text}: no máximo {size} dígitos")
    return text.zfill(size)


@dataclass(frozen=True)
class BancoDoBrasilConfig:
    """Banco do Brasil (001), convênio de 7 dígitos, carteira 17 or 18.

    Free field: "000000" + nosso número (17 = convênio 7 + sequência 10) + carteira 2.
    """

    agency: str
    account: str
    agreement: str  # convênio, 7 digits
    wallet: str = "17"
    bank: str = "001"

    def __post_init__(self) -> None:
        agreement = str(self.agreement).strip()
        if len(agreement) != 7 or not agreement.isdigit() or not agreement.isascii():
            raise InvalidInput(f"convênio {self.agreement!r}: são 7 dígitos")
        object.__setattr__(self, "agreement", agreement)
        object.__setattr__(self, "wallet", str(self.wallet))
        if self.wallet not in ("17", "18"):
            raise InvalidInput(f"carteira {self.wallet!r}: 17 ou 18")


@dataclass(frozen=True)
class BradescoConfig:
    """Bradesco (237). Free field: agência 4 + carteira 2 + nosso número 11 + conta 7 + 0."""

    agency: str
    account: str
    wallet: str = "09"
    bank: str = "237"


@dataclass(frozen=True)
class SicoobConfig:
    """Sicoob (756). Free field: carteira 1 + agência 4 + modalidade 2 + código do cliente 7
    + nosso número 7 and its DV + parcela 3.

    For carteira 9 (the newer contract-based wallet) the contract number goes where the
    client code is, and is also what the nosso número DV is computed over.
    """

    agency: str
    client_code: str  # código do beneficiário/cliente, up to 7 digits
    wallet: str = "1"
    modality: str = "01"
    installment: int = 1
    bank: str = "756"


BoletoConfig = BancoDoBrasilConfig | BradescoConfig | SicoobConfig


def bb_our_number(config: BancoDoBrasilConfig, sequence: str | int) -> str:
    """The 17-digit nosso número: convênio + 10-digit sequence (no DV for 7-digit convênio)."""
    return config.agreement + _digits_field(sequence, 10, "sequência do nosso número")


def sicoob_our_number_dv(agency: str, client_code: str, our_number: str | int) -> int:
    """Sicoob's nosso número DV: agência 4 + cliente 10 + nosso número 7, weights 3197
    repeated from the left, mod 11; 11 - rest, rests 0 and 1 give 0."""
    digits = (
        _digits_field(agency, 4, "agência")
        + _digits_field(client_code, 10, "código do cliente")
        + _digits_field(our_number, 7, "nosso número")
    )
    weights = (3, 1, 9, 7)
    rest = sum(int(ch) * weights[i % 4] for i, ch in enumerate(digits)) % 11
    return 0 if rest in (0, 1) else 11 - rest


def free_field(config: BoletoConfig, our_number: str | int) -> str:
    """The 25-digit campo livre of a bank for one nosso número (sequence)."""
    if isinstance(config, BancoDoBrasilConfig):
        return "000000" + bb_our_number(config, our_number) + config.wallet
    if isinstance(config, BradescoConfig):
        return (
            _digits_field(config.agency, 4, "agência")
            + _digits_field(config.wallet, 2, "carteira")
            + _digits_field(our_number, 11, "nosso número")
            + _digits_field(config.account, 7, "conta")
            + "0"
        )
    if isinstance(config, SicoobConfig):
        number = _digits_field(our_number, 7, "nosso número")
        dv = sicoob_our_number_dv(config.agency, config.client_code, number)
        return (
            _digits_field(config.wallet, 1, "carteira")
            + _digits_field(config.agency, 4, "agência")
            + _digits_field(config.modality, 2, "modalidade")
            + _digits_field(config.client_code, 7, "código do cliente")
            + number
            + str(dv)
            + _digits_field(config.installment, 3, "parcela")
        )
    raise InvalidInput(f"banco sem campo livre conhecido: {type(config).__name__}")
