"""`quita pix parse` / `quita pix build` through Typer's runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from negotiation.payments.pix import crc16, parse
from quita.cli_pix import pix_app

BCB = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
KEY = "123e4567-e12b-12d1-a456-426655440000"


def _runner() -> CliRunner:
    return CliRunner()


def test_parse_prints_the_fields_as_json() -> None:
    result = _runner().invoke(pix_app, ["parse", BCB])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)
    assert fields["key"] == KEY
    assert fields["key_type"] == "evp"
    assert (fields["name"], fields["city"]) == ("Fulano de Tal", "BRASILIA")
    assert (fields["amount"], fields["txid"], fields["crc"]) == (None, "***", "1D3D")
    assert fields["dynamic"] is False


def test_parse_bad_crc_exits_2_with_one_line() -> None:
    result = _runner().invoke(pix_app, ["parse", BCB[:-4] + "0000"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: CRC esperado 1D3D, veio 0000\n"


def test_parse_bad_layout_exits_2_with_one_line() -> None:
    body = BCB[:-8].replace("5802BR", "") + "6304"
    result = _runner().invoke(pix_app, ["parse", body + crc16(body)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: payload: missing field 58 (country code)\n"
    garbage = _runner().invoke(pix_app, ["parse", "not a pix code"])
    assert garbage.exit_code == 2
    assert garbage.stdout == ""
    assert garbage.stderr.count("\n") == 1 and garbage.stderr.startswith("error: ")


def test_build_prints_a_payload_that_parses_back() -> None:
    args = ["build", "--key", KEY, "--amount", "89.90", "--name", "Provedor Sao Joao"]
    args += ["--city", "Maceió", "--txid", "AC123P01", "--description", "Parcela 1"]
    result = _runner().invoke(pix_app, args)
    assert result.exit_code == 0, result.output
    payload = result.stdout.strip()
    assert result.stdout == payload + "\n"
    p = parse(payload)
    assert (p.key, str(p.amount), p.name, p.city) == (KEY, "89.90", "Provedor Sao Joao", "Maceio")
    assert (p.txid, p.description) == ("AC123P01", "Parcela 1")


def test_build_reproduces_the_bcb_example() -> None:
    args = ["build", "--key", KEY, "--name", "Fulano de Tal", "--city", "BRASILIA"]
    result = _runner().invoke(pix_app, args)
    assert result.stdout == BCB + "\n"


def test_build_rejects_bad_input_with_one_line() -> None:
    base = ["build", "--key", KEY, "--name", "Loja", "--city", "Recife"]
    for extra, message in [
        (["--amount", "abc"], "error: amount: 'abc' is not a number\n"),
        (["--amount", "1.234"], "error: amount: '1.234' has more than two decimal places\n"),
        (["--txid", "com-hifen"], None),
        (["--key", "123.456.789-00"], "error: key: '123.456.789-00' is not a valid CPF"),
    ]:
        result = _runner().invoke(pix_app, [*base, *extra])
        assert result.exit_code == 2, extra
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        if message:
            assert result.stderr.startswith(message)


def test_build_long_name_rejected_unless_shortened() -> None:
    base = ["build", "--key", KEY, "--city", "Recife", "--name", "Provedor de Internet Sao Joao"]
    rejected = _runner().invoke(pix_app, base)
    assert rejected.exit_code == 2
    assert "the limit is 25" in rejected.stderr
    shortened = _runner().invoke(pix_app, [*base, "--shorten"])
    assert shortened.exit_code == 0
    assert parse(shortened.stdout.strip()).name == "Provedor de Internet Sao"
