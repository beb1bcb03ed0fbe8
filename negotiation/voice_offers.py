"""The voice dialog's offers, down payment, confirmation and agreement: `negotiation.offer_flow`
said on the phone. Keys: an offer's number (1–8), 9 repeats, 0 is a person; a down payment is
typed in cents ("15000" is R$ 150,00) or 1 for the least one; 1 confirms, 2 goes back, 3 asks
for the first payment's day of the month (typed, then #)."""

from __future__ import annotations

from models import Agreement, Call, Customer
from models.enums import (
    AgreementStatus,
    CallDirection,
    Channel,
    ContactActor,
    ContactOutcome,
    MessageDirection,
)
from negotiation import offer_flow, voice_sms, voice_state
from negotiation.amounts import keypad_cents
from negotiation.config import VoiceConfig
from negotiation.contact_policy import record_contact
from negotiation.errors import Conflict
from negotiation.offers import CustomerOffer, offer_view, offers_for_customer
from negotiation.phones import lookup_phone
from negotiation.voice_prompts import (
    CONFIRM,
    DONE,
    DOWN,
    OFFERS,
    Ctx,
    Gather,
    Prompt,
    goodbye,
    phone_of,
    say,
    transfer,
)

MAX_OFFERS = 8  # keys 1..8; 9 repeats, 0 is a person
DUE_DAY_KEY = "3"  # at the confirmation: choose the first payment's day
ASKING_DAY = offer_flow.DUE_DAY_ASKED  # in the call's data while the confirmation waits for a day


def _debtor(call: Call, ctx: Ctx) -> offer_flow.Debtor:
    return offer_flow.Debtor(call.customer_id, Channel.VOICE, ctx.today, ctx.settings)


async def debt(call: Call, customer: Customer, ctx: Ctx, *before: str) -> Prompt:
    """The debt in one sentence, then the offers."""
    name = customer.first_name
    active = await Agreement.filter(customer_id=customer.id, status=AgreementStatus.ACTIVE).exists()
    if active:
        call.step = OFFERS
        call.data = {**call.data, "offers": []}
        text = say("active_agreement", ctx.settings, first_name=name)
        return Prompt((*before, text), Gather(OFFERS, num_digits=1))
    offers = await offers_for_customer(customer.id, ctx.today)
    if not offers:
        call.step = DONE
        return Prompt((*before, say("no_debt", ctx.settings, first_name=name)), hangup=True)
    result = offers[0].negotiation
    text = say("debt", ctx.settings, first_name=name, total=result.gross, count=len(result.charges))
    return await offers_prompt(call, ctx, *before, text, offers=offers)


async def offers_prompt(
    call: Call, ctx: Ctx, *before: str, offers: list[CustomerOffer] | None = None
) -> Prompt:
    if offers is None:
        offers = await offers_for_customer(call.customer_id, ctx.today)
    offers = offers[:MAX_OFFERS]
    call.step = OFFERS
    call.data = {
        **{k: v for k, v in call.data.items() if k not in offer_flow.FLOW_KEYS},
        "offers": offer_flow.listing(offers),
    }
    if not offers:
        customer = await voice_state.customer_of(call.customer_id)
        text = say("no_offers", ctx.settings, first_name=customer.first_name)
        return Prompt((*before, text), Gather(OFFERS, num_digits=1))
    text = say("offers", ctx.settings, offers=[offer_view(o) for o in offers])
    return Prompt((*before, text), Gather(OFFERS, num_digits=1))


async def step_offers(call: Call, keys: str, ctx: Ctx) -> Prompt:
    listed = call.data.get("offers") or []
    if keys == "0":
        return transfer(call, ctx)
    if keys == "9":
        return await offers_prompt(call, ctx)
    choice = offer_flow.by_number(listed, keys)
    if choice is not None:
        picked = await offer_flow.pick(_debtor(call, ctx), call.data, choice)
        if picked.offer is None:
            return await offers_prompt(call, ctx, say("offer_gone", ctx.settings))
        call.data = picked.data
        if picked.down is not None:
            call.step = DOWN
            return ask_down(call, ctx.settings)
        return _confirm(call, ctx, picked.offer)
    if not listed:
        call.step = DONE
        return goodbye(ctx.settings)
    return await offers_prompt(call, ctx, say("not_understood", ctx.settings))


def ask_down(call: Call, settings: VoiceConfig, *before: str) -> Prompt:
    bounds = offer_flow.DownRange.of(call.data)
    text = say("ask_down", settings, minimum=bounds.minimum, maximum=bounds.maximum)
    return Prompt((*before, text), Gather(DOWN, timeout=8))


async def step_down(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return transfer(call, ctx)
    if keys == "9":
        return await offers_prompt(call, ctx)
    if keys == "1":
        chosen = await offer_flow.priced(_debtor(call, ctx), call.data)
    elif keys.isdigit() and len(keys) >= 2:
        amount = keypad_cents(keys)
        reason = offer_flow.DownRange.of(call.data).problem(amount)
        if reason:
            bad = say("bad_down", ctx.settings, typed=amount, reason=reason)
            return ask_down(call, ctx.settings, bad)
        chosen = await offer_flow.priced(_debtor(call, ctx), call.data, amount)
    else:
        return ask_down(call, ctx.settings, say("not_understood", ctx.settings))
    if chosen is None:
        return await offers_prompt(call, ctx, say("offer_gone", ctx.settings))
    return _confirm(call, ctx, chosen)


def _confirm(call: Call, ctx: Ctx, chosen: CustomerOffer) -> Prompt:
    call.step = CONFIRM
    call.data = offer_flow.to_confirm(call.data, chosen)
    return _confirm_text(chosen, ctx)


def _confirm_text(chosen: CustomerOffer, ctx: Ctx, *before: str) -> Prompt:
    summary = offer_flow.confirmation(chosen)
    text = say(
        "confirm",
        ctx.settings,
        total=summary["total"],
        installments=summary["installments"],
        first=summary["first"],
        later=summary["later"],
        first_due=summary["first_due"],
        days_between=summary["days_between"],
        can_move_first_due=summary["can_move_first_due"],
        today=ctx.today,
    )
    return Prompt((*before, text), Gather(CONFIRM, num_digits=1))


def _ask_due_day(call: Call, chosen: CustomerOffer, ctx: Ctx, *before: str) -> Prompt:
    call.data = {**call.data, ASKING_DAY: True}
    latest = offer_flow.latest_first_due(chosen)
    text = say("ask_due_day", ctx.settings, latest=latest, today=ctx.today)
    return Prompt((*before, text), Gather(CONFIRM, num_digits=2, timeout=8))


async def confirm_prompt(call: Call, ctx: Ctx, *before: str) -> Prompt:
    if not call.data.get("quote"):
        return await offers_prompt(call, ctx, *before)
    chosen = await offer_flow.quoted(_debtor(call, ctx), call.data)
    if chosen is None:
        return await offers_prompt(call, ctx, *before, say("offer_gone", ctx.settings))
    if call.data.get(ASKING_DAY):
        return _ask_due_day(call, chosen, ctx, *before)
    return _confirm_text(chosen, ctx, *before)


async def _step_due_day(call: Call, keys: str, ctx: Ctx) -> Prompt:
    """The day typed after 3: the confirmation again with that first due date (or the latest
    day allowed, said first)."""
    day = offer_flow.due_day_from_keys(keys)
    if day is None:
        return await confirm_prompt(call, ctx, say("not_understood", ctx.settings))
    call.data = {k: v for k, v in call.data.items() if k != ASKING_DAY}
    change = await offer_flow.change_first_due(_debtor(call, ctx), call.data, day)
    if change.offer is None:
        return await offers_prompt(call, ctx, say("offer_gone", ctx.settings))
    call.data = change.data
    if change.latest is not None:
        late = say("due_day_late", ctx.settings, day=day, latest=change.latest, today=ctx.today)
        return _confirm_text(change.offer, ctx, late)
    return _confirm_text(change.offer, ctx)


async def step_confirm(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return transfer(call, ctx)
    if call.data.get(ASKING_DAY) and "quote" in call.data:
        return await _step_due_day(call, keys, ctx)
    if keys == "2":
        return await offers_prompt(call, ctx)
    if keys == DUE_DAY_KEY and "quote" in call.data:
        chosen = await offer_flow.quoted(_debtor(call, ctx), call.data)
        if chosen is None:
            return await offers_prompt(call, ctx, say("offer_gone", ctx.settings))
        if offer_flow.can_move_first_due(chosen):
            return _ask_due_day(call, chosen, ctx)
    if keys != "1" or "quote" not in call.data:
        return await confirm_prompt(call, ctx, say("not_understood", ctx.settings))
    try:
        agreement = await offer_flow.accept_quote(_debtor(call, ctx), call.data)
    except Conflict:
        return await offers_prompt(call, ctx, say("offer_gone", ctx.settings))
    if agreement is None:  # a quote of someone else's: the offers again
        return await offers_prompt(call, ctx)
    call.step = DONE
    call.outcome = ContactOutcome.AGREEMENT
    call.agreement_id = agreement.id
    done_keys = ("quote", "offers", "down_range", ASKING_DAY)
    call.data = {k: v for k, v in call.data.items() if k not in done_keys}
    if call.direction == CallDirection.INBOUND:
        # The robot's calls get their contact history from the dialer's outcome mapping.
        await record_contact(
            agreement.customer_id,
            Channel.VOICE,
            ContactActor.DEBTOR,
            MessageDirection.IN,
            ContactOutcome.AGREEMENT,
        )
    customer = await voice_state.customer_of(call.customer_id)
    await voice_state.save(call)  # the agreement is on the call before anything slow
    sent = await voice_sms.send_quickly(
        agreement, customer, lookup_phone(phone_of(call)), ctx.sms, ctx.settings
    )
    text = say(
        "agreement",
        ctx.settings,
        first_name=customer.first_name,
        agreement_id=agreement.id,
        sms=sent,
    )
    return Prompt((text,), hangup=True)
