"""The receipt (recibo) of a paid receivable, as a one-page PDF."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from negotiation.rendering import brl, date_br


def render_receipt_pdf(
    *,
    number: str,
    amount: Decimal,
    paid_at: datetime,
    due_date,
    payer_name: str,
    payer_document: str,
    description: str,
    isp_name: str,
    isp_cnpj: str,
    isp_address: str,
) -> bytes:
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
        f"paga em {date_br(paid_at)}.",
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
