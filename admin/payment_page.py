"""GET /p/{token}: the debtor's payment page (no login; the link is the key)."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models import Agreement, PaymentInstrument, Receivable
from models.clock import today_in
from negotiation.errors import NotFound
from negotiation.installments import installments_of
from negotiation.instrument_pdf import installment_pdf, pdf_filename
from negotiation.payment_links import read_token
from negotiation.payments.pix import qr_png
from negotiation.rendering import render_html

router = APIRouter(tags=["pagamento"])


@router.get("/p/{token}", response_class=HTMLResponse, summary="Payment page of an agreement")
async def payment_page(token: str, request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    agreement = await Agreement.get_or_none(
        id=read_token(token, settings.secret_key, today_in(settings.timezone))
    )
    if agreement is None:
        raise NotFound("link de pagamento inválido ou expirado")
    installments = [
        {
            "number": p.bill.installment_number,
            "amount": p.bill.amount,
            "due_date": p.bill.due_date,
            "status": str(p.bill.status),
            "pix": p.instrument.pix_payload if p.instrument else None,
            "qr_base64": base64.b64encode(qr_png(p.instrument.pix_payload)).decode()
            if p.payable
            else "",
            "line": p.instrument.line if p.instrument else None,
            "pdf_url": f"/p/{token}/boleto/{p.bill.installment_number}.pdf" if p.payable else None,
        }
        for p in await installments_of(agreement.id)
    ]
    html = render_html(
        "pay/agreement.html.j2",
        agreement=agreement,
        installments=installments,
        isp=settings.isp,
        tz=settings.tz,
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@router.get("/p/{token}/boleto/{number}.pdf", summary="The boleto of one installment (PDF)")
async def boleto_pdf(token: str, number: int, request: Request) -> Response:
    settings = request.app.state.settings
    agreement = await Agreement.get_or_none(
        id=read_token(token, settings.secret_key, today_in(settings.timezone))
    ).select_related("customer")
    bill = agreement and await Receivable.get_or_none(
        agreement_id=agreement.id, installment_number=number
    )
    inst = bill and await PaymentInstrument.get_or_none(
        receivable_id=bill.id, cancelled_at__isnull=True
    )
    if not inst or bill.status != "open":
        raise NotFound("parcela sem boleto disponível")
    pdf = installment_pdf(
        agreement, agreement.customer, bill, inst, settings, today_in(settings.timezone)
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{pdf_filename(agreement, bill)}"',
            "Cache-Control": "no-store",
        },
    )
