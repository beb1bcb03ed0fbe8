"""Data in: customers and receivables from the ISP's billing system (issue 3, section 3).

Rows are mappings of column name to value, from a CSV file (`read_csv`) or a JSON bulk
request. Every line is checked first; a line with problems is rejected with its line number,
its external id and one pt-BR reason per problem. The good lines are then written in ONE
transaction, in batches (`INSERT ... ON CONFLICT (external_id) DO UPDATE`, many rows per
round trip): either all good lines land or, on a database error, none does.

Upsert rules (the README's "Data in" says the same for the people who prepare the files):

- a row is matched on `external_id`; a new id creates, a known one updates;
- a column that is absent from the row keeps the stored value; a column that is present but
  empty clears it (or sets the default: customer status `active`, billing method `boleto`,
  receivable status `open`, issue date = due date);
- a receivable that is negotiated or belongs to an agreement is never changed by an import;
- the later line of two with the same external id (or two customers with the same CPF/CNPJ)
  is rejected.

To import customers and receivables atomically together (e.g. one JSON request carrying
both), call both inside one `in_transaction()`: the receivables then see the customers.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import AgreementReceivable, Customer, CustomerPhone, Receivable, clock
from models.enums import AgreementStatus, ReceivableStatus
from negotiation.documents import normalize_document
from negotiation.errors import Conflict, InvalidInput
from negotiation.money import CENT

T = TypeVar("T")

CUSTOMER_COLUMNS = (
    "external_id",
    "name",
    "document",
    "birth_date",
    "email",
    "phones",
    "city",
    "state",
    "plan",
    "status",
)
CUSTOMER_REQUIRED = ("external_id", "name", "document")
RECEIVABLE_COLUMNS = (
    "external_id",
    "customer_external_id",
    "issue_date",
    "due_date",
    "amount",
    "billing_method",
    "status",
    "paid_at",
)
RECEIVABLE_REQUIRED = ("external_id", "customer_external_id", "due_date", "amount")

# Rows per INSERT round trip, and values per `IN (...)` list (well under SQLite's limit).
BATCH_SIZE = 1000
IN_CHUNK = 900

UFS = frozenset(
    "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split()  # noqa: SIM905
)
# Anatel's area codes (DDD) in use.
DDDS = frozenset(
    str(ddd)
    for ddd in (
        *range(11, 20), 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, *range(41, 50),
        51, 53, 54, 55, *range(61, 70), 71, 73, 74, 75, 77, 79, *range(81, 90), *range(91, 100),
    )
)  # fmt: skip
CUSTOMER_STATUS_ALIASES = {
    "ativo": "active",
    "ativa": "active",
    "suspenso": "suspended",
    "suspensa": "suspended",
    "bloqueado": "blocked",
    "bloqueada": "blocked",
    "inativo": "inactive",
    "inativa": "inactive",
    "cancelado": "cancelled",
    "cancelada": "cancelled",
}
RECEIVABLE_STATUS_ALIASES = {
    "open": ReceivableStatus.OPEN,
    "aberto": ReceivableStatus.OPEN,
    "aberta": ReceivableStatus.OPEN,
    "em aberto": ReceivableStatus.OPEN,
    "paid": ReceivableStatus.PAID,
    "pago": ReceivableStatus.PAID,
    "paga": ReceivableStatus.PAID,
    "cancelled": ReceivableStatus.CANCELLED,
    "canceled": ReceivableStatus.CANCELLED,
    "cancelado": ReceivableStatus.CANCELLED,
    "cancelada": ReceivableStatus.CANCELLED,
}
# Agreements whose originals an import must not touch (a broken or cancelled agreement gives
# the debt back to collection, and the billing system may then update those bills again).
_HOLDING_AGREEMENTS = (AgreementStatus.ACTIVE, AgreementStatus.FULFILLED)

NOT_A_ROW = "a linha não é um conjunto de colunas (objeto JSON com os nomes das colunas)"
_MAX_AMOUNT = Decimal("999999999999.99")  # models.fields.money: 14 digits, 2 places
_CUSTOMER_FIELDS = ("name", "document", "birth_date", "email", "city", "state", "plan", "status")
_CUSTOMER_UPDATE_FIELDS = (
    "name",
    "document",
    "birth_date",
    "email",
    "city",
    "state",
    "plan",
    "status",
    "updated_at",
)
_RECEIVABLE_UPDATE_FIELDS = (
    "customer_id",
    "issue_date",
    "due_date",
    "amount",
    "billing_method",
    "status",
    "paid_at",
    "updated_at",
)


# ---------------------------------------------------------------------------------------------
# The report


class Rejection(NamedTuple):
    line: int
    external_id: str
    reasons: tuple[str, ...]

    def message(self) -> str:
        """`linha 7 (C123): CPF 123 é inválido; state XX não é uma UF`"""
        where = (
            f"linha {self.line} ({self.external_id})" if self.external_id else f"linha {self.line}"
        )
        return f"{where}: {'; '.join(self.reasons)}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return (
            f"{self.created} criados, {self.updated} atualizados, {len(self.rejected)} rejeitados"
        )

    def messages(self) -> list[str]:
        """One line per rejected line, in file order."""
        return [r.message() for r in self.rejected]

    def rejections_csv(self) -> str:
        """The rejection report: `linha;external_id;motivo`, one row per problem, in file order.

        Semicolon-separated, as Brazilian spreadsheets expect.
        """
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["linha", "external_id", "motivo"])
        for rejection in self.rejected:
            for reason in rejection.reasons:
                writer.writerow([rejection.line, rejection.external_id, reason])
        return out.getvalue()

    def _reject(self, line: int, external_id: str, reasons: Iterable[str]) -> None:
        self.rejected.append(Rejection(line, external_id, tuple(reasons)))


# ---------------------------------------------------------------------------------------------
# Reading a CSV file


class CsvRow(dict[str, str]):
    """One data line of a CSV file: header → cell, plus where it starts in the file."""

    def __init__(self, cells: dict[str, str], line: int, extra: Sequence[str] = ()) -> None:
        super().__init__(cells)
        self.line = line
        # Non-empty cells beyond the header's columns: the line is rejected for them.
        self.extra = tuple(extra)


def _decode(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InvalidInput(
            "o arquivo é uma planilha (.xlsx/.xls/.ods), não um CSV: exporte como CSV"
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv(path: str | Path, required: Iterable[str] = ()) -> list[CsvRow]:
    """The data lines of a CSV file, as header → cell mappings that know their line number.

    UTF-8 (with or without BOM), else Windows-1252/Latin-1; delimiter "," or ";" (whichever
    the header uses more); header names trimmed and lower-cased; blank lines skipped; short
    lines padded with empty cells. A missing `required` column, an empty file or a file that
    is not CSV at all is an `InvalidInput` (the whole file cannot be used). File-system errors
    (missing, unreadable) propagate as `OSError`.
    """
    text = _decode(Path(path).read_bytes())
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    if not first_line:
        raise InvalidInput(
            "o arquivo está vazio: falta a linha de cabeçalho com os nomes das colunas"
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header: list[str] | None = None
        rows: list[CsvRow] = []
        previous_end = 0
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = _header(cells, required)
                continue
            padded = cells + [""] * (len(header) - len(cells))
            extra = [c for c in padded[len(header) :] if c.strip()]
            values = {name: cell for name, cell in zip(header, padded, strict=False) if name}
            rows.append(CsvRow(values, start, extra))
    except csv.Error as exc:
        raise InvalidInput(f"CSV malformado perto da linha {reader.line_num}: {exc}") from None
    return rows


def _header(cells: list[str], required: Iterable[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").strip().lower() for c in cells]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise InvalidInput(f"a coluna {name} aparece duas vezes no cabeçalho")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        found = ", ".join(n for n in names if n) or "nenhuma"
        if len(missing) == 1:
            what = f"falta a coluna obrigatória {missing[0]}"
        else:
            what = f"faltam as colunas obrigatórias {', '.join(missing)}"
        raise InvalidInput(f"{what} (colunas encontradas: {found})")
    return names


# ---------------------------------------------------------------------------------------------
# Parsing one value (also useful to other callers: each raises InvalidInput with a pt-BR reason)

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_BR_DATETIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_AMOUNT = re.compile(r"\d[\d.,]*\d|\d")
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def parse_date(text: str, label: str = "data") -> date:
    """`2024-03-05` or `05/03/2024` (years 1900–2100)."""
    text = text.strip()
    if m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _BR_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise InvalidInput(f"{label} {text} não é uma data: use AAAA-MM-DD ou DD/MM/AAAA")
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{label} {text} não existe no calendário") from None
    if not 1900 <= year <= 2100:
        raise InvalidInput(f"{label} {text} está fora de 1900–2100")
    return value


def parse_datetime(text: str, tz: ZoneInfo, label: str = "data") -> datetime:
    """A date (midnight in `tz`) or a date and time; without an offset, the time is in `tz`."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text) or _BR_DATE.fullmatch(text):
        return datetime.combine(parse_date(text, label), time(0), tz).astimezone(UTC)
    if m := _BR_DATETIME.fullmatch(text):
        day, month, year, hour, minute = (int(g) for g in m.groups()[:5])
        second = int(m.group(6) or 0)
        try:
            value = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise InvalidInput(f"{label} {text} não existe no calendário") from None
    else:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"{label} {text} não é uma data: use AAAA-MM-DD, DD/MM/AAAA "
                "ou AAAA-MM-DD HH:MM (DD/MM/AAAA HH:MM)"
            ) from None
    if not 1900 <= value.year <= 2100:
        raise InvalidInput(f"{label} {text} está fora de 1900–2100")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def parse_amount(text: str, label: str = "amount") -> Decimal:
    """A positive amount in reais: `1234.56`, `1.234,56`, `1234,5`, `R$ 99,90`, `1,234.56`.

    A single separator followed by exactly three digits (`1.234`, `1,234`) is ambiguous and
    refused, and so are cents beyond the second place (an import never rounds a debt).
    """
    raw = text.strip()
    s = re.sub(r"^R\$\s*", "", raw)
    if s.startswith("-"):
        raise InvalidInput(f"{label} {raw} deve ser maior que zero")
    if not _AMOUNT.fullmatch(s):
        raise InvalidInput(f"{label} {raw} não é um valor: use 1234.56 ou 1.234,56")
    bad = InvalidInput(f"{label} {raw} não é um valor: use 1234.56 ou 1.234,56")
    if "." in s and "," in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        whole, cents = s.rsplit(decimal_sep, 1)
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*", whole):
            raise bad
        whole = whole.replace(thousands, "")
    elif s.count(",") > 1:
        raise InvalidInput(f"{label} {raw} é ambíguo: use 1234567.00 ou 1.234.567,00")
    elif s.count(".") > 1:  # Brazilian thousands, no cents
        if not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
            raise bad
        whole, cents = s.replace(".", ""), ""
    elif "," in s or "." in s:
        whole, cents = re.split(r"[.,]", s)
        if len(cents) == 3 and whole != "0":
            sep = "," if "," in s else "."
            raise InvalidInput(
                f"{label} {raw} é ambíguo (milhar ou decimal?): "
                f"escreva {whole}{cents}.00 ou {whole}{sep}{cents[:2]} com 2 casas"
            )
    else:
        whole, cents = s, ""
    if len(cents) > 2 and cents[2:].strip("0"):
        raise InvalidInput(f"{label} {raw} tem mais de 2 casas decimais")
    value = Decimal(f"{whole}.{cents or '0'}").quantize(CENT)
    if value <= 0:
        raise InvalidInput(f"{label} {raw} deve ser maior que zero")
    if value > _MAX_AMOUNT:
        raise InvalidInput(f"{label} {raw} é grande demais")
    return value


def normalize_phone(text: str) -> str:
    """A Brazilian phone in E.164 (`+5519988887777`).

    Accepts punctuation, `+55`/`55`, the trunk `0` with or without a carrier code
    (`0 21 19 98888-7777`) and `0055`. Refuses foreign numbers, unknown area codes (DDD),
    wrong lengths, 9-digit numbers that do not start with 9 and 8-digit mobiles missing the 9.
    """
    raw = text.strip()
    if not _PHONE_CHARS.fullmatch(raw):
        raise InvalidInput(f"telefone {raw} tem caracteres que não são de telefone")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not digits.startswith("55"):
            raise InvalidInput(f"telefone {raw} não é brasileiro (+55)")
        national = digits[2:]
    elif digits.startswith("0055"):
        national = digits[4:]
    elif digits.startswith("0"):
        national = digits[1:]
        if len(national) in (12, 13):  # carrier selection code before the DDD
            national = national[2:]
    elif len(digits) in (12, 13) and digits.startswith("55"):
        national = digits[2:]
    else:
        national = digits
    if len(national) not in (10, 11):
        raise InvalidInput(
            f"telefone {raw} deve ter DDD e 8 dígitos (fixo) ou DDD e 9 dígitos (celular)"
        )
    ddd, number = national[:2], national[2:]
    if ddd not in DDDS:
        raise InvalidInput(f"telefone {raw} tem DDD {ddd}, que não existe")
    if len(number) == 9 and number[0] != "9":
        raise InvalidInput(f"telefone {raw}: celular de 9 dígitos começa com 9")
    if len(number) == 8 and number[0] in "6789":
        raise InvalidInput(f"telefone {raw} parece celular sem o 9 na frente")
    if len(number) == 8 and number[0] not in "2345":
        raise InvalidInput(f"telefone {raw} não é um número possível")
    return f"+55{national}"


def _phone_label(e164: str) -> str:
    return "mobile" if len(e164) == 14 else "landline"


# ---------------------------------------------------------------------------------------------
# One row → checked values


class _Absent:
    """A column that is not in the row: the stored value stays."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise InvalidInput("verdadeiro/falso não é um valor aceito aqui")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{value} não é um número")
        return repr(value)
    raise InvalidInput(f"um valor do tipo {type(value).__name__} não é aceito aqui")


class _Cells:
    """The cells of one row, with the problems found so far."""

    def __init__(self, row: Any) -> None:
        self.problems: list[str] = []
        self.row: dict[str, Any] = {}
        if not isinstance(row, Mapping):
            return
        self.row = {
            str(k).strip().lower(): v for k, v in row.items() if k is not None and str(k).strip()
        }
        extra = getattr(row, "extra", ())
        if extra:
            self.problems.append(
                f"a linha tem {len(extra)} valor(es) a mais que as colunas do cabeçalho "
                f"({'; '.join(extra[:3])}): confira o separador e as aspas"
            )

    def present(self, column: str) -> bool:
        return column in self.row

    def filled(self, column: str) -> bool:
        """The column is there and its cell is not blank."""
        value = self.row.get(column)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        """The trimmed text of a cell ("" when absent or empty); records what is wrong."""
        try:
            text = _as_text(self.row.get(column))
        except InvalidInput as exc:
            self.problems.append(f"{column}: {exc}")
            return ""
        if "\x00" in text:
            self.problems.append(f"{column} tem um caractere nulo")
            return ""
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.problems.append(f"{column} tem caracteres inválidos")
                return ""
        if required and not text:
            self.problems.append(f"{column} é obrigatório")
        if max_length is not None and len(text) > max_length:
            self.problems.append(f"{column} tem {len(text)} caracteres (máximo {max_length})")
            return ""
        return text

    def optional(self, column: str, max_length: int | None = None) -> Any:
        """ABSENT, None (present but empty) or the text."""
        if not self.present(column):
            return ABSENT
        return self.text(column, max_length=max_length) or None

    def parsed(self, column: str, parse: Callable[[str], T], *, required: bool = False) -> Any:
        """ABSENT, None, or `parse(text)`; a parse error becomes a problem (and None)."""
        if not self.present(column) and not required:
            return ABSENT
        text = self.text(column, required=required)
        if not text:
            return None
        try:
            return parse(text)
        except InvalidInput as exc:
            self.problems.append(str(exc))
            return None


@dataclass
class _CustomerLine:
    line: int
    external_id: str
    document_text: str
    values: dict[str, Any]  # model field → value, for the columns present in the row
    phones: list[str] | None  # None: column absent, keep the stored phones


@dataclass
class _ReceivableLine:
    line: int
    external_id: str
    customer_external_id: str
    issue_date: Any  # ABSENT, None (= due date) or a date
    due_date: date
    amount: Decimal
    billing_method: Any  # ABSENT or text
    status: Any  # ABSENT or ReceivableStatus
    paid_at: datetime | None


def _line_of(row: Any, index: int, first_line: int) -> int:
    line = getattr(row, "line", None)
    return line if isinstance(line, int) else first_line + index


def _phones(cells: _Cells) -> list[str] | None:
    if not cells.present("phones"):
        return None
    value = cells.row.get("phones")
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            try:
                items.append(_as_text(item))
            except InvalidInput as exc:
                cells.problems.append(f"phones: {exc}")
    else:
        items = re.split(r"[;,]", cells.text("phones"))
    numbers: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            number = normalize_phone(item)
        except InvalidInput as exc:
            cells.problems.append(str(exc))
            continue
        if number not in numbers:
            numbers.append(number)
    return numbers


def _birth_date(text: str) -> date:
    value = parse_date(text, "birth_date")
    if value > clock.now().date():
        raise InvalidInput(f"birth_date {text} está no futuro")
    return value


def _email(text: str) -> str:
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise InvalidInput(f"email {text} não parece um e-mail (nome@dominio.com.br)")
    return text


def _state(text: str) -> str:
    uf = text.upper()
    if uf not in UFS:
        raise InvalidInput(f"state {text} não é uma UF (use a sigla: SP, RJ, MG…)")
    return uf


def _customer_status(text: str) -> str:
    status = text.lower()
    status = CUSTOMER_STATUS_ALIASES.get(status, status)
    if len(status) > 30:
        raise InvalidInput(f"status {text} tem mais de 30 caracteres")
    return status


def _parse_customer(cells: _Cells, line: int) -> _CustomerLine:
    external_id = cells.text("external_id", required=True, max_length=64)
    values: dict[str, Any] = {"name": cells.text("name", required=True, max_length=160)}
    document_text = cells.text("document", required=True)
    if document_text:
        try:
            values["document"] = normalize_document(document_text)
        except InvalidInput as exc:
            cells.problems.append(str(exc))
    optional = {
        "birth_date": cells.parsed("birth_date", _birth_date),
        "email": cells.parsed("email", _email),
        "city": cells.optional("city", 80),
        "state": cells.parsed("state", _state),
        "plan": cells.optional("plan", 80),
    }
    values.update({k: v for k, v in optional.items() if v is not ABSENT})
    status = cells.parsed("status", _customer_status)
    if status is not ABSENT:
        values["status"] = status or "active"
    return _CustomerLine(line, external_id, document_text, values, _phones(cells))


def _receivable_status(text: str) -> ReceivableStatus:
    status = RECEIVABLE_STATUS_ALIASES.get(text.lower())
    if status is None:
        if text.lower() in ("negotiated", "negociado", "negociada"):
            raise InvalidInput(
                f"status {text} é dado pelo Quita quando há acordo; use open, paid ou cancelled"
            )
        raise InvalidInput(
            f"status {text} não existe: use open/aberto, paid/pago ou cancelled/cancelado"
        )
    return status


def _billing_method(text: str) -> str:
    return text.lower()


def _parse_receivable(cells: _Cells, line: int, tz: ZoneInfo) -> _ReceivableLine:
    external_id = cells.text("external_id", required=True, max_length=64)
    customer_external_id = cells.text("customer_external_id", required=True, max_length=64)
    issue_date = cells.parsed("issue_date", lambda t: parse_date(t, "issue_date"))
    due_date = cells.parsed("due_date", lambda t: parse_date(t, "due_date"), required=True)
    amount = cells.parsed("amount", parse_amount, required=True)
    billing_method = cells.optional("billing_method", 30)
    if billing_method is not ABSENT:
        billing_method = _billing_method(billing_method or "boleto")
    known_problems = len(cells.problems)
    status = cells.parsed("status", _receivable_status)
    status_ok = len(cells.problems) == known_problems
    if status is None:
        status = ReceivableStatus.OPEN  # present but empty
    paid_at = cells.parsed("paid_at", lambda t: parse_datetime(t, tz, "paid_at"))
    paid_at = None if paid_at is ABSENT else paid_at
    if status == ReceivableStatus.PAID and not cells.filled("paid_at"):
        cells.problems.append("paid_at é obrigatório quando a conta está paga (status paid/pago)")
    elif status_ok and status != ReceivableStatus.PAID and cells.filled("paid_at"):
        cells.problems.append("paid_at só vale para conta paga: informe status paid (pago)")
    if paid_at is not None and paid_at.astimezone(tz).date() > clock.today_in(tz):
        cells.problems.append(f"paid_at {cells.text('paid_at')} está no futuro")
    if isinstance(issue_date, date) and isinstance(due_date, date) and due_date < issue_date:
        cells.problems.append(
            f"due_date {due_date:%d/%m/%Y} é anterior a issue_date {issue_date:%d/%m/%Y}"
        )
    return _ReceivableLine(
        line,
        external_id,
        customer_external_id,
        issue_date,
        due_date,
        amount,
        billing_method,
        status,
        paid_at,
    )


# ---------------------------------------------------------------------------------------------
# Database helpers


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _refused(exc: IntegrityError) -> Conflict:
    return Conflict(f"nada foi importado: o banco de dados recusou a gravação ({exc})")


class _CustomPlans:
    """PostgreSQL: plan the lookups inside for the table as it is now.

    The driver keeps prepared statements per connection, and PostgreSQL may settle on a
    generic plan chosen while the table was small (a sequential scan per `IN (...)` chunk):
    100k rows then take minutes instead of seconds. Only around lookups: the batched INSERTs
    are better off with their cached plan.
    """

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.postgres = conn.capabilities.dialect == "postgres"

    async def __aenter__(self) -> None:
        if self.postgres:
            await self.conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")

    async def __aexit__(self, *exc: object) -> None:
        if self.postgres and exc[0] is None:
            await self.conn.execute_script("SET LOCAL plan_cache_mode = auto")


async def _in_chunks(
    conn: BaseDBAsyncClient, items: Sequence[Any], query: Callable[[Sequence[Any]], Any]
) -> list[Any]:
    """Run `query(chunk)` for chunks of `items` (an `IN (...)` list each); all the rows."""
    rows: list[Any] = []
    if items:
        async with _CustomPlans(conn):
            for chunk in _chunks(items, IN_CHUNK):
                rows.extend(await query(chunk))
    return rows


async def _counted(query: Any) -> list[int]:
    return [await query.delete()]


class _Progress:
    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback
        self.done = 0

    def advance(self, lines: int) -> None:
        if lines:
            self.done += lines
            if self.callback is not None:
                self.callback(self.done)


async def _ids_by_external_id(
    conn: BaseDBAsyncClient, model: type[Customer] | type[Receivable], external_ids: Sequence[str]
) -> dict[str, int]:
    rows = await _in_chunks(
        conn,
        external_ids,
        lambda chunk: (
            model.filter(external_id__in=chunk).using_db(conn).values_list("external_id", "id")
        ),
    )
    return dict(rows)


async def _lock_customers(conn: BaseDBAsyncClient, ids: Iterable[int]) -> list[Customer]:
    """The customers' rows, locked in id order on PostgreSQL (`accept` locks them first too).

    Locking the customer is the protocol that serialises writers of a customer's debt: an
    agreement being made waits for the import (and then sees its changes), or the import waits
    for the agreement (and then sees the bills negotiated). SQLite serialises transactions.
    """

    def fetch(chunk: Sequence[int]) -> Any:
        query = Customer.filter(id__in=chunk).order_by("id").using_db(conn)
        return query.select_for_update() if conn.capabilities.support_for_update else query

    return await _in_chunks(conn, sorted(set(ids)), fetch)


def _reject_duplicates(
    parsed: list[tuple[_Cells, Any]], key: Callable[[Any], str | None], label: str
) -> None:
    first: dict[str, int] = {}
    for cells, item in parsed:
        value = key(item)
        if not value:
            continue
        if value in first:
            cells.problems.append(
                f"{label} {value} repetido no arquivo (já na linha {first[value]})"
            )
        else:
            first[value] = item.line


# ---------------------------------------------------------------------------------------------
# Customers


def _keep_good(parsed: list[tuple[_Cells, T]], report: ImportReport) -> list[T]:
    """Reject the lines with problems (with their reasons); return the others, in order."""
    good = []
    for cells, item in parsed:
        if cells.problems:
            report._reject(item.line, item.external_id, cells.problems)
        else:
            good.append(item)
    return good


async def import_customers(
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    first_line: int = 2,
) -> ImportReport:
    """Upsert customers (and their phones) by `external_id`; see the module's docstring.

    `progress(n)` is called with the number of lines dealt with so far (rejected, or written
    in the transaction), up to the number of rows. Rows that do not carry their own line
    number (`CsvRow.line`) are numbered from `first_line` (2: the line after a CSV header;
    a JSON caller may pass 1). Raises `Conflict` (nothing written) if the database refuses the
    writes.
    """
    rows = list(rows)
    report = ImportReport()
    tracker = _Progress(progress)

    parsed: list[tuple[_Cells, _CustomerLine]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            report._reject(first_line + index, "", [NOT_A_ROW])
            continue
        cells = _Cells(row)
        parsed.append((cells, _parse_customer(cells, _line_of(row, index, first_line))))
    _reject_duplicates(parsed, lambda c: c.external_id, "external_id")
    _reject_duplicates(parsed, lambda c: c.values.get("document"), "CPF/CNPJ")
    good = _keep_good(parsed, report)
    tracker.advance(len(report.rejected))

    if good:
        try:
            async with in_transaction() as conn:
                good = await _write_customers(conn, good, report, tracker)
        except IntegrityError as exc:
            raise Conflict(
                f"nada foi importado: o banco de dados recusou a gravação ({exc})"
            ) from exc
    report.rejected.sort(key=lambda r: r.line)
    return report


async def _write_customers(
    conn: BaseDBAsyncClient,
    lines: list[_CustomerLine],
    report: ImportReport,
    tracker: _Progress,
) -> list[_CustomerLine]:
    known = await _ids_by_external_id(conn, Customer, [c.external_id for c in lines])
    stored = {c.external_id: c for c in await _lock_customers(conn, known.values())}
    owners: dict[str, str] = dict(
        await _in_chunks(
            conn,
            [c.values["document"] for c in lines],
            lambda chunk: (
                Customer.filter(document__in=chunk)
                .using_db(conn)
                .values_list("document", "external_id")
            ),
        )
    )

    good: list[_CustomerLine] = []
    for item in lines:
        owner = owners.get(item.values["document"], item.external_id)
        if owner != item.external_id:
            kind = "CPF" if len(item.values["document"]) == 11 else "CNPJ"
            report._reject(
                item.line,
                item.external_id,
                [f"{kind} {item.document_text} já é de outro cliente (external_id {owner})"],
            )
            tracker.advance(1)
        else:
            good.append(item)

    for batch in _chunks(good, BATCH_SIZE):
        await Customer.bulk_create(
            [_customer_row(item, stored.get(item.external_id)) for item in batch],
            on_conflict=["external_id"],
            update_fields=_CUSTOMER_UPDATE_FIELDS,
            using_db=conn,
        )
        await _sync_phones(conn, [item for item in batch if item.phones is not None], known)
        tracker.advance(len(batch))

    report.created = sum(1 for item in good if item.external_id not in stored)
    report.updated = len(good) - report.created
    return good


def _customer_row(item: _CustomerLine, stored: Customer | None) -> Customer:
    values: dict[str, Any] = {
        "birth_date": None,
        "email": None,
        "city": None,
        "state": None,
        "plan": None,
        "status": "active",
    }
    if stored is not None:
        values.update({name: getattr(stored, name) for name in _CUSTOMER_FIELDS})
    values.update(item.values)
    return Customer(external_id=item.external_id, **values)


async def _sync_phones(
    conn: BaseDBAsyncClient, lines: list[_CustomerLine], known: dict[str, int]
) -> None:
    """Make each customer's phones exactly the line's list (kept rows keep their id)."""
    if not lines:
        return
    missing = [item.external_id for item in lines if item.external_id not in known]
    known.update(await _ids_by_external_id(conn, Customer, missing))
    wanted = {known[item.external_id]: item.phones or [] for item in lines}
    current: dict[int, dict[str, int]] = {cid: {} for cid in wanted}
    for phone_id, customer_id, number in await _in_chunks(
        conn,
        list(wanted),
        lambda chunk: (
            CustomerPhone.filter(customer_id__in=chunk)
            .using_db(conn)
            .values_list("id", "customer_id", "number")
        ),
    ):
        current[customer_id][number] = phone_id
    stale = [
        phone_id
        for cid, numbers in current.items()
        for number, phone_id in numbers.items()
        if number not in wanted[cid]
    ]
    await _in_chunks(
        conn, stale, lambda chunk: _counted(CustomerPhone.filter(id__in=chunk).using_db(conn))
    )
    await CustomerPhone.bulk_create(
        [
            CustomerPhone(customer_id=cid, number=number, label=_phone_label(number))
            for cid, numbers in wanted.items()
            for number in numbers
            if number not in current[cid]
        ],
        using_db=conn,
    )


# ---------------------------------------------------------------------------------------------
# Receivables


async def import_receivables(
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    first_line: int = 2,
    timezone: str | None = None,
) -> ImportReport:
    """Upsert receivables by `external_id`; see the module's docstring and `import_customers`.

    `timezone` (default: the ISP's, from the settings) places a `paid_at` given without an
    offset. A receivable that is negotiated, is an agreement installment or an original of an
    active or fulfilled agreement is never changed: its line is rejected with the reason.
    """
    if timezone is None:
        from quita.settings import get_settings

        timezone = get_settings().timezone
    tz = ZoneInfo(timezone)
    rows = list(rows)
    report = ImportReport()
    tracker = _Progress(progress)

    parsed: list[tuple[_Cells, _ReceivableLine]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            report._reject(first_line + index, "", [NOT_A_ROW])
            continue
        cells = _Cells(row)
        parsed.append((cells, _parse_receivable(cells, _line_of(row, index, first_line), tz)))
    _reject_duplicates(parsed, lambda r: r.external_id, "external_id")
    good = _keep_good(parsed, report)
    tracker.advance(len(report.rejected))

    if good:
        try:
            async with in_transaction() as conn:
                await _write_receivables(conn, good, report, tracker)
        except IntegrityError as exc:
            raise Conflict(
                f"nada foi importado: o banco de dados recusou a gravação ({exc})"
            ) from exc
    report.rejected.sort(key=lambda r: r.line)
    return report


_STORED_RECEIVABLE = (
    "id",
    "external_id",
    "customer_id",
    "status",
    "agreement_id",
    "issue_date",
    "billing_method",
    "paid_at",
)


async def _stored_receivables(
    conn: BaseDBAsyncClient, external_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    rows = await _in_chunks(
        conn,
        external_ids,
        lambda chunk: (
            Receivable.filter(external_id__in=chunk).using_db(conn).values(*_STORED_RECEIVABLE)
        ),
    )
    return {row["external_id"]: row for row in rows}


async def _held_by_agreements(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, int]:
    rows = await _in_chunks(
        conn,
        ids,
        lambda chunk: (
            AgreementReceivable.filter(
                receivable_id__in=chunk, agreement__status__in=_HOLDING_AGREEMENTS
            )
            .using_db(conn)
            .values_list("receivable_id", "agreement_id")
        ),
    )
    return dict(rows)


def _protected_reason(stored: dict[str, Any], held: dict[int, int]) -> str | None:
    agreement = stored["agreement_id"] or held.get(stored["id"])
    if stored["status"] == ReceivableStatus.NEGOTIATED or agreement:
        which = f" (acordo {agreement})" if agreement else ""
        return (
            f"a conta {stored['external_id']} está negociada{which}: "
            "a importação não altera contas de acordos"
        )
    return None


async def _write_receivables(
    conn: BaseDBAsyncClient,
    lines: list[_ReceivableLine],
    report: ImportReport,
    tracker: _Progress,
) -> None:
    customers = await _ids_by_external_id(
        conn, Customer, sorted({r.customer_external_id for r in lines})
    )
    external_ids = [r.external_id for r in lines]
    stored = await _stored_receivables(conn, external_ids)
    if conn.capabilities.support_for_update:
        owners = {row["customer_id"] for row in stored.values()}
        await _lock_customers(conn, owners | set(customers.values()))
        stored = await _stored_receivables(conn, external_ids)  # as of the lock
    held = await _held_by_agreements(conn, [row["id"] for row in stored.values()])

    good: list[Receivable] = []
    for item in lines:
        problems: list[str] = []
        customer_id = customers.get(item.customer_external_id)
        if customer_id is None:
            problems.append(
                f"cliente {item.customer_external_id} não existe (importe os clientes antes)"
            )
        before = stored.get(item.external_id)
        if before is not None and (reason := _protected_reason(before, held)):
            problems.append(reason)
        values = _receivable_values(item, before)
        if values["issue_date"] > item.due_date:
            problems.append(
                f"due_date {item.due_date:%d/%m/%Y} é anterior à issue_date já gravada "
                f"{values['issue_date']:%d/%m/%Y}"
            )
        if problems:
            report._reject(item.line, item.external_id, problems)
            tracker.advance(1)
        else:
            good.append(Receivable(customer_id=customer_id, **values))
            if before is None:
                report.created += 1
            else:
                report.updated += 1

    for batch in _chunks(good, BATCH_SIZE):
        await Receivable.bulk_create(
            batch,
            on_conflict=["external_id"],
            update_fields=_RECEIVABLE_UPDATE_FIELDS,
            using_db=conn,
        )
        tracker.advance(len(batch))


def _receivable_values(item: _ReceivableLine, before: dict[str, Any] | None) -> dict[str, Any]:
    """The row to write: the line's values, and the stored ones for its absent columns."""
    if item.issue_date is ABSENT:
        issue_date = before["issue_date"] if before else item.due_date
    else:
        issue_date = item.issue_date or item.due_date  # present but empty: the due date
    if item.status is ABSENT:
        status = before["status"] if before else ReceivableStatus.OPEN
        paid_at = before["paid_at"] if before else None
    else:
        status, paid_at = item.status, item.paid_at
    if item.billing_method is ABSENT:
        billing_method = before["billing_method"] if before else "boleto"
    else:
        billing_method = item.billing_method
    return {
        "external_id": item.external_id,
        "issue_date": issue_date,
        "due_date": item.due_date,
        "amount": item.amount,
        "billing_method": billing_method,
        "status": status,
        "paid_at": paid_at,
    }
