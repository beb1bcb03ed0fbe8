"""The texts and files of a delivery, per channel, from `templates/delivery/`."""

from __future__ import annotations

import unicodedata

from models import Agreement, Delivery
from models.clock import today_in
from models.enums import DeliveryChannel
from negotiation.config import DeliveryConfig
from negotiation.deep_links import bot_link, make_link_token
from negotiation.installments import installments_of
from negotiation.instrument_pdf import installment_pdf, pdf_filename
from negotiation.outbound import Attachment, OutgoingMessage
from negotiation.payment_links import payment_url
from negotiation.payments.pix import qr_png
from negotiation.rendering import render, render_html


def gsm_text(text: str) -> str:
    """SMS text in plain ASCII: one accented letter outside GSM-7 would turn the whole SMS into
    UCS-2 and cut each part from 153 to 67 characters, tripling its cost."""
    text = text.replace("\xa0", " ").replace("\u202f", " ")
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


def channel_allows_link(delivery: Delivery) -> bool:
    # SMS stays short; Telegram is already the bot.
    return delivery.channel == DeliveryChannel.EMAIL


async def compose(delivery: Delivery, settings: DeliveryConfig) -> OutgoingMessage:
    agreement = await Agreement.get(id=delivery.agreement_id).select_related("customer")
    customer = agreement.customer
    parts = await installments_of(agreement.id)
    installments = [
        {
            "number": p.bill.installment_number,
            "amount": p.bill.amount,
            "due_date": p.bill.due_date,
            "status": str(p.bill.status),
            "payable": p.payable,
            "line": p.instrument.line if p.instrument else None,
            "pix": p.instrument.pix_payload if p.instrument else None,
        }
        for p in parts
    ]
    payable = [i for i in installments if i["payable"]]
    last_due = max((p.bill.due_date for p in parts), default=agreement.as_of)
    context = {
        "isp": settings.isp,
        "tz": settings.tz,  # instants (the agreement's creation) are read in the ISP's zone
        "first_name": customer.first_name,
        "agreement": agreement,
        "installments": installments,
        "next": payable[0] if payable else None,
        "url": payment_url(settings.public_base_url, agreement.id, last_due, settings.secret_key),
        # The debtor's single-use way into the bot, where the bot runs.
        "bot_url": bot_link(
            settings.telegram_bot_username, make_link_token(customer.id, settings.secret_key)
        )
        if settings.telegram_token and channel_allows_link(delivery)
        else None,
    }
    channel = DeliveryChannel(delivery.channel)
    if channel == DeliveryChannel.SMS:
        text = gsm_text(render("delivery/sms.txt.j2", **context).strip())
        return OutgoingMessage(channel, delivery.recipient, settings.email_subject, text)

    today = today_in(settings.timezone)
    pdfs = tuple(
        Attachment(
            pdf_filename(agreement, p.bill),
            installment_pdf(agreement, customer, p.bill, p.instrument, settings, today),
            "application/pdf",
        )
        for p in parts
        if p.payable
    )
    if channel == DeliveryChannel.EMAIL:
        return OutgoingMessage(
            channel,
            delivery.recipient,
            settings.email_subject,
            render("delivery/email.txt.j2", **context),
            html=render_html("delivery/email.html.j2", **context),
            attachments=pdfs,
        )
    nxt = context["next"]
    qr = (Attachment("pix.png", qr_png(nxt["pix"]), "image/png"),) if nxt else ()
    return OutgoingMessage(
        channel,
        delivery.recipient,
        settings.email_subject,
        render("delivery/telegram.txt.j2", **context).strip(),
        attachments=qr + pdfs,
        followups=(nxt["pix"],) if nxt else (),
    )
