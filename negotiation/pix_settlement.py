"""The Banco Central Pix API webhook body, settled: `{"pix": [{"endToEndId", "txid", ...}]}`.

Each item is checked and settled on its own (its own transaction): a bad item is reported
and the others are still recorded, so the PSP's replay of the batch settles only what is
missing. An item that failed for a reason a retry can fix (the database) is reported apart."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from models import PaymentInstrument
from models.enums import PaymentSource
from negotiation.errors import InvalidInput, NotFound
from negotiation.reconcile import record_payment

log = logging.getLogger("quita.pix")

# The Banco Central's Pix API: txid up to 35 characters, endToEndId 32, valor `\d{1,10}\.\d{2}`.
MAX_TXID = 35
MAX_END_TO_END_ID = 32
MAX_HORARIO = 40
_VALOR = re.compile(r"\d{1,10}\.\d{2}")

SETTLED, REPLAYED, UNKNOWN, INVALID, ERROR = "settled", "replayed", "unknown", "invalid", "error"


@dataclass
class ItemOutcome:
    end_to_end_id: str | None
    outcome: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"endToEndId": self.end_to_end_id, "outcome": self.outcome, "detail": self.detail}


@dataclass
class WebhookResult:
    items: list[ItemOutcome] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # endToEndIds newly recorded
    replayed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # txids that are not ours
    invalid: list[int] = field(default_factory=list)  # positions a retry cannot fix
    failed: list[int] = field(default_factory=list)  # positions worth sending again

    @property
    def retry_needed(self) -> bool:
        return bool(self.failed)


@dataclass
class _Pix:
    end_to_end_id: str
    txid: str
    amount: Decimal
    paid_at: datetime


def _text(item: dict[str, Any], key: str, n: int, limit: int, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"pix[{n}]: falta {key}")
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"pix[{n}].{key}: deve ser um texto")
    if len(value) > limit:
        raise InvalidInput(f"pix[{n}].{key}: tem {len(value)} caracteres; o máximo é {limit}")
    return value


def _amount(item: dict[str, Any], n: int) -> Decimal:
    text = item.get("valor")
    if not isinstance(text, str) or not _VALOR.fullmatch(text):
        raise InvalidInput(
            f"pix[{n}].valor: {str(text)[:20]!r} não é um valor como 123.45 "
            "(até 10 dígitos, ponto e 2 decimais)"
        )
    value = Decimal(text)
    if value <= 0:
        raise InvalidInput(f"pix[{n}].valor: deve ser maior que zero")
    return value


def _when(item: dict[str, Any], n: int) -> datetime:
    text = _text(item, "horario", n, MAX_HORARIO)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"pix[{n}].horario: {text!r} não é uma data e hora RFC 3339") from None
    if when.tzinfo is None:
        raise InvalidInput(f"pix[{n}].horario: falta o fuso")
    return when


def _parse(item: Any, n: int) -> _Pix:
    if not isinstance(item, dict):
        raise InvalidInput(f"pix[{n}]: esperado um objeto")
    missing = [k for k in ("endToEndId", "valor", "horario") if item.get(k) in (None, "")]
    if missing:
        raise InvalidInput(f"pix[{n}]: faltam {', '.join(missing)}")
    return _Pix(
        end_to_end_id=_text(item, "endToEndId", n, MAX_END_TO_END_ID),
        txid=_text(item, "txid", n, MAX_TXID, required=False),
        amount=_amount(item, n),
        paid_at=_when(item, n),
    )


def _named_e2e(item: Any) -> str | None:
    """The item's endToEndId for the answer, when it is a sane one."""
    e2e = item.get("endToEndId") if isinstance(item, dict) else None
    return e2e if isinstance(e2e, str) and len(e2e) <= MAX_END_TO_END_ID else None


async def _settle(pix: _Pix) -> ItemOutcome:
    instrument = await PaymentInstrument.get_or_none(txid=pix.txid) if pix.txid else None
    if instrument is None:
        why = f"txid {pix.txid!r} não é nosso" if pix.txid else "Pix sem txid: não é cobrança nossa"
        return ItemOutcome(pix.end_to_end_id, UNKNOWN, why)
    settled = await record_payment(
        instrument.receivable_id,
        pix.amount,
        pix.paid_at,
        PaymentSource.PIX,
        external_id=pix.end_to_end_id,
    )
    if settled.replayed:
        return ItemOutcome(pix.end_to_end_id, REPLAYED, "já registrado")
    return ItemOutcome(pix.end_to_end_id, SETTLED, "pagamento registrado")


async def settle_pix_webhook(body: Any) -> WebhookResult:
    """Record each Pix of the body against the installment its txid names, each on its own.
    A replayed endToEndId changes nothing; only a body that is not `{"pix": [...]}` raises."""
    if not isinstance(body, dict) or not isinstance(body.get("pix"), list):
        raise InvalidInput('pix: esperado {"pix": [ ... ]}')
    result = WebhookResult()
    for n, item in enumerate(body["pix"]):
        try:
            pix = _parse(item, n)
            outcome = await _settle(pix)
        except (InvalidInput, NotFound) as exc:
            outcome = ItemOutcome(_named_e2e(item), INVALID, str(exc))
            result.invalid.append(n)
        except Exception:
            # The database (or a fault of ours) failed this item: the PSP sends it again.
            log.exception("pix[%d]: not settled, left for the PSP's retry", n)
            outcome = ItemOutcome(_named_e2e(item), ERROR, "falha temporária; reenvie")
            result.failed.append(n)
        else:
            if outcome.outcome == UNKNOWN:
                result.unknown.append(pix.txid)
            else:
                bucket = result.settled if outcome.outcome == SETTLED else result.replayed
                bucket.append(pix.end_to_end_id)
        result.items.append(outcome)
    return result
