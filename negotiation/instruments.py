"""Every agreement installment gets its boleto and its PIX code, stored with it.

The PIX code comes from the configured provider: "static" (the default) builds a static BR
Code with the ISP's own key and needs no PSP; "api" asks the PSP's standard Pix API for a
due-date charge (`cobv`, with fine and interest after the due date) and stores the dynamic
code it returns. The PSP is called inside the agreement's transaction: when it refuses or is
down, the agreement is not made (502 with the PSP's reason), rather than an agreement the
debtor cannot pay. The txid is ours, and PUT /cobv/{txid} is idempotent on it.
"""

from __future__ import annotations

import re

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Customer, PaymentInstrument, Receivable, clock
from negotiation.config import InstrumentConfig
from negotiation.payments import boleto, pix
from negotiation.payments.pix_api import PixApiClient, cobv_txid


def boleto_config(settings: InstrumentConfig) -> boleto.BoletoConfig:
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


def pix_key(settings: InstrumentConfig) -> str:
    return settings.pix_key or re.sub(r"\D", "", settings.isp_cnpj)


async def issue_instruments(
    conn: BaseDBAsyncClient, receivables: list[Receivable], settings: InstrumentConfig
) -> list[PaymentInstrument]:
    config = boleto_config(settings)
    pix_codes = (
        await _psp_codes(conn, receivables, settings)
        if settings.pix_provider == "api"
        else {r.id: _static_code(r, settings) for r in receivables}
    )
    made = []
    for r in receivables:
        # The receivable id is unique and only grows: a fine nosso número sequence.
        slip = boleto.build(config.bank, r.amount, r.due_date, boleto.free_field(config, r.id))
        txid, payload = pix_codes[r.id]
        made.append(
            PaymentInstrument(
                receivable=r,
                bank=config.bank,
                our_number=str(r.id),
                barcode=slip.barcode,
                line=slip.formatted_line,
                pix_payload=payload,
                txid=txid,
            )
        )
    await PaymentInstrument.bulk_create(made, using_db=conn)
    return made


def _static_code(r: Receivable, settings: InstrumentConfig) -> tuple[str, str]:
    payload = pix.build_static(
        pix_key(settings), settings.isp_name, settings.pix_city, r.amount, txid_for(r), shorten=True
    )
    return txid_for(r), payload


async def _psp_codes(
    conn: BaseDBAsyncClient, receivables: list[Receivable], settings: InstrumentConfig
) -> dict[int, tuple[str, str]]:
    if not receivables:
        return {}
    customer = await Customer.get(id=receivables[0].customer_id).using_db(conn)
    codes = {}
    async with PixApiClient.from_settings(settings) as psp:
        for r in receivables:
            charge = await psp.create_due_charge(
                txid=cobv_txid(r.id),
                amount=r.amount,
                due_date=r.due_date,
                debtor_name=customer.name,
                debtor_document=customer.document,
                description=f"{settings.isp_name} - parcela {r.installment_number} do acordo",
                fine_percent=settings.pix_fine_percent,
                interest_percent_month=settings.pix_interest_percent_month,
                days_after_due=settings.pix_days_after_due,
            )
            codes[r.id] = (charge.txid, charge.payload)
    return codes


async def cancel_instruments(conn: BaseDBAsyncClient, receivable_ids: list[int]) -> None:
    await (
        PaymentInstrument.filter(receivable_id__in=receivable_ids, cancelled_at__isnull=True)
        .using_db(conn)
        .update(cancelled_at=clock.now())
    )
