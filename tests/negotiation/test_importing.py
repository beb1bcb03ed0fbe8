"""Data in (issue 3, section 3): CSV reading, value parsing, and the upserts on both backends."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction
from validate_docbr import CNPJ, CPF

from models import Agreement, AgreementReceivable, Customer, CustomerPhone, Receivable
from models.enums import AgreementStatus, Channel, ReceivableStatus
from negotiation import importing
from negotiation.amounts import parse_amount
from negotiation.errors import Conflict, InvalidInput
from negotiation.importing import (
    ImportReport,
    Rejection,
    batches,
    import_customers,
    import_receivables,
    parse_date,
    parse_datetime,
    read_csv,
)
from negotiation.phones import store_phone as normalize_phone
from tests.factories import make_condition, make_customer, make_receivable

TZ = "America/Sao_Paulo"
_cpf, _cnpj = CPF(), CNPJ()


def cpfs(n: int) -> list[str]:
    found: set[str] = set()
    while len(found) < n:
        found.add(_cpf.generate())
    return sorted(found)


def write_csv(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def reasons_of(report: ImportReport) -> dict[int, str]:
    """line → its reasons joined, to assert on fragments."""
    return {r.line: " | ".join(r.reasons) for r in report.rejected}


# ---------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("(19) 98888-7777", "+5519988887777"),
        ("+55 (19) 98888-7777", "+5519988887777"),
        ("5519988887777", "+5519988887777"),
        ("019 98888-7777", "+5519988887777"),
        ("0 21 19 98888-7777", "+5519988887777"),  # trunk 0 + carrier code
        ("0055 19 98888 7777", "+5519988887777"),
        ("19 3232-1234", "+551932321234"),
        ("551932321234", "+551932321234"),
        ("55 99999-0000", "+5555999990000"),  # DDD 55 (Santa Maria), no country code
        ("55 55 99999-0000", "+5555999990000"),
        ("61.3333.4444", "+556133334444"),
    ],
)
def test_phones_in_brazilian_forms_become_e164(text, e164):
    assert normalize_phone(text) == e164


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1234", "DDD e 8 dígitos"),
        ("(20) 98888-7777", "DDD 20"),
        ("(19) 8888-7777", "sem o 9"),
        ("(19) 18888-7777", "começa com 9"),
        ("(19) 1234-5678", "não é um número possível"),
        ("(19) 98888-77777", "DDD e 8 dígitos"),
        ("+1 212 555 0100", "+55"),
        ("19 3232-1234 ramal 2", "caracteres"),
    ],
)
def test_impossible_phones_are_refused(text, why):
    with pytest.raises(InvalidInput, match=re.escape(why)):
        normalize_phone(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("R$ 1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("99,9", "99.90"),
        ("1.234.567,89", "1234567.89"),
        ("1.234.567", "1234567.00"),
        ("1234.5600", "1234.56"),
        ("0,01", "0.01"),
        ("150", "150.00"),
    ],
)
def test_amounts_in_both_notations(text, amount):
    value = parse_amount(text)
    assert value == Decimal(amount)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1.234", "ambíguo"),
        ("1,234", "ambíguo"),
        ("10.0051", "mais de 2 casas"),
        ("0,125", "mais de 2 casas"),
        ("0", "maior que zero"),
        ("0,00", "maior que zero"),
        ("-5,00", "maior que zero"),
        ("12.34,56", "não é um valor"),
        ("1,2,3", "ambíguo"),
        ("dez reais", "não é um valor"),
        ("1e5", "não é um valor"),
        ("1.000.000.000.000,00", "grande demais"),
    ],
)
def test_bad_or_ambiguous_amounts_are_refused(text, why):
    with pytest.raises(InvalidInput, match=re.escape(why)):
        parse_amount(text)


def test_dates_iso_and_brazilian():
    assert parse_date("2024-03-05") == date(2024, 3, 5)
    assert parse_date("05/03/2024") == date(2024, 3, 5)
    assert parse_date("5/3/2024") == date(2024, 3, 5)
    for bad, why in [
        ("2024-02-30", "não existe"),
        ("03-05-2024", "não é uma data"),
        ("05/03/24", "não é uma data"),
        ("1850-01-01", "1900"),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(why)):
            parse_date(bad, "due_date")


def test_paid_at_without_offset_is_in_the_isps_zone():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(TZ)
    assert parse_datetime("12/07/2026", tz) == datetime(2026, 7, 12, 3, 0, tzinfo=UTC)
    assert parse_datetime("12/07/2026 14:30", tz) == datetime(2026, 7, 12, 17, 30, tzinfo=UTC)
    assert parse_datetime("2026-07-12T14:30:00Z", tz) == datetime(2026, 7, 12, 14, 30, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Reading CSV files


def test_read_csv_semicolon_bom_header_case_blank_and_multiline_lines(tmp_path):
    path = write_csv(
        tmp_path,
        "\ufeff External_ID ; NAME ;Document\r\n"
        "C1;Ana;529.982.247-25\r\n"
        "\r\n"
        ";;\r\n"
        'C2;"Bruno\r\nda Silva";111.444.777-35\r\n'
        "C3;Carla\r\n",
    )
    rows = read_csv(path, ["external_id", "name", "document"])
    assert [dict(r) for r in rows] == [
        {"external_id": "C1", "name": "Ana", "document": "529.982.247-25"},
        {"external_id": "C2", "name": "Bruno\r\nda Silva", "document": "111.444.777-35"},
        {"external_id": "C3", "name": "Carla", "document": ""},  # short line padded
    ]
    assert [r.line for r in rows] == [2, 5, 7]


def test_read_csv_latin1_and_comma(tmp_path):
    path = write_csv(tmp_path, "external_id,name,city\nC1,João,São Paulo\n", encoding="latin-1")
    (row,) = read_csv(path)
    assert row["name"] == "João" and row["city"] == "São Paulo"


def test_read_csv_keeps_track_of_extra_cells(tmp_path):
    path = write_csv(tmp_path, "external_id,amount\nR1,1234,56\nR2,10.00,\n")
    first, second = read_csv(path)
    assert first.extra == ("56",)
    assert second.extra == ()  # a trailing empty cell is harmless


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"external_id;document\nC1;1\n", "falta a coluna obrigatória name"),
        (b"id;nome\n", "faltam as colunas obrigatórias external_id, name, document"),
        (b"", "vazio"),
        (b"\n  \n", "vazio"),
        (b"PK\x03\x04binary", "planilha"),
        (b"external_id,name,name,document\n", "duas vezes"),
    ],
)
def test_read_csv_refuses_unusable_files(tmp_path, content, why):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=re.escape(why)):
        read_csv(path, importing.CUSTOMER_REQUIRED)


def test_rejection_report_renders_as_csv():
    report = ImportReport(
        created=1,
        rejected=[Rejection(7, "C123", ("CPF 123 é inválido", 'name "x"; longo demais'))],
    )
    assert report.summary() == "1 criados, 0 atualizados, 1 rejeitados"
    assert report.messages() == ['linha 7 (C123): CPF 123 é inválido; name "x"; longo demais']
    rows = list(csv.reader(io.StringIO(report.rejections_csv()), delimiter=";"))
    assert rows == [
        ["linha", "external_id", "motivo"],
        ["7", "C123", "CPF 123 é inválido"],
        ["7", "C123", 'name "x"; longo demais'],
    ]


# ---------------------------------------------------------------------------------------------
# Customers


async def test_good_customer_lines_land_and_bad_ones_are_rejected_with_reasons(each_db, tmp_path):
    keep = await make_customer(external_id="C-OLD", name="Nome Antigo", city="Campinas")
    ana, bia, caio = cpfs(3)
    company = _cnpj.generate(mask=True)
    path = write_csv(
        tmp_path,
        "external_id;name;document;birth_date;email;phones;city;state;plan;status\n"
        f"C1;Ana Fictícia;{ana[:3]}.{ana[3:6]}.{ana[6:9]}-{ana[9:]};12/03/1984;ana@example.com;"
        "(19) 98888-7777, 19 3232-1234;Campinas;sp;Fibra 300;\n"
        f"C2;Empresa Fictícia Ltda;{company};;;+55 11 3456-7890;São Paulo;SP;Empresarial;ativo\n"
        "C3;CPF Errado;123.456.789-00;;;;;;;\n"
        f"C-OLD;Nome Novo;{keep.document};31/02/1990;não-é-email;(20) 98888-7777;;XX;;\n"
        f"C5;;{bia};2030-01-01;;;;;;\n"
        f"C6;Caio;{caio};;;;;;;suspenso\n",
    )
    report = await import_customers(read_csv(path))

    assert (report.created, report.updated) == (3, 0)
    assert [(r.line, r.external_id) for r in report.rejected] == [
        (4, "C3"),
        (5, "C-OLD"),
        (6, "C5"),
    ]
    why = reasons_of(report)
    assert "CPF 123.456.789-00 é inválido" in why[4]
    assert report.messages()[0].startswith("linha 4 (C3): CPF 123.456.789-00 é inválido")
    for fragment in ("birth_date 31/02/1990", "email não-é-email", "DDD 20", "state XX"):
        assert fragment in why[5]
    assert "name é obrigatório" in why[6] and "birth_date 2030-01-01 está no futuro" in why[6]

    c1 = await Customer.get(external_id="C1")
    assert (c1.name, c1.document, c1.birth_date, c1.state, c1.status) == (
        "Ana Fictícia",
        ana,
        date(1984, 3, 12),
        "SP",
        "active",
    )
    phones = await CustomerPhone.filter(customer=c1).order_by("number")
    assert [(p.number, p.label) for p in phones] == [
        ("+551932321234", "landline"),
        ("+5519988887777", "mobile"),
    ]
    c2 = await Customer.get(external_id="C2")
    assert c2.document == "".join(ch for ch in company if ch.isdigit())
    assert c2.document_kind == "cnpj" and c2.status == "active" and c2.birth_date is None
    assert (await Customer.get(external_id="C6")).status == "suspended"
    # The rejected update left its customer exactly as it was.
    await keep.refresh_from_db()
    assert (keep.name, keep.city, keep.state) == ("Nome Antigo", "Campinas", "SP")
    assert await Customer.all().count() == 4
    assert not await Customer.filter(external_id__in=["C3", "C5"]).exists()


async def test_customer_upsert_updates_by_external_id(each_db):
    doc, other_doc = cpfs(2)
    first = [
        {
            "external_id": "C1",
            "name": "Ana",
            "document": doc,
            "email": "ana@example.com",
            "phones": "(19) 98888-7777; (19) 3232-1234",
            "city": "Campinas",
            "state": "SP",
        }
    ]
    assert (await import_customers(first)).summary() == "1 criados, 0 atualizados, 0 rejeitados"
    before = await Customer.get(external_id="C1")
    kept_phone = await CustomerPhone.get(customer=before, number="+5519988887777")

    # No email column: kept. City present but empty: cleared. Phones: replaced.
    second = [
        {
            "external_id": "C1",
            "name": "Ana Maria",
            "document": other_doc,
            "phones": "019 98888-7777;+55 19 97777-6666",
            "city": "",
            "state": "rj",
            "status": "bloqueado",
        }
    ]
    report = await import_customers(second)
    assert (report.created, report.updated, report.rejected) == (0, 1, [])

    after = await Customer.get(external_id="C1")
    assert after.id == before.id
    assert (after.name, after.document, after.email, after.city, after.state, after.status) == (
        "Ana Maria",
        other_doc,
        "ana@example.com",
        None,
        "RJ",
        "blocked",
    )
    phones = await CustomerPhone.filter(customer=after).order_by("number")
    assert [p.number for p in phones] == ["+5519977776666", "+5519988887777"]
    assert next(p.id for p in phones if p.number == "+5519988887777") == kept_phone.id
    assert await Customer.all().count() == 1

    # No phones column at all: phones untouched; an empty phones cell removes them.
    await import_customers([{"external_id": "C1", "name": "Ana Maria", "document": other_doc}])
    assert await CustomerPhone.filter(customer=after).count() == 2
    await import_customers(
        [{"external_id": "C1", "name": "Ana Maria", "document": other_doc, "phones": ""}]
    )
    assert await CustomerPhone.filter(customer=after).count() == 0


async def test_duplicates_in_one_file_reject_the_later_lines(each_db):
    a, b, c = cpfs(3)
    taken = await make_customer(external_id="OTHER")
    rows = [
        {"external_id": "C1", "name": "Primeira", "document": a},
        {"external_id": "C2", "name": "Segunda", "document": b},
        {"external_id": "C1", "name": "Repetida", "document": c},
        {"external_id": "C3", "name": "Mesmo CPF da C2", "document": b},
        {"external_id": "C4", "name": "CPF de outro cliente", "document": taken.document},
    ]
    report = await import_customers(rows, first_line=1)
    assert (report.created, report.updated) == (2, 0)
    why = reasons_of(report)
    assert list(why) == [3, 4, 5]
    assert "external_id C1 repetido no arquivo (já na linha 1)" in why[3]
    assert f"CPF/CNPJ {b} repetido no arquivo (já na linha 2)" in why[4]
    assert "já é de outro cliente (external_id OTHER)" in why[5]
    assert (await Customer.get(external_id="C1")).name == "Primeira"
    assert await Customer.all().count() == 3


async def test_json_rows_numbers_lists_and_non_objects(each_db):
    (doc,) = cpfs(1)
    rows = [
        {"External_ID": 1001, "name": "Ana", "document": doc, "phones": ["(19) 98888-7777"]},
        ["not", "an", "object"],
        {"external_id": "C3", "name": "Zé", "document": _cpf.generate(), "email": True},
        {"external_id": "C4", "name": "x" * 161, "document": _cpf.generate()},
        {"external_id": "C5", "name": "Nulo\x00", "document": _cpf.generate()},
    ]
    report = await import_customers(rows, first_line=1)
    assert report.created == 1
    why = reasons_of(report)
    assert list(why) == [2, 3, 4, 5]
    assert "não é um conjunto de colunas" in why[2]
    assert "email: verdadeiro/falso" in why[3]
    assert "name tem 161 caracteres (máximo 160)" in why[4]
    assert "caractere nulo" in why[5]
    customer = await Customer.get(external_id="1001")
    assert [p.number for p in await CustomerPhone.filter(customer=customer)] == ["+5519988887777"]


# ---------------------------------------------------------------------------------------------
# Receivables


async def test_receivables_in_brazilian_formats_and_statuses(each_db, tmp_path):
    customer = await make_customer(external_id="C1")
    path = write_csv(
        tmp_path,
        "external_id;customer_external_id;issue_date;due_date;amount;billing_method;status;paid_at\n"
        "R1;C1;01/08/2026;10/08/2026;1.234,56;Boleto;aberto;\n"
        "R2;C1;2026-07-01;2026-07-10;99.90;pix;pago;12/07/2026 14:30\n"
        "R3;C1;;10/06/2026;R$ 79,9;;cancelado;\n"
        "R4;C9;01/08/2026;10/08/2026;10,00;;;\n"
        "R5;C1;10/08/2026;01/08/2026;1.234;;negociado;\n"
        "R6;C1;01/08/2026;10/08/2026;50,00;;pago;\n"
        "R7;C1;01/08/2026;10/08/2026;50,00;;aberto;12/07/2026\n"
        "R8;C1;01/08/2026;;0,00;;;\n",
    )
    report = await import_receivables(read_csv(path), timezone=TZ)

    assert (report.created, report.updated) == (3, 0)
    why = reasons_of(report)
    assert list(why) == [5, 6, 7, 8, 9]
    assert "cliente C9 não existe" in why[5]
    assert "amount 1.234 é ambíguo" in why[6]
    assert "status negociado é dado pelo Quita" in why[6]
    assert "due_date 01/08/2026 é anterior a issue_date 10/08/2026" in why[6]
    assert "paid_at é obrigatório" in why[7]
    assert "paid_at só vale para conta paga" in why[8]
    assert "due_date é obrigatório" in why[9] and "amount 0,00 deve ser maior que zero" in why[9]

    bills = {r.external_id: r for r in await Receivable.filter(customer=customer)}
    assert set(bills) == {"R1", "R2", "R3"}
    r1, r2, r3 = bills["R1"], bills["R2"], bills["R3"]
    assert (r1.amount, r1.issue_date, r1.due_date, r1.billing_method, r1.status) == (
        Decimal("1234.56"),
        date(2026, 8, 1),
        date(2026, 8, 10),
        "boleto",
        ReceivableStatus.OPEN,
    )
    assert r1.paid_at is None
    assert (r2.amount, r2.status) == (Decimal("99.90"), ReceivableStatus.PAID)
    assert r2.paid_at == datetime(2026, 7, 12, 17, 30, tzinfo=UTC)
    # No issue date: the due date; no billing method: boleto.
    assert (r3.amount, r3.issue_date, r3.billing_method, r3.status) == (
        Decimal("79.90"),
        date(2026, 6, 10),
        "boleto",
        ReceivableStatus.CANCELLED,
    )


async def test_receivable_upsert_updates_and_keeps_absent_columns(each_db):
    customer = await make_customer(external_id="C1")
    other = await make_customer(external_id="C2")
    paid = await make_receivable(
        customer,
        date(2026, 8, 10),
        "99.90",
        issue_date=date(2026, 8, 1),
        status=ReceivableStatus.PAID,
        paid_at=datetime(2026, 8, 11, 12, tzinfo=UTC),
    )
    # No status, issue_date or billing_method columns: those stay as stored.
    report = await import_receivables(
        [
            {
                "external_id": paid.external_id,
                "customer_external_id": "C2",
                "due_date": "15/08/2026",
                "amount": "109,90",
            },
            {
                "external_id": "NEW",
                "customer_external_id": "C1",
                "due_date": "2026-09-10",
                "amount": "5",
            },
        ],
        timezone=TZ,
    )
    assert (report.created, report.updated, report.rejected) == (1, 1, [])
    await paid.refresh_from_db()
    assert paid.customer_id == other.id
    assert (paid.amount, paid.due_date, paid.issue_date) == (
        Decimal("109.90"),
        date(2026, 8, 15),
        date(2026, 8, 1),
    )
    assert paid.status == ReceivableStatus.PAID
    assert paid.paid_at == datetime(2026, 8, 11, 12, tzinfo=UTC)
    new = await Receivable.get(external_id="NEW")
    assert (new.status, new.issue_date, new.billing_method) == (
        ReceivableStatus.OPEN,
        date(2026, 9, 10),
        "boleto",
    )

    # A due date before the stored issue date is caught before the database sees it.
    report = await import_receivables(
        [
            {
                "external_id": "NEW",
                "customer_external_id": "C1",
                "due_date": "2026-09-01",
                "amount": "5",
                "issue_date": "2026-09-05",
            },
            {
                "external_id": paid.external_id,
                "customer_external_id": "C2",
                "due_date": "2026-07-01",
                "amount": "5",
            },
        ],
        timezone=TZ,
    )
    assert [r.line for r in report.rejected] == [2, 3]
    assert "issue_date já gravada 01/08/2026" in reasons_of(report)[3]


async def test_negotiated_receivables_are_never_changed(each_db):
    customer = await make_customer(external_id="C1")
    condition = await make_condition()
    negotiated = await make_receivable(
        customer, date(2026, 8, 10), "99.90", status=ReceivableStatus.NEGOTIATED
    )
    settled = await make_receivable(
        customer,
        date(2026, 7, 10),
        "99.90",
        status=ReceivableStatus.PAID,
        paid_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    returned = await make_receivable(customer, date(2026, 6, 10), "99.90")
    fulfilled = await _agreement(customer, condition, AgreementStatus.FULFILLED, settled)
    await _agreement(customer, condition, AgreementStatus.BROKEN, returned)
    installment = await Receivable.create(
        customer=customer,
        external_id="INST-1",
        issue_date=date(2026, 9, 1),
        due_date=date(2026, 9, 10),
        amount=Decimal("50.00"),
        agreement=fulfilled,
        installment_number=1,
    )

    rows = [
        {
            "external_id": r.external_id,
            "customer_external_id": "C1",
            "due_date": r.due_date.isoformat(),
            "amount": "1,00",
            "status": "aberto",
            "paid_at": "",
        }
        for r in (negotiated, settled, installment, returned)
    ]
    report = await import_receivables(rows, first_line=1, timezone=TZ)

    assert (report.created, report.updated) == (0, 1)
    why = reasons_of(report)
    assert list(why) == [1, 2, 3]
    assert f"a conta {negotiated.external_id} está negociada" in why[1]
    assert f"(acordo {fulfilled.id})" in why[2] and f"(acordo {fulfilled.id})" in why[3]
    for bill, status in [
        (negotiated, ReceivableStatus.NEGOTIATED),
        (settled, ReceivableStatus.PAID),
        (installment, ReceivableStatus.OPEN),
    ]:
        await bill.refresh_from_db()
        assert (bill.amount, bill.status) != (Decimal("1.00"), ReceivableStatus.OPEN)
        assert bill.status == status and bill.amount in (Decimal("99.90"), Decimal("50.00"))
    # The debt of a broken agreement is back in collection: the billing system may update it.
    await returned.refresh_from_db()
    assert returned.amount == Decimal("1.00")


async def _agreement(customer, condition, status, original) -> Agreement:
    agreement = await Agreement.create(
        customer=customer,
        condition=condition,
        as_of=date(2026, 8, 20),
        installments_count=1,
        days_between=0,
        interest_discount_pct=Decimal(0),
        debt_discount_pct=Decimal(0),
        principal=original.amount,
        fine=Decimal("0.00"),
        interest=Decimal("0.00"),
        interest_discount=Decimal("0.00"),
        debt_discount=Decimal("0.00"),
        total=original.amount,
        channel=Channel.CONSOLE,
        status=status,
    )
    await AgreementReceivable.create(
        agreement=agreement,
        receivable=original,
        amount=original.amount,
        days_late=10,
        fine=Decimal("0.00"),
        interest=Decimal("0.00"),
    )
    return agreement


async def test_customers_and_receivables_in_one_outer_transaction(each_db):
    (doc,) = cpfs(1)
    bill = {
        "external_id": "R1",
        "customer_external_id": "C1",
        "due_date": "2026-09-10",
        "amount": "10",
    }
    async with in_transaction():
        await import_customers([{"external_id": "C1", "name": "Ana", "document": doc}])
        report = await import_receivables([bill], timezone=TZ)
    assert report.created == 1
    assert (
        await Receivable.get(external_id="R1").prefetch_related("customer")
    ).customer.document == doc

    with pytest.raises(RuntimeError):
        async with in_transaction():
            await import_customers([{"external_id": "C2", "name": "Bia", "document": cpfs(2)[1]}])
            await import_receivables(
                [{**bill, "external_id": "R2", "customer_external_id": "C2"}], timezone=TZ
            )
            raise RuntimeError("the caller gives up")
    assert not await Customer.filter(external_id="C2").exists()
    assert not await Receivable.filter(external_id="R2").exists()


# ---------------------------------------------------------------------------------------------
# All or nothing, and size


_BOOM = {
    "sqlite": (
        "CREATE TRIGGER quita_test_boom BEFORE INSERT ON customer "
        "WHEN NEW.external_id = 'BOOM' BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        "DROP TRIGGER IF EXISTS quita_test_boom;",
    ),
    "postgres": (
        "CREATE FUNCTION quita_test_boom() RETURNS trigger AS $$ BEGIN "
        "IF NEW.external_id = 'BOOM' THEN "
        "RAISE EXCEPTION 'boom' USING ERRCODE = 'unique_violation'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql; "
        "CREATE TRIGGER quita_test_boom BEFORE INSERT ON customer "
        "FOR EACH ROW EXECUTE FUNCTION quita_test_boom();",
        "DROP TRIGGER IF EXISTS quita_test_boom ON customer; "
        "DROP FUNCTION IF EXISTS quita_test_boom();",
    ),
}


async def test_a_database_failure_in_the_middle_writes_nothing(each_db, monkeypatch):
    """A failure validation cannot see (a trigger here) after some batches were written."""
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)
    existing = await make_customer(external_id="C0", name="Antes")
    docs = cpfs(6)
    rows = [
        {
            "external_id": "C0",
            "name": "Depois",
            "document": existing.document,
            "phones": "(19) 98888-7777",
        }
    ]
    rows += [
        {"external_id": f"C{i}", "name": f"Cliente {i}", "document": docs[i]} for i in range(1, 5)
    ]
    rows.append({"external_id": "BOOM", "name": "Falha", "document": docs[5]})
    seen: list[int] = []

    backend = "sqlite" if each_db.startswith("sqlite") else "postgres"
    create, drop = _BOOM[backend]
    conn = connections.get("default")
    await conn.execute_script(create)
    try:
        with pytest.raises(Conflict, match="nada foi importado"):
            await import_customers(rows, seen.append)
    finally:
        await conn.execute_script(drop)

    assert seen == [2, 4]  # two batches were written before the failure...
    await existing.refresh_from_db()
    assert existing.name == "Antes"  # ...and rolled back with it
    assert await Customer.all().count() == 1
    assert await CustomerPhone.all().count() == 0


async def test_twenty_thousand_rows(each_db):
    n = 20_000
    docs = cpfs(n // 4)
    customers = [
        {
            "external_id": f"C{i}",
            "name": f"Cliente {i}",
            "document": d,
            "phones": f"(19) 9{i:08d}",
            "state": "sp",
        }
        for i, d in enumerate(docs)
    ]
    assert (await import_customers(customers)).created == n // 4
    bills = [
        {
            "external_id": f"R{i}",
            "customer_external_id": f"C{i % (n // 4)}",
            "due_date": "10/10/2026",
            "amount": f"{i // 100}.{i % 100:02d}" if i >= 100 else "1,00",
            "status": "aberto",
        }
        for i in range(n)
    ]
    bills[7]["customer_external_id"] = "NOPE"
    calls: list[int] = []
    report = await import_receivables(bills, calls.append, timezone=TZ)
    assert (report.created, report.updated, len(report.rejected)) == (n - 1, 0, 1)
    assert calls[-1] == n and calls == sorted(calls)
    assert await Receivable.all().count() == n - 1
    sample = await Receivable.get(external_id="R12345").prefetch_related("customer")
    assert (sample.amount, sample.customer.external_id) == (Decimal("123.45"), "C2345")

    assert await CustomerPhone.all().count() == n // 4


async def test_an_import_waits_for_an_agreement_being_made_and_then_leaves_it_alone(pg_db):
    """The customer-row lock (the one `accept` takes) orders the two writers on PostgreSQL."""
    customer = await make_customer(external_id="C1")
    bill = await make_receivable(customer, date(2026, 8, 10), "99.90")
    locked, release = asyncio.Event(), asyncio.Event()

    async def agreement_in_progress() -> None:
        async with in_transaction() as conn:
            await Customer.select_for_update().using_db(conn).get(id=customer.id)
            await (
                Receivable.filter(id=bill.id)
                .using_db(conn)
                .update(status=ReceivableStatus.NEGOTIATED)
            )
            locked.set()
            await release.wait()

    agreement = asyncio.create_task(agreement_in_progress())
    await locked.wait()
    row = {
        "external_id": bill.external_id,
        "customer_external_id": "C1",
        "due_date": "2026-08-10",
        "amount": "1,00",
        "status": "aberto",
    }
    running = asyncio.create_task(import_receivables([row], timezone=TZ))
    await asyncio.sleep(0.3)
    assert not running.done()  # waiting for the customer's row
    release.set()
    await agreement
    report = await running

    assert report.updated == 0
    assert "está negociada" in reasons_of(report)[2]
    await bill.refresh_from_db()
    assert (bill.status, bill.amount) == (ReceivableStatus.NEGOTIATED, Decimal("99.90"))


def test_spreadsheet_cells_keep_numbers_and_neutralise_formulas():
    from negotiation.rendering import csv_row, spreadsheet_cell

    for live in ["=1+1", "+cmd|x", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "+55 (19) 9"]:
        assert spreadsheet_cell(live) == "'" + live
    for kept in ["-12,50", "+5519988887777", "+5519988887777 +551932321234", "Ana", "", 7]:
        assert spreadsheet_cell(kept) == kept
    assert csv_row(["=1;2", "a"]) == '"\'=1;2";a'


def test_terminal_safe_shows_control_characters():
    from negotiation.rendering import terminal_safe

    assert terminal_safe("a\x1b[2J\x07\x9b\u202eé\n") == "a\\x1b[2J\\x07\\x9b\\u202eé\\n"
