"""The debtor's chat dialog, for every chat channel (Telegram, the console's simulator).

A channel turns what the debtor did into an `Event`, keeps the `Session` (step and data,
plain JSON) in its state storage, and shows the `Reply`s it gets back. Every rule lives
here or in the services it calls (identification, offers, accept, conversations); a channel
only translates. Nothing about a debt is said before the person is identified. What it shows
is `negotiation.chat_screens`; the offers go through `negotiation.offer_flow`; the agreements'
screens are `negotiation.chat_agreements`; one message's turn is `negotiation.chat_turn`.
"""

from __future__ import annotations

import re

from models import Agreement, Customer
from models.enums import (
    AgreementStatus,
    ContactActor,
    ContactOutcome,
    ConversationState,
    MessageDirection,
)
from negotiation import chat_agreements, conversations, debt_pauses, offer_choice, offer_flow
from negotiation.amounts import typed_amount
from negotiation.chat_screens import START, Button, Env, Event, Reply, Session
from negotiation.chat_screens import labels as _labels
from negotiation.chat_screens import screen as _screen
from negotiation.chat_screens import sentence as _sentence
from negotiation.chat_screens import text as _text
from negotiation.chat_screens import validate_actions as validate_actions
from negotiation.contact_policy import record_contact, record_opt_out
from negotiation.deep_links import use_link_token
from negotiation.errors import Conflict, InvalidInput
from negotiation.identify import (
    Locked,
    customer_by_phone,
    ensure_unlocked,
    looks_like_second_factor,
    parse_document,
    verify_document,
)
from negotiation.offers import CustomerOffer, offer_view, offers_for_customer
from negotiation.understanding import Intent, Understood, understand

# Steps of the dialog (the channel stores them as its state; START is chat_screens').
SECOND_FACTOR = "second_factor"
MENU = "menu"
OFFERS = "offers"
DOWN_PAYMENT = "down_payment"
TYPE_DOWN = "type_down"
CONFIRM = "confirm"
DUE_DAY = "due_day"  # asked for the first due date's day, from the confirmation

COMMANDS = {"start", "divida", "acordos", "atendente", "sair", "ajuda", "help"}


# --- the dialog -------------------------------------------------------------------------


async def handle(session: Session, event: Event, env: Env) -> list[Reply]:
    """One step: what the debtor did, in `event`; what to show them, returned. `session` is
    updated in place; the caller stores it."""
    try:
        return await _dispatch(session, event, env)
    except Locked as error:
        session.step, session.data = START, {}
        return [Reply(_text("identify_failed", env, reason=str(error).rstrip(".")))]


async def _dispatch(session: Session, event: Event, env: Env) -> list[Reply]:
    if event.kind == "command":
        command, _, argument = event.value.partition(" ")
        return await _command(session, command.lower(), argument.strip(), env)
    if event.kind == "button" and event.value == "human":
        return await _escalate(env)
    if event.kind == "resume":
        return await _resume(session, env)
    if event.kind == "file":
        return await _receipt(session, event.value, env)
    if session.customer_id is None:
        return await _identify(session, event, env)
    if event.kind == "button":
        return await _button(session, event.value, env)
    if event.kind == "text" and session.step == TYPE_DOWN:
        return await _typed_down_payment(session, event.value, env)
    if event.kind == "text" and session.step in (CONFIRM, DUE_DAY):
        day = offer_flow.due_day_from_text(event.value, bare=session.step == DUE_DAY)
        if day is not None:
            return await _first_due_day(session, day, env)
        if offer_flow.asks_other_due_day(event.value):
            return await _ask_due_day(session, env)
    if event.kind == "text":
        return await _free_text(session, understand(event.value), env)
    return [_not_understood(session, env)]


async def _command(session: Session, command: str, argument: str, env: Env) -> list[Reply]:
    if command == "start":
        if argument:
            try:
                customer = await use_link_token(argument, env.settings.secret_key, now=env.now)
            except InvalidInput:
                return [_link_refused(session, env)]
            return await _identified(session, customer, env)
        if session.customer_id is not None:
            return await _debt(session, env)
        return [_welcome(session, env)]
    if command in ("ajuda", "help"):
        return [_screen(_text("help", env))]
    if command == "atendente":
        return await _escalate(env)
    if command == "sair":
        return await _opt_out(session, env)
    if session.customer_id is None:
        return [_welcome(session, env)]
    if command == "divida":
        return await _debt(session, env)
    if command == "acordos":
        return await _agreements(session, env)
    return [_not_understood(session, env)]


async def _resume(session: Session, env: Env) -> list[Reply]:
    """The screen of the step the debtor was on (after a hand-back), its offer priced again."""
    if session.customer_id is None:
        if session.step == SECOND_FACTOR and session.data.get("document"):
            return [Reply(_text("ask_second_factor", env))]
        return [_welcome(session, env)]
    if session.step in (CONFIRM, DUE_DAY) and "quote" in session.data:
        chosen = await offer_flow.quoted(_debtor(session, env), session.data)
        if chosen is None:
            return [_gone(env)] + (await _offers(session, env))
        return _confirm_screen(session, env, chosen)
    if session.step in (DOWN_PAYMENT, TYPE_DOWN) and "choice" in session.data:
        typing = session.step == TYPE_DOWN
        replies = await _choose(session, env, *session.data["choice"])
        if typing and session.step == DOWN_PAYMENT:
            return _type_down_screen(session, env)
        return replies
    if session.step in (OFFERS, DOWN_PAYMENT, TYPE_DOWN, CONFIRM, DUE_DAY):
        return await _offers(session, env)
    return await _debt(session, env)


def _link_refused(session: Session, env: Env) -> Reply:
    """A deep link expired or used: an identified chat stays identified."""
    if session.customer_id is not None:
        text = _text("link_refused", env, identified=True)
        return _screen(text, (Button(str(_labels().debt()), "debt"),))
    session.step, session.data = START, {}
    return Reply(_text("link_refused", env, identified=False), ask_contact=True)


def _welcome(session: Session, env: Env) -> Reply:
    session.step, session.data = START, {}
    return Reply(_text("welcome", env), ask_contact=True)


def _not_understood(session: Session, env: Env) -> Reply:
    identified = session.customer_id is not None
    text = _text("not_understood", env, identified=identified)
    if identified:
        screen = _screen(text, (Button(str(_labels().debt()), "debt"),))
        return Reply(screen.text, screen.buttons, not_understood=True)
    return Reply(text, ask_contact=True, not_understood=True)


async def _free_text(session: Session, heard: Understood, env: Env) -> list[Reply]:
    """What an identified debtor typed (`negotiation.understanding`), as the action it names."""
    intent, step = heard.intent, session.step
    if intent == Intent.GREETING and env.conversation.state == ConversationState.WAITING:
        # "alô?", "oi" while a person is awaited are meant for them: the holding answer.
        return [_not_understood(session, env)]
    if intent in (Intent.GREETING, Intent.DEBT):
        return await _debt(session, env)
    if intent == Intent.OFFERS:
        return await _offers(session, env)
    if intent == Intent.AGREEMENTS:
        return await _agreements(session, env)
    if intent == Intent.PERSON:
        return await _escalate(env)
    if intent == Intent.OPT_OUT:
        return await _opt_out(session, env)
    if intent == Intent.HELP:
        return [_screen(_text("help", env))]
    if intent == Intent.REPEAT:
        return await _resume(session, env)
    if intent == Intent.PAID:
        return await _paid(session, env)
    if intent == Intent.DISPUTE:
        return await _dispute(session, env)
    if intent in (Intent.OPTION, Intent.INSTALLMENTS):
        return await _named_offer(session, heard, env)
    if intent == Intent.YES and step == CONFIRM and "quote" in session.data:
        return await _accept(session, env)
    if intent == Intent.YES and step == DOWN_PAYMENT:
        return await _button(session, "d.min", env)
    if intent == Intent.YES and step == MENU:
        return await _offers(session, env)
    if intent == Intent.NO and step in (CONFIRM, DOWN_PAYMENT):
        return await _offers(session, env)
    if intent == Intent.AMOUNT and step == DOWN_PAYMENT:
        return await _typed_down_payment(session, str(heard.value).replace(".", ","), env)
    return [_not_understood(session, env)]


# --- identification ---------------------------------------------------------------------


async def _identify(session: Session, event: Event, env: Env) -> list[Reply]:
    await ensure_unlocked(env.handle, env.now)
    if event.kind == "contact":
        if not event.own_contact:
            return [Reply(_text("not_own_contact", env), ask_contact=True)]
        customer = await customer_by_phone(event.value)
        if customer is None:
            return [Reply(_text("phone_not_found", env))]
        return await _identified(session, customer, env)
    if event.kind != "text":
        return [_welcome(session, env)]
    if not re.search(r"\d", event.value):
        heard = understand(event.value).intent
        if heard == Intent.PERSON:
            return await _escalate(env)
        if heard == Intent.OPT_OUT:
            return await _opt_out(session, env)
        if heard == Intent.HELP:
            return [_screen(_text("help", env))]
        if heard in (Intent.GREETING, Intent.DEBT, Intent.OFFERS, Intent.AGREEMENTS):
            return [_welcome(session, env)]
        return [_not_understood(session, env)]
    if session.step == SECOND_FACTOR and looks_like_second_factor(event.value):
        document = session.data.get("document", "")
        try:
            customer = await verify_document(env.handle, document, event.value, env.now)
        except InvalidInput as error:
            session.step, session.data = START, {}
            return [Reply(_text("identify_failed", env, reason=_sentence(str(error))))]
        return await _identified(session, customer, env)
    try:
        document = parse_document(event.value)
    except InvalidInput as error:
        return [Reply(_sentence(str(error)) + ".", ask_contact=True)]
    # Whether the CPF exists is not told: the second factor is asked for either way.
    session.step, session.data = SECOND_FACTOR, {"document": document}
    return [Reply(_text("ask_second_factor", env))]


async def _identified(session: Session, customer: Customer, env: Env) -> list[Reply]:
    session.step, session.data = MENU, {"customer_id": customer.id}
    await conversations.open_for(env.channel, env.conversation.external_ref, customer.id)
    await record_contact(
        customer.id,
        env.channel,
        ContactActor.DEBTOR,
        MessageDirection.IN,
        ContactOutcome.CONVERSATION,
    )
    hello = Reply(_text("identified", env, first_name=customer.first_name))
    return [hello, *await _debt(session, env)]


# --- the debt and the offers ------------------------------------------------------------


async def _customer(session: Session) -> Customer:
    customer = await Customer.get_or_none(id=session.customer_id)
    if customer is None:
        raise Conflict("cadastro não encontrado")
    return customer


async def _debt(session: Session, env: Env) -> list[Reply]:
    customer = await _customer(session)
    session.step = MENU
    name = customer.first_name
    active = await Agreement.filter(customer_id=customer.id, status=AgreementStatus.ACTIVE).first()
    if active is not None:
        return [
            _screen(
                _text("active_agreement", env, first_name=name, agreement=active),
                (Button(str(_labels().agreements()), "agreements"),),
            )
        ]
    offers = await offers_for_customer(customer.id, env.today)
    if not offers:
        return [_screen(_text("no_debt", env, first_name=name))]
    result = offers[0].negotiation
    bills = [
        {"due_date": c.bill.due_date, "amount": c.bill.amount, "days_late": c.days_late}
        for c in result.charges
    ]
    text = _text(
        "debt",
        env,
        first_name=name,
        today=env.today,
        bills=bills,
        principal=result.principal,
        late_charges=result.late_charges,
        total=result.gross,
        has_offers=True,
    )
    return [_screen(text, (Button(str(_labels().offers()), "offers"),))]


async def _offers(session: Session, env: Env) -> list[Reply]:
    customer = await _customer(session)
    offers = await offers_for_customer(customer.id, env.today)
    if not offers:
        return await _debt(session, env)
    session.step = OFFERS
    # What is on screen, in its order: "a segunda", "em 3 vezes" name one of these.
    session.data = {**session.data, "offers": offer_flow.listing(offers)}
    views = [offer_view(o) for o in offers]
    rows = tuple(
        (Button(str(_labels().offer(v)), f"o.{o.quote.condition_id}.{o.quote.option_id}"),)
        for o, v in zip(offers, views, strict=True)
    )
    text = _text("offers", env, offers=views, principal=offers[0].negotiation.principal)
    return [_screen(text, *rows)]


def _debtor(session: Session, env: Env) -> offer_flow.Debtor:
    return offer_flow.Debtor(session.customer_id, env.channel, env.today, env.settings)


def _gone(env: Env, reason: str = "Esta proposta não está mais disponível") -> Reply:
    return Reply(_text("offer_gone", env, reason=reason))


async def _choose(session: Session, env: Env, condition_id: int, option_id: int) -> list[Reply]:
    picked = await offer_flow.pick(_debtor(session, env), session.data, [condition_id, option_id])
    if picked.offer is None:
        return [_gone(env)] + (await _offers(session, env))
    session.data = picked.data
    if picked.down is not None:
        session.step = DOWN_PAYMENT
        minimum, maximum = picked.down.minimum, picked.down.maximum
        labels = _labels()
        return [
            _screen(
                _text("ask_down", env, minimum=minimum, maximum=maximum),
                (Button(str(labels.down_min(minimum)), "d.min"),),
                (Button(str(labels.down_other()), "d.other"),),
                (Button(str(labels.back()), "offers"),),
            )
        ]
    return _confirm_screen(session, env, picked.offer)


async def _named_offer(session: Session, heard: Understood, env: Env) -> list[Reply]:
    """An offer named in words: its number or ordinal as listed, or its installments (never
    one with a down payment the debtor did not speak of)."""
    offers = await offers_for_customer(session.customer_id, env.today)
    listed = session.data.get("offers") or offer_flow.listing(offers)
    choice = offer_choice.chosen(heard, listed, offers)
    if choice is None:
        return [Reply(_text("no_such_offer", env, heard=heard))] + await _offers(session, env)
    return await _choose(session, env, *choice)


def _confirm_screen(
    session: Session, env: Env, chosen: CustomerOffer, *before: Reply
) -> list[Reply]:
    session.step = CONFIRM
    session.data = offer_flow.to_confirm(session.data, chosen)
    summary = offer_flow.confirmation(chosen)
    text = _text(
        "confirm",
        env,
        total=summary["total"],
        discount=summary["discount"],
        schedule=summary["schedule"],
        down_payment=summary["down_payment"],
        can_move_first_due=summary["can_move_first_due"],
        latest_first_due=summary["latest_first_due"],
    )
    labels = _labels()
    move = (Button(str(labels.due_day()), "due"),) if summary["can_move_first_due"] else ()
    back = (Button(str(labels.back()), "offers"),)
    rows = [(Button(str(labels.confirm()), "confirm"),), move, back]
    return [*before, _screen(text, *(row for row in rows if row))]


async def _ask_due_day(session: Session, env: Env) -> list[Reply]:
    chosen = await offer_flow.quoted(_debtor(session, env), session.data)
    if chosen is None:
        return [_gone(env)] + (await _offers(session, env))
    if not offer_flow.can_move_first_due(chosen):
        fixed = Reply(_text("due_day_fixed", env, first_due=chosen.offer.schedule[0].due_date))
        return _confirm_screen(session, env, chosen, fixed)
    session.step = DUE_DAY
    latest = offer_flow.latest_first_due(chosen)
    installments = chosen.offer.installments
    text = _text("ask_due_day", env, latest=latest, example=latest.day, installments=installments)
    return [_screen(text, (Button(str(_labels().back()), "offers"),))]


async def _first_due_day(session: Session, day: int, env: Env) -> list[Reply]:
    """A day asked for ("só consigo dia 10"): the confirmation again with that first due date,
    or with the latest day allowed said first."""
    change = await offer_flow.change_first_due(_debtor(session, env), session.data, day)
    if change.offer is None:
        return [_gone(env)] + (await _offers(session, env))
    session.data = change.data
    if change.latest is not None:
        late = Reply(_text("due_day_late", env, day=day, latest=change.latest))
        return _confirm_screen(session, env, change.offer, late)
    return _confirm_screen(session, env, change.offer)


async def _typed_down_payment(session: Session, typed: str, env: Env) -> list[Reply]:
    bounds = offer_flow.DownRange.of(session.data)
    amount = typed_amount(typed)
    reason = bounds.problem(amount)
    if reason is not None:
        text = _text(
            "bad_down",
            env,
            typed=typed.strip()[:30],
            reason=reason,
            minimum=bounds.minimum,
            maximum=bounds.maximum,
            example=bounds.example,
        )
        return [_screen(text, (Button(str(_labels().back()), "offers"),))]
    chosen = await offer_flow.priced(_debtor(session, env), session.data, amount)
    if chosen is None:
        return [_gone(env)] + (await _offers(session, env))
    return _confirm_screen(session, env, chosen)


def _type_down_screen(session: Session, env: Env) -> list[Reply]:
    session.step = TYPE_DOWN
    bounds = offer_flow.DownRange.of(session.data)
    text = _text(
        "type_down",
        env,
        minimum=bounds.minimum,
        maximum=bounds.maximum,
        example=bounds.example,
    )
    return [_screen(text, (Button(str(_labels().back()), "offers"),))]


async def _button(session: Session, action: str, env: Env) -> list[Reply]:
    if action == "debt":
        return await _debt(session, env)
    if action == "offers":
        return await _offers(session, env)
    if action == "agreements":
        return await _agreements(session, env)
    if match := re.fullmatch(r"o\.(\d+)\.(\d+)", action):
        return await _choose(session, env, int(match[1]), int(match[2]))
    if action == "d.min" and session.step == DOWN_PAYMENT:
        chosen = await offer_flow.priced(_debtor(session, env), session.data)
        if chosen is None:
            return await _offers(session, env)
        return _confirm_screen(session, env, chosen)
    if action == "d.other" and session.step == DOWN_PAYMENT:
        return _type_down_screen(session, env)
    # The confirmation's buttons still work while the debtor is asked for a day.
    confirming = session.step in (CONFIRM, DUE_DAY) and "quote" in session.data
    if action == "confirm" and confirming:
        return await _accept(session, env)
    if action == "due" and confirming:
        return await _ask_due_day(session, env)
    # A button from an old screen: show where the debtor is now.
    return (
        await _offers(session, env)
        if session.step in (OFFERS, CONFIRM, DUE_DAY)
        else await _debt(session, env)
    )


# --- the agreement ----------------------------------------------------------------------


async def _accept(session: Session, env: Env) -> list[Reply]:
    try:
        agreement = await offer_flow.accept_quote(_debtor(session, env), session.data)
    except Conflict as error:
        session.data.pop("quote", None)
        return [_gone(env, _sentence(str(error)))] + await _offers(session, env)
    if agreement is None:  # a quote of someone else's: start the offers again
        return await _offers(session, env)
    session.step = MENU
    session.data = {"customer_id": session.customer_id}
    await record_contact(
        agreement.customer_id,
        env.channel,
        ContactActor.DEBTOR,
        MessageDirection.IN,
        ContactOutcome.AGREEMENT,
    )
    return await chat_agreements.agreement_replies(agreement, env)


async def _agreements(session: Session, env: Env) -> list[Reply]:
    customer = await _customer(session)
    return await chat_agreements.agreements(customer.id, env)


# --- a person, and leaving ----------------------------------------------------------------


async def _escalate(env: Env) -> list[Reply]:
    text = await conversations.escalate(env.conversation, env.now, env.settings)
    return [Reply(text, recorded=True)]


async def _paid(session: Session, env: Env) -> list[Reply]:
    """ "Já paguei": the ledger's payment, or the receipt asked for and collection paused."""
    claim = await debt_pauses.claim_paid(
        session.customer_id, env.channel, env.now, env.today, env.settings
    )
    if claim.payment is not None:
        paid_on = claim.payment.paid_at.astimezone(env.settings.tz).date()
        text = _text("paid_found", env, payment=claim.payment, paid_on=paid_on)
        return [_screen(text, (Button(str(_labels().debt()), "debt"),))]
    session.step = MENU
    return [Reply(_text("paid_receipt", env, pause=claim.pause))]


async def _dispute(session: Session, env: Env) -> list[Reply]:
    """ "Não reconheço": collection paused, recorded as a dispute, and a person called."""
    pause = await debt_pauses.dispute(session.customer_id, env.channel, env.today, env.settings)
    session.step = MENU
    return [Reply(_text("dispute", env, pause=pause)), *await _escalate(env)]


async def _receipt(session: Session, what: str, env: Env) -> list[Reply]:
    """A photo or a document: the receipt of a "já paguei" (it is on the timeline already)."""
    if session.customer_id is None:
        return [_not_understood(session, env)]
    noted = await debt_pauses.receipt_received(session.customer_id, env.today, what)
    return [Reply(_text("receipt", env, noted=noted))]


async def _opt_out(session: Session, env: Env) -> list[Reply]:
    await record_opt_out(env.now, env.channel, customer_id=session.customer_id, address=env.address)
    session.step, session.data = START, {}
    return [Reply(_text("optout", env))]
