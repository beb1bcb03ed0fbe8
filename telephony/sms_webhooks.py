"""Twilio's SMS webhooks: inbound messages (`/twilio/sms`) and delivery status callbacks
(`/twilio/sms/status`).

Inbound: "SAIR" or "PARAR" (any case, accents or spaces) opts the sender out of every
channel; anything else gets the debtor's single-use link to the Telegram bot (and the payment
page of an active agreement), or a generic help with the ISP's name for an unknown number.
Each message is recorded first (`negotiation.inbound_events`: 503 when it cannot be, so
nothing is lost to an outage), then goes on the conversation's timeline keyed by its
MessageSid, with the reply beside it: a redelivered message gets the same reply and writes
nothing. Status callbacks are recorded the same way, by MessageSid and status.
"""

from __future__ import annotations

import re
import unicodedata

from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from models import Agreement, Customer, InboundEvent, InboundSource, Message
from models.enums import (
    AgreementStatus,
    Channel,
    DeliveryStatus,
    MessageAuthor,
    MessageDirection,
)
from negotiation import conversations, inbound_events
from negotiation.contact_policy import record_opt_out
from negotiation.deep_links import bot_link, make_link_token
from negotiation.delivery import report_status
from negotiation.delivery_messages import gsm_text
from negotiation.errors import TemporarilyUnavailable
from negotiation.identify import customer_by_phone
from negotiation.installments import installments_of
from negotiation.payment_links import payment_url
from negotiation.phones import lookup_phone
from negotiation.rendering import render
from quita.settings import Settings
from telephony.security import verified_form
from telephony.twiml import twiml_response

router = APIRouter(tags=["twilio"])

OPT_OUT_WORDS = frozenset({"sair", "parar"})
REPLY_SUFFIX = ":reply"


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def is_opt_out(body: str) -> bool:
    return _plain(body) in OPT_OUT_WORDS


def _text(name: str, settings: Settings, **context) -> str:
    text = render(f"voice/{name}.txt.j2", isp=settings.isp, **context)
    return gsm_text(re.sub(r"\s+", " ", text).strip())


def _messaging(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return twiml_response(str(response))


async def _reply_for(customer: Customer | None, body: str, settings: Settings, now) -> str:
    if is_opt_out(body):
        if customer is not None:
            await record_opt_out(now, Channel.SMS, customer_id=customer.id)
        return _text("sms_optout", settings)
    if customer is None:
        return _text(
            "sms_unknown", settings, bot_url=f"https://t.me/{settings.telegram_bot_username}"
        )
    token = make_link_token(customer.id, settings.secret_key, now=now)
    pay_url = None
    active = (
        await Agreement.filter(customer_id=customer.id, status=AgreementStatus.ACTIVE)
        .order_by("-id")
        .first()
    )
    if active is not None:
        parts = await installments_of(active.id)
        if parts:
            last_due = max(p.bill.due_date for p in parts)
            pay_url = payment_url(
                settings.public_base_url, active.id, last_due, settings.secret_key
            )
    return _text(
        "sms_link",
        settings,
        bot_url=bot_link(settings.telegram_bot_username, token),
        pay_url=pay_url,
    )


@router.post("/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    form = await verified_form(request)
    sid = inbound_events.provider_id(form.get("MessageSid") or form.get("SmsSid"))
    handle = sms_handler(request.app.state.settings)
    outcome = await inbound_events.receive(InboundSource.SMS, sid, form, handle)
    if not outcome.handled:  # kept: a redelivery or the jobs handle it again
        raise TemporarilyUnavailable(inbound_events.UNAVAILABLE)
    return _messaging(outcome.result.get("reply"))


def sms_handler(settings: Settings) -> inbound_events.Handler:
    """An inbound SMS's handling from its record; the reply is kept for a redelivery."""

    async def handle(event: InboundEvent) -> dict[str, str]:
        return {"reply": await _inbound(event.payload, settings, event.received_at)}

    return handle


async def _inbound(form: dict[str, str], settings: Settings, now) -> str:
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sender = form.get("From", "")
    body = form.get("Body", "")
    customer = await customer_by_phone(sender)
    conversation = await conversations.open_for(
        Channel.SMS,
        lookup_phone(sender) or sender or "unknown",
        customer.id if customer else None,
    )
    earlier = await Message.get_or_none(
        conversation_id=conversation.id, channel_message_id=sid + REPLY_SUFFIX
    )
    if earlier is not None:  # answered before: the same answer, nothing written
        return earlier.text
    # Already on the timeline when an earlier try failed before its reply: answered now
    # (`inbound_events` lets one try run at a time).
    await conversations.record(
        conversation,
        MessageDirection.IN,
        MessageAuthor.DEBTOR,
        body,
        channel_message_id=sid or None,
        payload={"from": sender},
    )
    reply = await _reply_for(customer, body, settings, now)
    await conversations.record(
        conversation,
        MessageDirection.OUT,
        MessageAuthor.BOT,
        reply,
        channel_message_id=(sid + REPLY_SUFFIX) if sid else None,
        payload={"opt_out": is_opt_out(body)},
    )
    return reply


_STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
}


@router.post("/twilio/sms/status")
async def sms_status(request: Request) -> Response:
    """Twilio's report on a message we sent: delivered, or undelivered/failed (with its error
    code). Intermediate statuses (queued, sent, …) and late or repeated reports change
    nothing: a delivery's status only moves forward."""
    form = await verified_form(request)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if sid and status in _STATUSES:
        event_id = inbound_events.provider_id(sid, status)
        outcome = await inbound_events.receive(
            InboundSource.SMS_STATUS, event_id, form, sms_status_handler
        )
        if not outcome.handled:
            raise TemporarilyUnavailable(inbound_events.UNAVAILABLE)  # Twilio tries again
    return Response(status_code=204)


async def sms_status_handler(event: InboundEvent) -> None:
    """An SMS status callback's handling from its record."""
    form = event.payload
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = _STATUSES[(form.get("MessageStatus") or form.get("SmsStatus") or "").lower()]
    error = None
    if status == DeliveryStatus.FAILED:
        code = form.get("ErrorCode") or "sem código"
        error = f"Twilio: mensagem não entregue (erro {code})"
    await report_status(sid, status, error)
