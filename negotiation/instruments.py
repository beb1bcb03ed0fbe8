"""Every agreement installment gets its boleto and its PIX code, stored with it.

The static provider (the ISP's own PIX key and bank account, from the settings) needs no PSP.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models import PaymentInstrument, Receivable
from negotiation.payments import boleto, pix
from quita.settings import Settings, get_settings


def boleto_config(settings: Settings) -> boleto.BoletoConfig:
    wallet = settings.boleto_wallet
    if settings.boleto_bank == "001":
        return boleto.BancoDoBrasilConfig(
            settings.boleto_agency,
            settings.boleto_account,
            settings.boleto_agreement,
            wallet or "17",
        )
    if settings.boleto_bank == "237":
        return boleto.BradescoConfig(
            settings.boleto_agency, settings.boleto_account, wallet or "09"
        )
    return boleto.SicoobConfig(settings.boleto_agency, settings.boleto_client_code, wallet or "1")


def txid_for(receivable: Receivable) -> str:
    """Letters and digits only, at most 25: "QUITA" + the receivable id, zero-padded."""
    return f"QUITA{receivable.id:020d}"


def pix_key(settings: Settings) -> str:
    return settings.pix_key or re.sub(r"\D", "", settings.isp_cnpj)


async def issue_instruments(
    conn: BaseDBAsyncClient, receivables: list[Receivable], settings: Settings | None = None
) -> list[PaymentInstrument]:
    settings = settings or get_settings()
    config = boleto_config(settings)
    made = []
    for r in receivables:
        # The receivable id is unique and only grows: a fine nosso número sequence.
        slip = boleto.build(config.bank, r.amount, r.due_date, boleto.free_field(config, r.id))
        made.append(
            PaymentInstrument(
                receivable=r,
                bank=config.bank,
                our_number=str(r.id),
                barcode=slip.barcode,
                line=slip.formatted_line,
                pix_payload=pix.build_static(
                    pix_key(settings),
                    settings.isp_name,
                    settings.pix_city,
                    r.amount,
                    txid_for(r),
                    shorten=True,
                ),
                txid=txid_for(r),
            )
        )
    await PaymentInstrument.bulk_create(made, using_db=conn)
    return made


async def cancel_instruments(conn: BaseDBAsyncClient, receivable_ids: list[int]) -> None:
    await (
        PaymentInstrument.filter(receivable_id__in=receivable_ids, cancelled_at__isnull=True)
        .using_db(conn)
        .update(cancelled_at=datetime.now(UTC))
    )
