"""The SMS after an agreement made on the phone: its text, and its sending (a `Delivery` on
the agreement's timeline; a failure is left to the deliveries' retry queue)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from models import Agreement, Customer, Delivery, clock
from models.enums import Channel, DeliveryChannel, DeliveryStatus
from negotiation import retry_queue
from negotiation.config import VoiceSmsConfig
from negotiation.contact_policy import opt_out_refusal
from negotiation.deep_links import bot_link, make_link_token
from negotiation.delivery import record_sent
from negotiation.delivery import retries as delivery_retries
from negotiation.delivery_messages import gsm_text
from negotiation.errors import SendError
from negotiation.installments import installments_of
from negotiation.outbound import Sender
from negotiation.rendering import render

log = logging.getLogger("quita.ivr")

SMS_WAIT = 4.0  # seconds the call's answer waits for the agreement SMS (it goes on after)

_background: set[asyncio.Task] = set()


async def agreement_sms_text(
    agreement: Agreement, customer: Customer, settings: VoiceSmsConfig
) -> str:
    """The SMS after a phone agreement: ISP and CNPJ, the first payable installment, its
    boleto line and PIX copy-and-paste, and the debtor's link to the Telegram bot. Plain
    GSM-7 (accents dropped) so it stays within 4 segments."""
    parts = await installments_of(agreement.id)
    payable = [p for p in parts if p.payable]
    if not payable:
        raise SendError("o acordo não tem parcela com boleto/PIX emitido", permanent=True)
    first = payable[0]
    token = make_link_token(customer.id, settings.secret_key)
    text = render(
        "voice/sms_agreement.txt.j2",
        isp=settings.isp,
        agreement_id=agreement.id,
        installments=agreement.installments_count,
        first={
            "number": first.bill.installment_number,
            "amount": first.bill.amount,
            "due_date": first.bill.due_date,
            "line": first.instrument.line,
            "pix": first.instrument.pix_payload,
        },
        bot_url=bot_link(settings.telegram_bot_username, token),
    )
    return gsm_text(text.strip())  # line breaks kept: the PIX code sits alone on its line


@dataclass(frozen=True)
class _Sms:
    recipient: str
    text: str
    channel: DeliveryChannel = DeliveryChannel.SMS
    subject: str = ""


async def send_agreement_sms(
    agreement: Agreement,
    customer: Customer,
    recipient: str,
    sender: Sender,
    settings: VoiceSmsConfig,
) -> Delivery:
    """One `Delivery` on the agreement's timeline (written first), then the send. A failure
    leaves it to the retry queue (whose retries send the standard instruments SMS)."""
    queue = delivery_retries(settings)
    now = clock.now()
    delivery = await Delivery.create(
        agreement_id=agreement.id,
        channel=DeliveryChannel.SMS,
        recipient=recipient,
        next_attempt_at=queue.leased_until(now),  # a crash mid-send leaves it to the retries
    )

    async def send(_: Delivery) -> dict:
        try:
            text = await agreement_sms_text(agreement, customer, settings)
            external_id = (await sender.send(_Sms(recipient, text)))[:100]
        except ValueError as error:  # a number or text the provider can never take
            raise SendError(str(error), permanent=True) from error
        await record_sent(delivery)
        return {"external_id": external_id}

    await retry_queue.attempt(queue, delivery, send, now)
    return delivery


async def send_quickly(
    agreement: Agreement,
    customer: Customer,
    recipient: str | None,
    sender: Sender | None,
    settings: VoiceSmsConfig,
) -> bool:
    """Sends the agreement SMS, waiting at most SMS_WAIT seconds (it carries on after), to a
    customer who takes SMS. Whether the debtor can be told it is on its way."""
    if sender is None or recipient is None or opt_out_refusal(customer, Channel.SMS):
        return False
    task = asyncio.create_task(send_agreement_sms(agreement, customer, recipient, sender, settings))
    _background.add(task)
    task.add_done_callback(_background.discard)
    try:
        delivery = await asyncio.wait_for(asyncio.shield(task), SMS_WAIT)
    except TimeoutError:
        return True  # still going; the debtor will get it
    except Exception:
        log.exception("agreement %s: SMS failed", agreement.id)
        return False
    return delivery.status != DeliveryStatus.FAILED
