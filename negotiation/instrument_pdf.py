"""The boleto PDF (with its PIX QR code) of one agreement installment, for every place that
hands it out: the payment page, e-mail and Telegram."""

from __future__ import annotations

from datetime import date

from models import Agreement, Customer, PaymentInstrument, Receivable
from negotiation.config import InstrumentPdfConfig
from negotiation.documents import mask_document
from negotiation.payments import boleto
from negotiation.payments.boleto_pdf import render_boleto_pdf


def installment_pdf(
    agreement: Agreement,
    customer: Customer,
    bill: Receivable,
    instrument: PaymentInstrument,
    settings: InstrumentPdfConfig,
    today: date,
) -> bytes:
    return render_boleto_pdf(
        boleto.parse(instrument.line, today),
        pix_payload=instrument.pix_payload,
        payer_name=customer.name,
        payer_document=mask_document(customer.document),
        installment=(
            f"Parcela {bill.installment_number} de {agreement.installments_count}"
            f" do acordo {agreement.id}"
        ),
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        isp_address=settings.isp_address,
        our_number=instrument.our_number,
        issue_date=bill.issue_date,
        agency_code=f"{settings.boleto_agency}/{settings.boleto_account}",
    )


def pdf_filename(agreement: Agreement, bill: Receivable) -> str:
    return f"boleto-{agreement.id}-{bill.installment_number}.pdf"
