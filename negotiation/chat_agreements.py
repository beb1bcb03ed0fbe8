"""The debtor's agreements in the chat: the new agreement's schedule and how to pay its first
installment (PIX copy-and-paste, QR code, boleto PDF), and the list of recent agreements."""

from __future__ import annotations

from models import Agreement, Customer
from models.enums import AgreementStatus
from negotiation.chat_screens import Button, Env, Reply, labels, screen, text
from negotiation.installments import installments_of
from negotiation.instrument_pdf import installment_pdf, pdf_filename
from negotiation.payment_links import payment_url
from negotiation.payments.pix import qr_png


async def agreement_replies(agreement: Agreement, env: Env) -> list[Reply]:
    """The agreement's schedule, then the first open installment's PIX copy-and-paste alone
    (a long press copies exactly it), its QR code and its boleto PDF."""
    customer = await Customer.get(id=agreement.customer_id)
    parts = await installments_of(agreement.id)
    payable = [p for p in parts if p.payable]
    first = payable[0] if payable else None
    url = payment_url(
        env.settings.public_base_url,
        agreement.id,
        max(p.bill.due_date for p in parts),
        env.settings.secret_key,
    )
    shown = text(
        "agreement",
        env,
        agreement=agreement,
        first_name=customer.first_name,
        installments=[
            {
                "number": p.bill.installment_number,
                "amount": p.bill.amount,
                "due_date": p.bill.due_date,
            }
            for p in parts
        ],
        first=(
            {"number": first.bill.installment_number, "line": first.instrument.line}
            if first
            else None
        ),
        url=url,
    )
    replies = [screen(shown, (Button(str(labels().agreements()), "agreements"),))]
    if first:
        replies += [
            Reply(first.instrument.pix_payload),
            Reply(file=qr_png(first.instrument.pix_payload), filename="pix.png", mime="image/png"),
            Reply(
                file=installment_pdf(
                    agreement, customer, first.bill, first.instrument, env.settings, env.today
                ),
                filename=pdf_filename(agreement, first.bill),
                mime="application/pdf",
            ),
        ]
    return replies


_STATUS_LABELS = {
    AgreementStatus.ACTIVE: "ativo",
    AgreementStatus.FULFILLED: "quitado",
    AgreementStatus.BROKEN: "rompido",
    AgreementStatus.CANCELLED: "cancelado",
}


async def agreements(customer_id: int, env: Env) -> list[Reply]:
    """The five latest agreements, with a payment link for an active one."""
    rows = await Agreement.filter(customer_id=customer_id).order_by("-created_at", "-id").limit(5)
    views, url = [], None
    for a in rows:
        parts = await installments_of(a.id)
        views.append(
            {
                "id": a.id,
                "total": a.total,
                "status_label": _STATUS_LABELS.get(AgreementStatus(a.status), str(a.status)),
                "installments": [
                    {
                        "number": p.bill.installment_number,
                        "amount": p.bill.amount,
                        "due_date": p.bill.due_date,
                        "status": str(p.bill.status),
                    }
                    for p in parts
                ],
            }
        )
        if a.status == AgreementStatus.ACTIVE and parts and url is None:
            url = payment_url(
                env.settings.public_base_url,
                a.id,
                max(p.bill.due_date for p in parts),
                env.settings.secret_key,
            )
    shown = text("agreements", env, agreements=views, url=url)
    return [screen(shown, (Button(str(labels().debt()), "debt"),))]
