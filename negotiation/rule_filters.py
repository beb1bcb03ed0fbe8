"""What a collection-rule filter may say: which operators suit which field, and value shapes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from models.enums import FilterField as F
from models.enums import FilterOperator as Op
from negotiation.errors import InvalidInput

TEXT_FIELDS = {F.CITY, F.STATE, F.PLAN, F.BILLING_METHOD, F.CUSTOMER_STATUS}
INTEGER_FIELDS = {F.DAYS_LATE, F.OPEN_COUNT}
MONEY_FIELDS = {F.AMOUNT, F.TOTAL_DEBT}
DATE_FIELDS = {F.DUE_DATE}
COMPARISONS = {Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN}

LABELS = {
    F.CITY: "cidade",
    F.STATE: "UF",
    F.PLAN: "plano",
    F.BILLING_METHOD: "forma de cobrança",
    F.DUE_DATE: "vencimento",
    F.DAYS_LATE: "dias de atraso",
    F.AMOUNT: "valor da conta",
    F.TOTAL_DEBT: "dívida total",
    F.OPEN_COUNT: "contas em aberto",
    F.CUSTOMER_STATUS: "situação do cliente",
}


def _scalar(field: F, value: Any) -> Any:
    label = LABELS[field]
    if field in TEXT_FIELDS:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"filtro {label}: informe um texto")
        return value.strip()
    if field in INTEGER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"filtro {label}: informe um número inteiro >= 0")
        return value
    if field in MONEY_FIELDS:
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise InvalidInput(f"filtro {label}: {value!r} não é um valor em reais") from None
        if not amount.is_finite() or amount < 0:
            raise InvalidInput(f"filtro {label}: informe um valor >= 0")
        return str(amount.quantize(Decimal("0.01")))
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(f"filtro {label}: {value!r} não é uma data AAAA-MM-DD") from None


def normalize_filter(field: F | str, operator: Op | str, value: Any) -> Any:
    """The filter's value in its stored form, or InvalidInput saying what to fix."""
    field, operator = F(field), Op(operator)
    label = LABELS[field]
    if operator == Op.CONTAINS and field not in TEXT_FIELDS:
        raise InvalidInput(f"filtro {label}: 'contém' só vale para campos de texto")
    if operator in COMPARISONS and field in TEXT_FIELDS - {F.STATE}:
        raise InvalidInput(f"filtro {label}: use =, ≠, em, fora de ou contém")
    if operator in (Op.IN, Op.NOT_IN):
        if not isinstance(value, list) or not value:
            raise InvalidInput(f"filtro {label}: informe uma lista com ao menos um valor")
        return [_scalar(field, v) for v in value]
    if operator == Op.BETWEEN:
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidInput(f"filtro {label}: 'entre' precisa de dois valores [de, até]")
        low, high = (_scalar(field, v) for v in value)
        if _order_key(field, low) > _order_key(field, high):
            raise InvalidInput(f"filtro {label}: o primeiro valor deve ser <= o segundo")
        return [low, high]
    if isinstance(value, list):
        raise InvalidInput(f"filtro {label}: informe um único valor")
    return _scalar(field, value)


def _order_key(field: F, value: Any) -> Any:
    return Decimal(value) if field in MONEY_FIELDS else value
