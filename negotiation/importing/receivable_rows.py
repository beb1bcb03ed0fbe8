"""One receivable line → checked values: dates, amount, billing method, status and payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from models import clock
from models.enums import ReceivableStatus
from negotiation.amounts import parse_amount
from negotiation.errors import InvalidInput
from negotiation.importing.values import ABSENT, Cells, parse_date, parse_datetime

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


@dataclass
class ReceivableLine:
    line: int
    external_id: str
    customer_external_id: str
    issue_date: Any  # ABSENT, None (= due date) or a date
    due_date: date
    amount: Decimal
    billing_method: Any  # ABSENT or text
    status: Any  # ABSENT or ReceivableStatus
    paid_at: datetime | None


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


def parse_receivable(cells: Cells, line: int, tz: ZoneInfo) -> ReceivableLine:
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
    return ReceivableLine(
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
