"""GET /p/{token}: the debtor's payment page (no login; the link is the key)."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models import Agreement, PaymentInstrument, Receivable
from negotiation.clock import today_in
from negotiation.documents import mask_document
from negotiation.errors import NotFound
from negotiation.installments import installments_of
from negotiation.payment_links import read_token
from negotiation.payments import boleto
from negotiation.payments.boleto_pdf import render_boleto_pdf
from negotiation.payments.pix import qr_png
from negotiation.rendering import render_html

router = APIRouter(tags=["pagamento"])


@router.get("/p/{token}", response_class=HTMLResponse, summary="Payment page of an agreement")
async def payment_page(token: str, request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    agreement = await Agreement.get_or_none(id=read_token(token, settings.secret_key))
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
        isp={"name": settings.isp_name, "cnpj": settings.isp_cnpj, "address": settings.isp_address},
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@router.get("/p/{token}/boleto/{number}.pdf", summary="The boleto of one installment (PDF)")
async def boleto_pdf(token: str, number: int, request: Request) -> Response:
    settings = request.app.state.settings
    agreement = await Agreement.get_or_none(
        id=read_token(token, settings.secret_key)
    ).select_related("customer")
    bill = agreement and await Receivable.get_or_none(
        agreement_id=agreement.id, installment_number=number
    )
    inst = bill and await PaymentInstrument.get_or_none(
        receivable_id=bill.id, cancelled_at__isnull=True
    )
    if not inst or bill.status != "open":
        raise NotFound("parcela sem boleto disponível")
    today = today_in(settings.timezone)
    pdf = render_boleto_pdf(
        boleto.parse(inst.line, today),
        pix_payload=inst.pix_payload,
        payer_name=agreement.customer.name,
        payer_document=mask_document(agreement.customer.document),
        installment=f"Parcela {number} de {agreement.installments_count} do acordo {agreement.id}",
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        isp_address=settings.isp_address,
        our_number=inst.our_number,
        issue_date=bill.issue_date,
        agency_code=f"{settings.boleto_agency}/{settings.boleto_account}",
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="boleto-{agreement.id}-{number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
