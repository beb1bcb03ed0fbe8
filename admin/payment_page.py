"""GET /p/{token}: the debtor's payment page (no login; the link is the key)."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from models import Agreement, PaymentInstrument, Receivable
from negotiation.errors import NotFound
from negotiation.payment_links import read_token
from negotiation.payments.pix import qr_png
from negotiation.rendering import render_html

router = APIRouter(tags=["pagamento"])


@router.get("/p/{token}", response_class=HTMLResponse, summary="Payment page of an agreement")
async def payment_page(token: str, request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    agreement = await Agreement.get_or_none(id=read_token(token, settings.secret_key))
    if agreement is None:
        raise NotFound("link de pagamento inválido ou expirado")
    bills = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    instruments = {
        i.receivable_id: i
        for i in await PaymentInstrument.filter(
            receivable_id__in=[b.id for b in bills], cancelled_at__isnull=True
        )
    }
    installments = []
    for bill in bills:
        inst = instruments.get(bill.id)
        installments.append(
            {
                "number": bill.installment_number,
                "amount": bill.amount,
                "due_date": bill.due_date,
                "status": str(bill.status),
                "pix": inst.pix_payload if inst else None,
                "qr_base64": base64.b64encode(qr_png(inst.pix_payload)).decode()
                if inst and bill.status == "open"
                else "",
                "line": inst.line if inst else None,
                "pdf_url": None,
            }
        )
    html = render_html(
        "pay/agreement.html.j2",
        agreement=agreement,
        installments=installments,
        isp={"name": settings.isp_name, "cnpj": settings.isp_cnpj, "address": settings.isp_address},
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
