"""`quita import payments`: a bank's or PSP's list of payments, settled line by line.

Columns (header names as in the other imports, case-insensitive, "," or ";"):
`id_pagamento` (required: the payment's id at its source, so the same file imported twice
settles nothing twice), `txid` (the PIX txid) or `nosso_numero` (the boleto's our-number),
`valor` (required) and `pago_em` (required: date and time; without an offset, the ISP's zone).

Each payment is settled in its own transaction by the same service as the Pix webhook; a line
that cannot be settled is rejected with its reason and the others still count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from models import PaymentInstrument
from models.enums import PaymentSource
from negotiation.amounts import parse_amount
from negotiation.errors import InvalidInput, QuitaError
from negotiation.importing import ImportReport, Rejection, parse_datetime
from negotiation.reconcile import record_payment

PAYMENT_REQUIRED = ("id_pagamento", "valor", "pago_em")


@dataclass
class PaymentReport(ImportReport):
    def summary(self) -> str:
        return (
            f"{self.created} pagamentos registrados, {self.updated} já registrados antes, "
            f"{len(self.rejected)} rejeitados"
        )


async def _instrument(row: Mapping[str, Any]) -> PaymentInstrument:
    txid = str(row.get("txid") or "").strip()
    our_number = str(row.get("nosso_numero") or "").strip().lstrip("0")
    if txid:
        found = await PaymentInstrument.get_or_none(txid=txid)
    elif our_number:
        found = await PaymentInstrument.get_or_none(our_number=our_number)
    else:
        raise InvalidInput("informe txid ou nosso_numero")
    if found is None:
        raise QuitaError(
            f"nenhuma parcela com {'txid' if txid else 'nosso_numero'} {txid or our_number}"
        )
    return found


async def import_payments(
    rows: Iterable[Mapping[str, Any]],
    progress: Callable[[int], None] | None = None,
    *,
    first_line: int = 2,
    timezone: str = "America/Sao_Paulo",
) -> PaymentReport:
    report = PaymentReport()
    tz = ZoneInfo(timezone)
    for n, row in enumerate(rows):
        line = getattr(row, "line", first_line + n)
        external_id = str(row.get("id_pagamento") or "").strip()
        try:
            if not external_id:
                raise InvalidInput("id_pagamento vazio")
            instrument = await _instrument(row)
            amount = parse_amount(str(row.get("valor") or ""), "valor")
            paid_at = parse_datetime(str(row.get("pago_em") or ""), tz, "pago_em")
            settled = await record_payment(
                instrument.receivable_id,
                amount,
                paid_at,
                PaymentSource.FILE,
                external_id=external_id,
            )
        except QuitaError as exc:
            report.rejected.append(Rejection(line, external_id, (str(exc),)))
        else:
            if settled.replayed:
                report.updated += 1
            else:
                report.created += 1
        if progress is not None:
            progress(n + 1)
    return report
