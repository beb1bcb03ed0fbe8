"""One customer line → checked values: name, CPF/CNPJ, birth date, e-mail, UF, status, phones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from models import clock
from negotiation.documents import normalize_document
from negotiation.errors import InvalidInput
from negotiation.importing.values import ABSENT, Cells, as_text, parse_date
from negotiation.phones import store_phone

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
UFS = frozenset(
    "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split()  # noqa: SIM905
)
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
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass
class CustomerLine:
    line: int
    external_id: str
    document_text: str
    values: dict[str, Any]  # model field → value, for the columns present in the row
    phones: list[str] | None  # None: column absent, keep the stored phones


def _phones(cells: Cells) -> list[str] | None:
    if not cells.present("phones"):
        return None
    value = cells.row.get("phones")
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            try:
                items.append(as_text(item))
            except InvalidInput as exc:
                cells.problems.append(f"phones: {exc}")
    else:
        items = re.split(r"[;,]", cells.text("phones"))
    numbers: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            number = store_phone(item)
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


def parse_customer(cells: Cells, line: int) -> CustomerLine:
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
    return CustomerLine(line, external_id, document_text, values, _phones(cells))
