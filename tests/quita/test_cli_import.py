"""`quita import customers|receivables FILE.csv`: exit codes 0/1/2, the summary, --report."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from typer.testing import CliRunner
from validate_docbr import CPF

from quita.cli_import import SHOWN_REJECTIONS, import_app
from quita.settings import get_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = "external_id;name;document;phones;state\n"


@pytest.fixture
def database(sqlite_template, tmp_path, monkeypatch) -> Path:
    """A migrated SQLite file of its own that QUITA_DATABASE_URL points to."""
    path = tmp_path / "quita.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("QUITA_DATABASE_URL", f"sqlite://{path}")
    get_settings.cache_clear()
    # Tortoise caches INSERT SQL per connection name; other tests may have used PostgreSQL.
    EXECUTOR_CACHE.clear()
    yield path
    get_settings.cache_clear()
    EXECUTOR_CACHE.clear()


def run(*args: str):
    return CliRunner().invoke(import_app, [str(a) for a in args])


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def assert_one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_the_example_files_import_cleanly_and_again_as_updates(database):
    first = run("customers", EXAMPLES / "customers.csv")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == ["5 criados, 0 atualizados, 0 rejeitados"]

    bills = run("receivables", EXAMPLES / "receivables.csv")
    assert bills.exit_code == 0, bills.output
    assert bills.stdout.splitlines() == ["6 criados, 0 atualizados, 0 rejeitados"]

    again = run("customers", EXAMPLES / "customers.csv")
    assert again.exit_code == 0
    assert again.stdout.splitlines() == ["0 criados, 5 atualizados, 0 rejeitados"]

    assert rows(database, "SELECT count(*) FROM customer") == [(5,)]
    assert rows(
        database,
        "SELECT r.external_id, c.external_id, CAST(r.amount AS TEXT), r.status FROM receivable r "
        "JOIN customer c ON c.id = r.customer_id WHERE r.external_id = 'FAT-1004'",
    ) == [("FAT-1004", "CLI-0003", "1049.70", "open")]
    assert ("+5519988887777",) in rows(database, "SELECT number FROM customer_phone")


def test_rejected_lines_exit_1_with_the_first_ones_and_the_full_report(database, tmp_path):
    good = CPF().generate()
    bad = [f"B{i};Cliente {i};123;;SP\n" for i in range(SHOWN_REJECTIONS + 2)]
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + f"G1;Boa;{good};(19) 98888-7777;sp\n" + "".join(bad), "utf-8")
    report = tmp_path / "rejeitados.csv"

    result = run("customers", source, "--report", report)

    assert result.exit_code == 1, result.output
    out = result.stdout.splitlines()
    assert out[0] == f"1 criados, 0 atualizados, {SHOWN_REJECTIONS + 2} rejeitados"
    assert out[1].strip().startswith("linha 3 (B0): CPF/CNPJ '123' deve ter 11")
    assert len(out) == 1 + SHOWN_REJECTIONS + 1
    assert out[-1].strip().startswith(f"… e mais 2 linhas rejeitadas (lista completa em {report}")

    written = list(csv.reader(io.StringIO(report.read_text("utf-8-sig")), delimiter=";"))
    assert written[0] == ["linha", "external_id", "motivo"]
    assert [(line, eid) for line, eid, _ in written[1:]] == [
        (str(i + 3), f"B{i}") for i in range(SHOWN_REJECTIONS + 2)
    ]
    # The good line was imported all the same.
    assert rows(database, "SELECT external_id, document, state FROM customer") == [
        ("G1", good, "SP")
    ]


def test_a_clean_import_writes_an_empty_report(database, tmp_path):
    report = tmp_path / "r.csv"
    result = run("customers", EXAMPLES / "customers.csv", "--report", report)
    assert result.exit_code == 0
    assert report.read_text("utf-8-sig").splitlines() == ["linha;external_id;motivo"]


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (None, ("no such file",)),
        ("folder", ("is a folder",)),
        (b"external_id;nome;cpf\nC1;Ana;1\n", ("falta", "name", "document")),
        (b"PK\x03\x04....", ("planilha",)),
        (b"", ("vazio",)),
    ],
)
def test_an_unusable_file_exits_2_with_one_line_and_imports_nothing(
    database, tmp_path, content, needles
):
    path = tmp_path / "in.csv"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = run("customers", path)
    assert_one_line_error(result, str(path), *needles)
    assert rows(database, "SELECT count(*) FROM customer") == [(0,)]


def test_receivables_file_missing_its_columns_names_them(database):
    result = run("receivables", EXAMPLES / "customers.csv")
    assert_one_line_error(result, "customer_external_id", "due_date", "amount")


def test_an_unwritable_report_stops_before_importing(database, tmp_path):
    result = run("customers", EXAMPLES / "customers.csv", "--report", tmp_path / "no" / "r.csv")
    assert_one_line_error(result, "cannot be written")
    assert rows(database, "SELECT count(*) FROM customer") == [(0,)]


def test_the_docs_show_the_example_files_as_they_are():
    doc = (EXAMPLES.parent.parent / "README.md").read_text("utf-8")
    for name in ("customers.csv", "receivables.csv"):
        block = (
            doc.split(f"(docs/examples/{name})", 1)[1].split("```csv\n", 1)[1].split("```", 1)[0]
        )
        assert block == (EXAMPLES / name).read_text("utf-8")


def test_an_unusable_database_exits_2_with_one_line_and_no_report(monkeypatch, tmp_path):
    monkeypatch.setenv("QUITA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quita_no_such_db")
    get_settings.cache_clear()
    report = tmp_path / "r.csv"
    try:
        result = run("customers", EXAMPLES / "customers.csv", "--report", report)
    finally:
        get_settings.cache_clear()
    assert_one_line_error(result, "database:")
    assert not report.exists()


def test_the_report_writes_formula_cells_as_text(database, tmp_path):
    """A hostile external id must not run when the report is opened in a spreadsheet."""
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(A1)"]
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + "".join(f"{h};Ana;123;;SP\n" for h in hostile), "utf-8")
    report = tmp_path / "r.csv"

    result = run("customers", source, "--report", report)

    assert result.exit_code == 1, result.output
    written = list(csv.reader(io.StringIO(report.read_text("utf-8-sig")), delimiter=";"))
    assert [eid for _, eid, _ in written[1:]] == [f"'{h}" for h in hostile]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in written for cell in row)


def test_control_characters_of_a_cell_are_shown_not_obeyed(database, tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + '"C\x1b[2J\x1b]0;pwn\x07\x9b1";Ana;123;;SP\n', "utf-8")

    result = run("customers", source)

    assert result.exit_code == 1, result.output
    assert not any(ch in result.output for ch in "\x1b\x07\x9b")
    assert "linha 2 (C\\x1b[2J\\x1b]0;pwn\\x07\\x9b1)" in result.stdout


def test_a_header_with_control_characters_is_shown_escaped_on_stderr(database, tmp_path):
    source = tmp_path / "customers.csv"
    source.write_bytes(b"external_id;nome\x1b[31m;cpf\nC1;Ana;1\n")
    result = run("customers", source)
    line = assert_one_line_error(result, "falta")
    assert "\x1b" not in result.stderr and "nome\\x1b[31m" in line


def test_a_utf16_tab_separated_file_as_excel_saves_it_imports(database, tmp_path):
    """Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, CRLF."""
    good = CPF().generate()
    text = f"external_id\tname\tdocument\tphones\tstate\r\nU1\tJoão Ação\t{good}\t\tSP\r\n"
    source = tmp_path / "unicode.txt"
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))

    result = run("customers", source)

    assert result.exit_code == 0, result.output
    assert rows(database, "SELECT external_id, name, document FROM customer") == [
        ("U1", "João Ação", good)
    ]


def test_a_utf16_big_endian_file_imports(database, tmp_path):
    good = CPF().generate()
    text = f"external_id;name;document;phones;state\nB1;Conceição;{good};;SP\n"
    source = tmp_path / "be.csv"
    source.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    result = run("customers", source)
    assert result.exit_code == 0, result.output
    assert rows(database, "SELECT name FROM customer") == [("Conceição",)]


def test_bot_link_shows_an_imported_name_escaped(database, tmp_path, monkeypatch):
    from quita.cli_bot import bot_app

    good = CPF().generate()
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + f'E1;"Ana\x1b]0;pwn\x07";{good};;SP\n', "utf-8")
    assert run("customers", source).exit_code == 0
    monkeypatch.setenv("QUITA_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("QUITA_TELEGRAM_BOT_USERNAME", "quita_bot")
    get_settings.cache_clear()

    result = CliRunner().invoke(bot_app, ["link", "E1"])

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.stdout.splitlines()[0] == "Ana\\x1b]0;pwn\\x07 (E1)"
