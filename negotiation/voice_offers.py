"""The voice dialog's offers, down payment, confirmation and agreement: `negotiation.offer_flow`
said on the phone. The debt is one short turn; the offers follow, cheapest first, at most
`PAGE` of them per turn, each with its total. Keys: an offer's number (1–8), 9 the next
offers (after the last ones, the first again), * (or "repetir" said) the same ones again, 0 is
a person; a down payment is typed in
cents ("15000" is R$ 150,00) or 1 for the least one; 1 confirms, 2 goes back, 3 asks for the
first payment's day of the month (typed, then #)."""

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
    Follow,
    Gather,
    Prompt,
    goodbye,
    phone_of,
    say,
    transfer,
)

MAX_OFFERS = 8  # keys 1..8; 9 is the next offers, 0 is a person
PAGE = 3  # offers said per turn, at most
PAGE_WORDS = 58  # words of offers in one turn (the keys 9 and 0 follow: 11 more)
REPEAT_PAGE_KEY = "*"  # at the offers: the same ones again (9 is the next ones)
DUE_DAY_KEY = "3"  # at the confirmation: choose the first payment's day
ASKING_DAY = offer_flow.DUE_DAY_ASKED  # in the call's data while the confirmation waits for a day


def _debtor(call: Call, ctx: Ctx) -> offer_flow.Debtor:
    return offer_flow.Debtor(call.customer_id, Channel.VOICE, ctx.today, ctx.settings)


async def debt(call: Call, customer: Customer, ctx: Ctx, *before: str) -> Prompt:
    """The debt in one sentence; the offers follow in a turn of their own."""
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
    _listed(call, offers[:MAX_OFFERS], 0)
    text = say(
        "debt",
        ctx.settings,
        first_name=name,
        total=result.gross,
        count=len(result.charges),
        offers=len(offers[:MAX_OFFERS]),
    )
    return Prompt((*before, text), follow=Follow(OFFERS))


def _listed(call: Call, offers: list[CustomerOffer], page: int) -> None:
    call.step = OFFERS
    call.data = {
        **{k: v for k, v in call.data.items() if k not in offer_flow.FLOW_KEYS},
        "offers": offer_flow.listing(offers),
        "page": page,
    }


async def offers_prompt(
    call: Call,
    ctx: Ctx,
    *before: str,
    offers: list[CustomerOffer] | None = None,
    page: int = 0,
) -> Prompt:
    """The offers from number `page` + 1 on, at most `PAGE` of them."""
    if offers is None:
        offers = await offers_for_customer(call.customer_id, ctx.today)
    offers = offers[:MAX_OFFERS]
    page = page if 0 <= page < len(offers) else 0
    _listed(call, offers, page)
    if not offers:
        # Asked again (a silence): the debtor with an agreement hears about it once more.
        customer = await voice_state.customer_of(call.customer_id)
        active = await Agreement.filter(
            customer_id=customer.id, status=AgreementStatus.ACTIVE
        ).exists()
        which = "active_agreement" if active else "no_offers"
        text = say(which, ctx.settings, first_name=customer.first_name)
        return Prompt((*before, text), Gather(OFFERS, num_digits=1))
    lines = _page(ctx, offers, page)
    text = say(
        "offers",
        ctx.settings,
        lines=lines,
        more=page + len(lines) < len(offers),
        again=page > 0 or len(lines) < len(offers),
    )
    call.data = {**call.data, "next_page": page + len(lines)}
    return Prompt((*before, text), Gather(OFFERS, num_digits=1))


def _page(ctx: Ctx, offers: list[CustomerOffer], page: int) -> list[str]:
    """The offers said in one turn from number `page` + 1 on: at most `PAGE`, and fewer
    when their amounts in words would make the turn longer than `PAGE_WORDS` (one at
    least)."""
    lines: list[str] = []
    words = 0
    for number, offer in enumerate(offers[page : page + PAGE], start=page + 1):
        line = say("offer", ctx.settings, o={**offer_view(offer), "number": number})
        if lines and words + len(line.split()) > PAGE_WORDS:
            break
        lines.append(line)
        words += len(line.split())
    return lines


async def step_offers(call: Call, keys: str, ctx: Ctx) -> Prompt:
    listed = call.data.get("offers") or []
    if keys == "0":
        return transfer(call, ctx)
    if keys == "9":  # the next offers; after the last ones, the first again
        return await offers_prompt(call, ctx, page=int(call.data.get("next_page", 0)))
    if keys == REPEAT_PAGE_KEY:
        return await offers_prompt(call, ctx, page=int(call.data.get("page", 0)))
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
    page = int(call.data.get("page", 0))
    return await offers_prompt(call, ctx, say("not_understood", ctx.settings), page=page)


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
        discount=summary["discount"],
        down_payment=summary["down_payment"],
        installments=summary["installments"],
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
