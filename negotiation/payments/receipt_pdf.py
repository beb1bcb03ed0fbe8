"""The receipt (recibo) of a paid receivable, as a one-page PDF."""

from __future__ import annotations

import io
from datetime import date, datetime, tzinfo
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from negotiation.rendering import brl, date_br, local_time


def render_receipt_pdf(
    *,
    number: str,
    amount: Decimal,
    paid_at: datetime,
    due_date: date,
    payer_name: str,
    payer_document: str,
    description: str,
    isp_name: str,
    isp_cnpj: str,
    isp_address: str,
    tz: tzinfo,
) -> bytes:
    """`tz` is the ISP's zone: the payment instant (UTC) is dated as the payer lived it."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"Recibo {number} — {isp_name}")
    width, height = A4
    y = height - 30 * mm
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(20 * mm, y, f"RECIBO nº {number}")
    pdf.drawRightString(width - 20 * mm, y, brl(amount).replace("\xa0", " "))
    pdf.setFont("Helvetica", 11)
    lines = [
        f"Recebemos de {payer_name} ({payer_document}) a quantia de "
        f"{brl(amount).replace(chr(160), ' ')},",
        f"referente a {description}, com vencimento em {date_br(due_date)},",
        f"paga em {local_time(paid_at, tz, 'date')}.",
        "",
        f"{isp_name} — CNPJ {isp_cnpj}",
        isp_address,
    ]
    for line in lines:
        y -= 8 * mm
        pdf.drawString(20 * mm, y, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
