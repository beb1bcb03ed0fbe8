"""The Banco Central Pix API webhook body, settled: `{"pix": [{"endToEndId", "txid", ...}]}`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models import PaymentInstrument
from models.enums import PaymentSource
from negotiation.errors import InvalidInput
from negotiation.reconcile import record_payment


@dataclass
class WebhookResult:
    settled: list[str] = field(default_factory=list)  # endToEndIds newly recorded
    replayed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # txids that are not ours


def _pix_items(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("pix"), list):
        raise InvalidInput('pix: esperado {"pix": [ ... ]}')
    for n, item in enumerate(body["pix"]):
        missing = [k for k in ("endToEndId", "valor", "horario") if not item.get(k)]
        if missing:
            raise InvalidInput(f"pix[{n}]: faltam {', '.join(missing)}")
    return body["pix"]


def _amount(text: Any, n: int) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise InvalidInput(f"pix[{n}].valor: {text!r} não é um valor") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"pix[{n}].valor: deve ser maior que zero")
    return value


def _when(text: Any, n: int) -> datetime:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"pix[{n}].horario: {text!r} não é uma data e hora RFC 3339") from None
    if when.tzinfo is None:
        raise InvalidInput(f"pix[{n}].horario: falta o fuso")
    return when


async def settle_pix_webhook(body: Any) -> WebhookResult:
    """Record each Pix of the body against the installment its txid names. The whole body is
    checked first, so a bad item changes nothing; a replayed endToEndId changes nothing."""
    items = _pix_items(body)
    parsed = [
        (i, item, _amount(item["valor"], i), _when(item["horario"], i))
        for i, item in enumerate(items)
    ]
    result = WebhookResult()
    for _, item, amount, when in parsed:
        e2e = str(item["endToEndId"])
        instrument = await PaymentInstrument.get_or_none(txid=str(item.get("txid") or ""))
        if instrument is None:
            result.unknown.append(str(item.get("txid")))
            continue
        settled = await record_payment(
            instrument.receivable_id, amount, when, PaymentSource.PIX, external_id=e2e
        )
        (result.replayed if settled.replayed else result.settled).append(e2e)
    return result
