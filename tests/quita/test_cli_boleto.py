"""`quita boleto parse|build` through Typer's runner: JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from models import clock
from negotiation.payments.boleto import build
from quita.cli_boleto import boleto_app

runner = CliRunner()

# brcobranca banco_brasil_spec.rb: convênio 1238798, carteira 18, due 2008-02-03, R$ 135,00.
LINE = "00190.00009 01238.798779 77700.168188 3 37710000013500"
BARCODE = "00193377100000135000000001238798777770016818"


def _ok(args: list[str]) -> str:
    result = runner.invoke(boleto_app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def _error(args: list[str]) -> str:
    result = runner.invoke(boleto_app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("code", [LINE, BARCODE, LINE.replace(" ", "").replace(".", "")])
def test_parse_prints_json(code):
    out = _ok(["parse", code, "--today", "2008-01-15"])
    assert json.loads(out) == {
        "valid": True,
        "bank": "001",
        "barcode": BARCODE,
        "line": LINE,
        "amount": "135.00",
        "due_date": "2008-02-03",
    }
    assert out.count("\n") == 1


def test_parse_decodes_the_factor_around_today_by_default():
    due = clock.now().date() + timedelta(days=30)
    boleto = build("756", "89.90", due, "1432701022938500000024001")
    data = json.loads(_ok(["parse", boleto.formatted_line]))
    assert data["due_date"] == due.isoformat()
    assert data["amount"] == "89.90"
    assert data["bank"] == "756"


def test_parse_without_due_date_gives_null():
    boleto = build("237", "10.00", None, "1172060007589645204030050")
    data = json.loads(_ok(["parse", boleto.barcode, "--today", "2026-01-01"]))
    assert data["due_date"] is None


def test_post_reset_factor():
    boleto = build("001", "99.90", date(2025, 2, 22), "0000001238798000000000117")
    data = json.loads(_ok(["parse", boleto.line, "--today", "2025-02-01"]))
    assert data["due_date"] == "2025-02-22"
    assert data["barcode"][5:9] == "1000"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["parse", LINE.replace("798779", "798770")],
            "error: campo 2: dígito verificador 9 esperado, veio 0",
        ),
        (
            ["parse", LINE.replace(" 3 ", " 4 ")],
            "error: dígito geral: 3 esperado, veio 4",
        ),
        (["parse", "1234"], "error: são 47 dígitos (linha digitável) ou 44"),
        (["parse", LINE + "Z"], "error: caractere inválido 'Z' no código"),
        (["parse", LINE, "--today", "15/01/2008"], "error: --today: '15/01/2008' is not a date"),
    ],
)
def test_parse_errors_are_one_line(args, message):
    assert _error(args).startswith(message)


def test_build_prints_barcode_and_line():
    out = _ok(
        [
            "build",
            "--bank",
            "001",
            "--amount",
            "135.00",
            "--due",
            "2008-02-03",
            "--free-field",
            "0000001238798777770016818",
        ]
    )
    assert out == f"barcode: {BARCODE}\nline: {LINE}\n"


def test_build_then_parse():
    out = _ok(
        [
            "build",
            "--bank",
            "237",
            "--amount",
            "1499.90",
            "--due",
            "2027-01-10",
            "--free-field",
            "1172060007589645204030050",
        ]
    )
    line = out.splitlines()[1].removeprefix("line: ")
    data = json.loads(_ok(["parse", line, "--today", "2026-12-01"]))
    assert (data["amount"], data["due_date"], data["bank"]) == ("1499.90", "2027-01-10", "237")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--amount": "12.345"}, "error: valor 12.345: mais de duas casas decimais"),
        ({"--amount": "doze"}, "error: valor 'doze': não é um número"),
        ({"--due": "2027-02-30"}, "error: --due: '2027-02-30' is not a date"),
        ({"--bank": "1"}, "error: banco '1': são 3 dígitos"),
        ({"--free-field": "123"}, "error: campo livre: são 25 dígitos"),
    ],
)
def test_build_errors_are_one_line(change, message):
    options = {
        "--bank": "001",
        "--amount": "135.00",
        "--due": "2008-02-03",
        "--free-field": "0000001238798777770016818",
    }
    options.update(change)
    args = ["build"]
    for name, value in options.items():
        args += [name, value]
    assert _error(args).startswith(message)


def test_bad_timezone_setting_is_one_line(monkeypatch):
    from quita.settings import get_settings

    monkeypatch.setenv("QUITA_TIMEZONE", "Nowhere/City")
    get_settings.cache_clear()
    try:
        assert _error(["parse", LINE]).startswith("error: QUITA_TIMEZONE:")
    finally:
        get_settings.cache_clear()
