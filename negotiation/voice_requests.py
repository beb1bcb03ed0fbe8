"""What a caller asks of the collector besides the offers: to be called back when nobody can
take the call, "já paguei" and "não reconheço" (the pauses of `negotiation.debt_pauses`, the
same as the chat's). The voice dialog (`negotiation.ivr`) routes here."""

from __future__ import annotations

from dataclasses import replace

from models import Call, ServiceTicket
from models.enums import Channel, MessageAuthor, MessageDirection
from negotiation import call_transcript as transcript
from negotiation import conversations, debt_pauses
from negotiation.understanding import Intent
from negotiation.voice_prompts import DONE, Ctx, Prompt, phone_of, say, transfer
from negotiation.voice_state import customer_of


async def callback_ticket(call: Call, ctx: Ctx) -> None:
    """A caller nobody could take asked to be called back: the call's conversation waits in
    the attendants' inbox (with the number to call and the customer when identified), and an
    identified customer also gets a service ticket."""
    confirmed = bool(call.customer_id and call.data.get("confirmed"))
    customer = await customer_of(call.customer_id) if confirmed else None
    conversation = await transcript.conversation_of(call)
    await conversations.escalate(conversation, ctx.now, ctx.settings)
    text = say(
        "callback_ticket",
        ctx.settings,
        phone=phone_of(call) or "número não informado",
        customer=customer.name if customer else None,
        sid=call.sid,
    )
    await conversations.record(
        conversation,
        MessageDirection.OUT,
        MessageAuthor.SYSTEM,
        text,
        payload={"event": "callback", "phone": phone_of(call), "call_id": call.id},
    )
    if customer is not None:
        await ServiceTicket.create(
            customer_id=customer.id,
            entry_id=call.entry_id,
            subject="Retornar ligação do cliente",
            description=(
                f"Pediu pela ligação {call.sid} que um atendente ligue de volta "
                f"para {phone_of(call)}."
            ),
        )


async def claim_paid(call: Call, keys: str, ctx: Ctx) -> Prompt:
    """ "Já paguei": the ledger's payment, or collection paused and a person to check."""
    claim = await debt_pauses.claim_paid(
        call.customer_id, Channel.VOICE, ctx.now, ctx.today, ctx.settings, entry_id=call.entry_id
    )
    call.step = DONE
    if claim.payment is not None:
        paid_on = claim.payment.paid_at.astimezone(ctx.settings.tz).date()
        text = say(
            "paid_found",
            ctx.settings,
            amount=claim.payment.amount,
            paid_on=paid_on,
            today=ctx.today,
        )
    else:
        text = say("paid_receipt", ctx.settings, until=claim.pause.ends_on, today=ctx.today)
    return Prompt((text,), hangup=True)


async def claim_dispute(call: Call, keys: str, ctx: Ctx) -> Prompt:
    """ "Não reconheço": collection paused, a dispute recorded, and a person."""
    pause = await debt_pauses.dispute(
        call.customer_id, Channel.VOICE, ctx.today, ctx.settings, entry_id=call.entry_id
    )
    handover = transfer(call, ctx)
    told = say("dispute", ctx.settings, until=pause.ends_on, today=ctx.today)
    return replace(handover, says=(told, *handover.says))


CLAIMS = {Intent.PAID: claim_paid, Intent.DISPUTE: claim_dispute}
