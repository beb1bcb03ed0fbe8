"""Sending an agreement's payment instruments to the debtor by e-mail, SMS or Telegram.

A send is a `Delivery` row on the agreement's timeline, written before anything leaves, so a
crash never loses one. It is tried at once; a temporary failure is retried with backoff by the
background jobs (`deliver_due`: the retry queue of negotiation/retry_queue.py), and after
`QUITA_DELIVERY_ATTEMPTS` tries, or at once for a permanent failure (bad address, bot
blocked), it is marked failed, which the attendant sees. The channels themselves are
`Sender`s given by the composition package; this module knows none of their libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models import Agreement, Customer, CustomerPhone, Delivery, User, clock
from models.enums import AgreementStatus, Channel, ContactActor, DeliveryChannel, DeliveryStatus
from negotiation import audit, retry_queue
from negotiation.config import DeliveryConfig
from negotiation.contact_policy import opt_out_refusal, record_reply
from negotiation.delivery_messages import compose
from negotiation.errors import Conflict, InvalidInput, NotFound, SendError
from negotiation.outbound import Senders
from negotiation.permissions import Permission, ensure

log = logging.getLogger("quita.delivery")

_CHANNEL_NAMES = {
    DeliveryChannel.EMAIL: "e-mail",
    DeliveryChannel.SMS: "SMS",
    DeliveryChannel.TELEGRAM: "Telegram",
}


async def recipient_for(customer: Customer, channel: DeliveryChannel) -> str:
    """Where this customer receives `channel`, or InvalidInput saying why not."""
    name = _CHANNEL_NAMES[channel]
    refusal = opt_out_refusal(customer, Channel(channel))
    if refusal:
        raise InvalidInput(f"{refusal}; não enviamos {name}")
    if channel == DeliveryChannel.EMAIL:
        if not customer.email:
            raise InvalidInput("o cliente não tem e-mail cadastrado")
        return customer.email
    if channel == DeliveryChannel.SMS:
        phones = await CustomerPhone.filter(customer_id=customer.id).order_by("id")
        mobile = next((p for p in phones if p.label == "mobile"), None) or (
            phones[0] if phones else None
        )
        if mobile is None:
            raise InvalidInput("o cliente não tem celular cadastrado para SMS")
        return mobile.number
    if customer.telegram_chat_id is None:
        raise InvalidInput("o cliente ainda não conversou com o bot do Telegram")
    return str(customer.telegram_chat_id)


async def request_deliveries(
    agreement_id: int,
    channels: Sequence[DeliveryChannel],
    *,
    senders: Senders,
    settings: DeliveryConfig,
    user: User | None = None,
    now: datetime | None = None,
) -> list[Delivery]:
    """Queue one send per channel (all or none) and try each at once. An attendant's request
    needs the permission to negotiate; the jobs and the dialogs send without a user."""
    if user is not None:
        ensure(user, Permission.NEGOTIATE)
    if not channels:
        raise InvalidInput("escolha ao menos um canal: email, sms ou telegram")
    if len(set(channels)) != len(channels):
        raise InvalidInput("cada canal pode aparecer uma vez só")
    agreement = await Agreement.get_or_none(id=agreement_id).select_related("customer")
    if agreement is None:
        raise NotFound(f"acordo {agreement_id} não existe")
    if agreement.status != AgreementStatus.ACTIVE:
        raise Conflict(f"o acordo {agreement.id} não está ativo ({agreement.status})")
    recipients = {}
    for channel in channels:
        if channel not in senders:
            raise Conflict(f"o envio por {_CHANNEL_NAMES[channel]} não está configurado")
        recipients[channel] = await recipient_for(agreement.customer, channel)
    now = now or clock.now()
    async with in_transaction() as conn:
        made = [
            await Delivery.create(
                using_db=conn,
                agreement_id=agreement.id,
                channel=channel,
                recipient=recipients[channel],
                # Leased by this request, which tries it at once: the jobs keep off it.
                next_attempt_at=retries(settings).leased_until(now),
                requested_by=user,
            )
            for channel in channels
        ]
        for delivery in made:
            await audit.record(
                using_db=conn,
                user=user,
                action="delivery.request",
                entity="delivery",
                entity_id=delivery.id,
                after=audit.snapshot(delivery),
            )
    for delivery in made:
        await attempt(delivery, senders=senders, settings=settings, now=now)
    return made


def retries(settings: DeliveryConfig) -> retry_queue.RetryQueue:
    """Deliveries on the retry queue: 2, 4, 8 … minutes between tries (at most two hours),
    given up after `QUITA_DELIVERY_ATTEMPTS` tries."""
    return retry_queue.RetryQueue(
        Delivery,
        DeliveryStatus,
        backoff=retry_queue.Backoff(first=timedelta(minutes=2), cap=timedelta(hours=2)),
        max_attempts=settings.delivery_attempts,
    )


def sending(senders: Senders, settings: DeliveryConfig) -> retry_queue.Work:
    """The queue's work for deliveries: compose the instruments message and hand it over."""

    async def send(delivery: Delivery) -> dict:
        sender = senders.get(delivery.channel)
        if sender is None:
            raise SendError(f"o envio por {_CHANNEL_NAMES[delivery.channel]} não está configurado")
        message = await compose(delivery, settings)
        external_id = (await sender.send(message))[:100]
        await record_sent(delivery)
        return {"external_id": external_id}

    return send


async def record_sent(delivery: Delivery) -> None:
    """A send that went, on the debtor's contact record through the gate: an attendant's
    request is the attendant's contact; without one the robot's (after a call) or the bot's.
    It answers the agreement the debtor just made, so it is a reply and spends no budget.

    Called after the provider took the message: a failure to record is logged, not raised,
    since raising would mark the send failed and send it a second time."""
    try:
        [(customer_id, made_on)] = await Agreement.filter(id=delivery.agreement_id).values_list(
            "customer_id", "channel"
        )
        if delivery.requested_by_id is not None:
            actor = ContactActor.ATTENDANT
        elif made_on == Channel.VOICE:
            actor = ContactActor.ROBOT
        else:
            actor = ContactActor.BOT
        await record_reply(
            customer_id,
            Channel(delivery.channel),
            actor,
            note=f"envio {delivery.id} do acordo {delivery.agreement_id}",
            user_id=delivery.requested_by_id,
        )
    except Exception:
        log.exception("delivery %s: sent, but its contact was not recorded", delivery.id)


async def attempt(
    delivery: Delivery, *, senders: Senders, settings: DeliveryConfig, now: datetime | None = None
) -> Delivery:
    """One try of one send the caller holds; the row tells what happened."""
    await retry_queue.attempt(retries(settings), delivery, sending(senders, settings), now)
    return delivery


async def deliver_due(
    *, senders: Senders, settings: DeliveryConfig, now: datetime | None = None, limit: int = 50
) -> int:
    """Retry the sends whose time has come (leased: two instances never send one twice)."""
    tally = await retry_queue.run_due(
        retries(settings), sending(senders, settings), now=now, limit=limit
    )
    return tally.tried


# What a provider's status report may move a delivery to, from where (never backwards).
_FORWARD = {
    DeliveryStatus.DELIVERED: {DeliveryStatus.PENDING, DeliveryStatus.SENT},
    DeliveryStatus.FAILED: {DeliveryStatus.PENDING, DeliveryStatus.SENT},
}


async def report_status(external_id: str, status: DeliveryStatus, error: str | None = None) -> int:
    """A provider says what became of a message (Twilio's SMS status callback). Repeated or
    late reports change nothing: the status only moves forward."""
    allowed = _FORWARD.get(status)
    if not allowed:
        return 0
    changes: dict = {"status": status}
    if error:
        changes["last_error"] = error
    return await Delivery.filter(external_id=external_id, status__in=list(allowed)).update(
        **changes
    )


async def deliveries_of(agreement_id: int) -> list[Delivery]:
    return await Delivery.filter(agreement_id=agreement_id).order_by("created_at", "id")
