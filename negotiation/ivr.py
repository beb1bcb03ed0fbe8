"""The debtor's phone dialog (robot and inbound calls), channel-neutral like `chat.py`.

The state lives on the `Call` row (step, data, silences, keys), so any app instance can
answer any of Twilio's webhooks. An inbound call's first question is answered from reads
alone; its row is written by the call's next request, with the same state (`call_of`). What
was said is buffered on the row and written to the conversation when the robot's part ends
(`negotiation.call_transcript`). Each entry point takes the call and what the person did and
returns a `Prompt`: texts to say, a keypad/speech question (`Gather`), a transfer to a
person (`enqueue` / `dial`) or a hang-up. `telephony/twiml.py` turns it into TwiML.

Nothing about a debt is said before the person is confirmed: an outbound call (and an inbound
one recognised by caller ID) asks "você é <primeiro nome>?" and then the first three digits of
the CPF/CNPJ; an unknown inbound caller types the whole CPF/CNPJ and a second factor (birth
date or the last four digits of a registered phone), with the identification lockouts of
`negotiation.identify`. A machine (asynchronous AMD) only ever hears the ISP's name and a
number to call back.

Steps (`Call.step`): start → person → cpf3 → offers → down → confirm → done, and for unknown
callers document → second_factor → offers; closed (after-hours callback offer). A webhook for
another step than the call's (a retry, an old request) changes nothing and repeats the
current question. While a request works on a step the row holds "<step>*", so a repeat that
arrives meanwhile cannot act twice.

Outcomes set on the call: CONVERSATION once the person is confirmed (and a ContactAttempt
with that outcome), AGREEMENT with `call.agreement`, WRONG_PARTY, VOICEMAIL. Status,
duration and the campaign entry are the status callback's and the dialer's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from tortoise.exceptions import DoesNotExist, IntegrityError

from models import Agreement, Call, Customer, Delivery, ServiceTicket, clock
from models.enums import (
    AgreementStatus,
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactOutcome,
    DeliveryChannel,
    DeliveryStatus,
    MessageDirection,
)
from models.hot_path import fetch_one, insert
from negotiation import call_transcript as transcript
from negotiation import conversations, retry_queue
from negotiation.accept import accept
from negotiation.amounts import keypad_cents
from negotiation.attendant_hours import describe_hours, describe_opening, is_open, next_opening
from negotiation.contact_policy import record_contact
from negotiation.deep_links import bot_link, make_link_token
from negotiation.delivery import Sender
from negotiation.delivery import retries as delivery_retries
from negotiation.delivery_messages import gsm_text
from negotiation.errors import Conflict, InvalidInput, SendError
from negotiation.identify import (
    Locked,
    clear_failures,
    ensure_unlocked,
    parse_document,
    record_failure,
    unlocked_caller,
    verify_document,
)
from negotiation.installments import installments_of
from negotiation.offers import (
    CustomerOffer,
    down_payment_problem,
    down_payment_range,
    find_offer,
    offer_view,
    offers_for_customer,
    quote_data,
    quote_of,
)
from negotiation.phones import lookup_phone
from negotiation.rendering import environment, render
from negotiation.spoken import install_filters
from quita.settings import Settings

log = logging.getLogger("quita.ivr")
install_filters(environment())

# Steps.
START = "start"
PERSON = "person"
CPF3 = "cpf3"
DOCUMENT = "document"
SECOND_FACTOR = "second_factor"
OFFERS = "offers"
DOWN = "down"
CONFIRM = "confirm"
CLOSED = "closed"
DONE = "done"
STEPS = frozenset({START, PERSON, CPF3, DOCUMENT, SECOND_FACTOR, OFFERS, DOWN, CONFIRM, CLOSED})

MAX_TRIES = 3  # CPF digits, CPF/CNPJ + second factor: tries per call
MAX_SILENCES = 2  # repeats of a question nobody answers; the next silence says goodbye
MAX_OFFERS = 8  # keys 1..8; 9 repeats, 0 is a person
SMS_WAIT = 4.0  # seconds the answer waits for the agreement SMS (it goes on after that)
HINTS = (
    "sim, não, zero, um, dois, três, quatro, cinco, seis, sete, oito, nove, "
    "atendente, repetir, confirmar, voltar"
)
MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")
# Steps whose input is identification data: masked on the call's keys and the timeline.
SECRET_STEPS = frozenset({CPF3, DOCUMENT, SECOND_FACTOR})

_background: set[asyncio.Task] = set()


@dataclass(frozen=True)
class Gather:
    """Ask and wait for keys or speech; the answer goes to the step's action URL."""

    step: str
    num_digits: int | None = None  # None: any length, ended by finish_on_key
    finish_on_key: str = "#"
    timeout: int = 6
    hints: str = HINTS
    # Which question this is on the call (1, 2, …): its answer comes back with it, so a
    # repeated request for an already answered question is told apart from a new answer.
    turn: int | None = None


@dataclass(frozen=True)
class Prompt:
    """What to do on the call: say `says` (inside the gather when there is one), then ask, or
    transfer, or hang up."""

    says: tuple[str, ...] = ()
    gather: Gather | None = None
    enqueue: str | None = None  # a queue of attendants
    dial: str | None = None  # an attendant's number
    hangup: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.says)


@dataclass(frozen=True)
class Ctx:
    settings: Settings
    now: datetime
    today: date
    sms: Sender | None = None
    # False for an inbound call's first answer: its first question is not written (see
    # `_answer_new`), the call's next request writes it (`call_of`).
    write_new: bool = True


def say(name: str, settings: Settings, **context: Any) -> str:
    """One sentence (or a few) from templates/voice/, in pt-BR."""
    if not context:  # the same words on every call: rendered once per configuration
        return _fixed_sentence(name, settings.isp_name, settings.isp_cnpj, settings.isp_address)
    return _sentence(name, settings.isp, context)


def _sentence(name: str, isp: dict[str, str], context: dict[str, Any]) -> str:
    text = render(f"voice/{name}.txt.j2", isp=isp, **context)
    return " ".join(text.split())


@lru_cache(maxsize=128)
def _fixed_sentence(name: str, isp_name: str, isp_cnpj: str, isp_address: str) -> str:
    return _sentence(name, {"name": isp_name, "cnpj": isp_cnpj, "address": isp_address}, {})


def _ctx(settings: Settings, now: datetime, sms: Sender | None = None) -> Ctx:
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return Ctx(settings, now, now.astimezone(settings.tz).date(), sms)


def _handle(call: Call) -> str:
    number = call.from_number if call.direction == CallDirection.INBOUND else call.to_number
    return f"voice:{lookup_phone(number) or number or call.sid}"


def _phone(call: Call) -> str:
    return call.from_number if call.direction == CallDirection.INBOUND else call.to_number


def spoken_phone(number: str | None) -> str | None:
    """A phone number for a voice to read digit by digit: "1 9, 3 3 3 3, 4 4 4 4"."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if digits.startswith("55") and len(digits) in (12, 13):
        digits = digits[2:]
    groups = [digits[:2], digits[2:-4], digits[-4:]] if len(digits) > 6 else [digits]
    return ", ".join(" ".join(g) for g in groups if g)


# --- input -------------------------------------------------------------------------------

_WORDS = {
    "zero": "0",
    "um": "1",
    "uma": "1",
    "dois": "2",
    "duas": "2",
    "tres": "3",
    "quatro": "4",
    "cinco": "5",
    "seis": "6",
    "meia": "6",
    "sete": "7",
    "oito": "8",
    "nove": "9",
}
_YES = {"sim", "isso", "confirmo", "confirmar", "sou", "sou eu", "correto", "pode"}
_NO = {"nao", "nao sou", "errado", "voltar"}
_PERSON = {"atendente", "pessoa", "humano", "falar com atendente", "operador"}
_REPEAT = {"repetir", "de novo", "repete"}


def _plain(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "Não." → "nao"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def keys_of(digits: str | None, speech: str | None, step: str) -> str:
    """What the person pressed or said, as keys: "1", "529", "15000". Speech: digits said one
    by one ("cinco dois nove"), "sim"/"não" (1/2 where the question is yes/no), "atendente"
    (0), "repetir" (9). "" when nothing usable came."""
    if digits:
        return re.sub(r"[^0-9*#]", "", digits).rstrip("#")
    plain = _plain(speech or "")
    if not plain:
        return ""
    if plain in _PERSON:
        return "0"
    if plain in _REPEAT and step in (OFFERS, DOWN):
        return "9"
    if step in (PERSON, CONFIRM, CLOSED):
        if plain in _YES:
            return "1"
        if plain in _NO:
            return "2"
    out = []
    for word in plain.split():
        if word.isdigit():
            out.append(word)
        elif word in _WORDS:
            out.append(_WORDS[word])
    return "".join(out)


# --- the call row -------------------------------------------------------------------------


async def call_by_sid(sid: str) -> Call | None:
    """The call of a CallSid (a point read: every webhook of a call starts with it)."""
    if not sid:
        return None
    return await fetch_one(Call, 'SELECT * FROM "call" WHERE sid = ?', sid)


def _direction(form: dict[str, str]) -> CallDirection:
    outbound = form.get("Direction", "inbound").startswith("outbound")
    return CallDirection.OUTBOUND if outbound else CallDirection.INBOUND


def _new_call(form: dict[str, str], now: datetime) -> Call:
    """A Call for Twilio's request, not saved."""
    return Call(
        sid=form.get("CallSid") or None,
        direction=_direction(form),
        status=CallStatus.IN_PROGRESS,
        from_number=(form.get("From") or "")[:20],
        to_number=(form.get("To") or "")[:20],
        answered_at=now,
    )


async def call_for(form: dict[str, str], settings: Settings, now: datetime) -> Call:
    """The Call of Twilio's answer URL: found by CallSid (the dialer stores it when it creates
    the call; or `?call=<id>` on the answer URL names the row), or a new one, not saved: an
    inbound call (see `_answer_new`)."""
    sid = form.get("CallSid", "")
    row_id = form.get("_call_id")
    # An inbound call has no row before its first answer: only an outbound one is looked up.
    if _direction(form) == CallDirection.OUTBOUND or row_id or not sid:
        call = await call_by_sid(sid)
        if call is not None:
            return call
    if row_id and row_id.isdigit():
        updated = await Call.filter(id=int(row_id), sid__isnull=True).update(sid=sid)
        call = await Call.get_or_none(sid=sid) if updated else None
        if call is not None:
            return call
    return _new_call(form, now)


async def call_of(form: dict[str, str], settings: Settings, now: datetime) -> Call | None:
    """The Call of a request that follows the first answer (a `<Gather>` action, a silence
    redirect, the status callback). An inbound call whose first answer wrote nothing gets its
    row now, rebuilt from the same reads as that answer (its caller, the lockout) and written
    once: the unique CallSid settles two requests doing it at the same moment."""
    sid = form.get("CallSid", "")
    call = await call_by_sid(sid)
    if call is not None or not sid or _direction(form) != CallDirection.INBOUND:
        return call
    with contextlib.suppress(IntegrityError):  # the other request wrote it
        await _answer(_new_call(form, now), _ctx(settings, now))
    return await call_by_sid(sid)


async def _customer(customer_id: int) -> Customer:
    """The call's customer (a point read, like the call's)."""
    customer = await fetch_one(Customer, "SELECT * FROM customer WHERE id = ?", customer_id)
    if customer is None:
        raise DoesNotExist(Customer)
    return customer


def _stale(call: Call, step: str, turn: str | None) -> bool:
    """A request for another step or an earlier question than the call's current one."""
    if step != call.step or step not in STEPS:
        return True
    return turn is not None and turn != str(call.data.get("turn", ""))


async def _claim(call: Call, step: str) -> bool:
    """Take the step for this request: one guarded UPDATE, so a repeat cannot act twice. The
    row must also be as this request read it: a request that read it before another one saved
    it, or before the status callback took its transcript, would save stale data back."""
    taken = await Call.filter(id=call.id, step=step, updated_at=call.updated_at).update(
        step=f"{step}*"
    )
    return bool(taken)


async def _release(call: Call, step: str) -> None:
    """A request that failed gives its step back, so the next one can act on it."""
    try:
        await Call.filter(id=call.id, step=f"{step}*").update(step=step)
    except Exception:
        log.warning("call %s: could not release step %s", call.id, step)


async def _save(call: Call) -> None:
    if call.id is None:  # a new call's first answer: one INSERT with its state
        await insert(call)
        return
    await call.save(
        update_fields=[
            "step",
            "data",
            "silences",
            "keys",
            "outcome",
            "agreement_id",
            "answered_by",
            "answered_at",
            "customer_id",
            "updated_at",
        ]
    )


def _turned(call: Call, prompt: Prompt, turn: int) -> Prompt:
    if prompt.gather is None:
        return prompt
    return replace(prompt, gather=replace(prompt.gather, turn=turn))


async def _finish(call: Call, prompt: Prompt, ctx: Ctx) -> Prompt:
    if prompt.gather is not None:
        turn = int(call.data.get("turn", 0)) + 1
        call.data = {**call.data, "turn": turn}
        prompt = _turned(call, prompt, turn)
    if call.id is None and prompt.gather is not None and not ctx.write_new:
        return prompt  # an inbound call's first question: its next request writes the row
    transcript.add(call, MessageDirection.OUT, prompt.text, ctx.now, step=call.step)
    if prompt.gather is None:  # the robot's part ends: hang-up or transfer
        if call.id is None:
            await _save(call)  # a new call's row first: a repeated request stops here
        await transcript.flush(call)
    await _save(call)
    return prompt


# --- entry points ---------------------------------------------------------------------------


async def answer(call: Call, form: dict[str, str], settings: Settings, now: datetime) -> Prompt:
    """The first request of a call (Twilio's answer URL), inbound or outbound. A repeat of it
    repeats the current question."""
    ctx = _ctx(settings, now)
    if call.id is None:
        return await _answer_new(call, ctx)
    if call.step != START or not await _claim(call, START):
        return await _repeat(call, ctx)
    try:
        return await _answer(call, ctx)
    except BaseException:
        await _release(call, START)
        raise


async def _answer_new(call: Call, ctx: Ctx) -> Prompt:
    """The first request of a call we have no row for (inbound). When it asks a question (who
    the caller is, or their CPF/CNPJ) nothing is written: the answer comes from reads alone,
    and the call's next request writes the row with the same state (`call_of`). That first
    answer is the one a wave of calls waits on, and the write was a quarter of its time
    (`quita bench webhooks`); a repeat of it simply answers the same again. An answer that
    ends the call (a locked-out caller) writes the row at once; when the same request comes
    twice at once, the unique CallSid makes the second one repeat the first's answer."""
    try:
        return await _answer(call, replace(ctx, write_new=False))
    except IntegrityError:
        existing = await call_by_sid(call.sid) if call.sid else None
        if existing is None:
            raise
        return await _repeat(existing, ctx)


async def _answer(call: Call, ctx: Ctx) -> Prompt:
    settings = ctx.settings
    if call.answered_at is None:
        call.answered_at = ctx.now
    if call.outcome == ContactOutcome.VOICEMAIL:
        return await _finish(call, _machine_prompt(call, settings), ctx)
    if call.direction == CallDirection.OUTBOUND:
        if call.customer_id is None:
            call.step = DONE
            return await _finish(call, _goodbye(settings), ctx)
        customer = await _customer(call.customer_id)
        call.step = PERSON
        greet = say("greet_outbound", settings)
        return await _finish(call, _ask_person(customer, settings, greet), ctx)
    # Inbound: the caller ID, when it is one customer's phone; else the CPF/CNPJ.
    greet = say("greet_inbound", settings)
    try:
        customer = await unlocked_caller(_handle(call), call.from_number, ctx.now)
    except Locked:
        call.step = DONE
        return await _finish(call, Prompt((greet, say("locked", settings)), hangup=True), ctx)
    if customer is not None:
        call.customer_id = customer.id
        call.step = PERSON
        return await _finish(call, _ask_person(customer, settings, greet), ctx)
    call.step = DOCUMENT
    return await _finish(call, _ask_document(settings, greet), ctx)


async def gathered(
    call: Call,
    step: str,
    digits: str | None,
    speech: str | None,
    settings: Settings,
    now: datetime,
    *,
    turn: str | None = None,
    sms: Sender | None = None,
) -> Prompt:
    """The answer to the question of `step` (Twilio's Gather action). `turn`, from the action
    URL, names the question; an answer to an earlier one only repeats the current one."""
    ctx = _ctx(settings, now, sms)
    if call.outcome == ContactOutcome.VOICEMAIL:
        return _machine_prompt(call, settings)
    if _stale(call, step, turn) or not await _claim(call, step):
        return await _repeat(call, ctx)
    keys = keys_of(digits, speech, step)
    shown = "***" if step in SECRET_STEPS and keys else (keys or (speech or "")[:60])
    call.keys = [*call.keys, {"step": step, "input": shown, "at": ctx.now.isoformat()}]
    call.silences = 0
    call.step = step
    transcript.add(call, MessageDirection.IN, shown or "(sem resposta)", ctx.now, step=step)
    handler = _HANDLERS[step]
    try:
        try:
            prompt = await handler(call, keys, ctx)
        except Locked:
            call.step = DONE
            prompt = Prompt((say("locked", settings),), hangup=True)
        return await _finish(call, prompt, ctx)
    except BaseException:
        await _release(call, step)
        raise


async def silence(
    call: Call, step: str, settings: Settings, now: datetime, *, turn: str | None = None
) -> Prompt:
    """Nobody answered the question of `step`: repeat it (twice at most), then goodbye."""
    ctx = _ctx(settings, now)
    if call.outcome == ContactOutcome.VOICEMAIL:
        return _machine_prompt(call, settings)
    if _stale(call, step, turn) or not await _claim(call, step):
        return await _repeat(call, ctx)
    call.step = step
    call.silences += 1
    call.keys = [*call.keys, {"step": step, "input": "", "at": ctx.now.isoformat()}]
    try:
        if call.silences > MAX_SILENCES:
            call.step = DONE
            return await _finish(
                call, Prompt((say("silence_goodbye", settings),), hangup=True), ctx
            )
        return await _finish(call, await _question(call, ctx), ctx)
    except BaseException:
        await _release(call, step)
        raise


async def machine(call: Call, answered_by: str, settings: Settings, now: datetime) -> Prompt | None:
    """Twilio's asynchronous answering-machine result. For a machine (or fax): the call's
    outcome becomes VOICEMAIL and the neutral message to play instead is returned (never a
    word about the debt). A person, or a machine result after the person was already
    confirmed, only records `answered_by` and returns None."""
    answered_by = (answered_by or "unknown")[:24]
    is_machine = answered_by in MACHINE_ANSWERS or answered_by == "fax"
    if not is_machine or call.data.get("confirmed") or call.outcome is not None:
        await Call.filter(id=call.id, answered_by__isnull=True).update(answered_by=answered_by)
        return None
    moved = await Call.filter(id=call.id, outcome__isnull=True).update(
        answered_by=answered_by, outcome=ContactOutcome.VOICEMAIL, step=DONE
    )
    if not moved:
        return None
    await call.refresh_from_db()
    prompt = _machine_prompt(call, settings)
    transcript.add(call, MessageDirection.OUT, prompt.text, now, event="voicemail")
    await transcript.flush(call)
    await Call.filter(id=call.id).update(data=call.data)  # step done: no dialog request races
    return prompt


def wait_prompt(settings: Settings) -> Prompt:
    """What a caller hears while waiting in the attendants' queue."""
    return Prompt((say("wait", settings),))


def apology_prompt(settings: Settings) -> Prompt:
    """For any failure: no database needed. Transfers when there is a number to transfer to."""
    transfer = bool(settings.attendant_number)
    return Prompt(
        (say("apology", settings, transfer=transfer),),
        dial=settings.attendant_number if transfer else None,
        hangup=not transfer,
    )


# --- prompts --------------------------------------------------------------------------------


def _machine_prompt(call: Call, settings: Settings) -> Prompt:
    return Prompt(
        (say("machine", settings, callback=spoken_phone(settings.attendant_number)),),
        hangup=True,
    )


def _goodbye(settings: Settings) -> Prompt:
    return Prompt((say("goodbye", settings),), hangup=True)


def _ask_person(customer: Customer, settings: Settings, *before: str) -> Prompt:
    text = say("ask_person", settings, first_name=customer.first_name)
    return Prompt((*before, text), Gather(PERSON, num_digits=1))


def _ask_cpf3(customer: Customer, settings: Settings, *before: str) -> Prompt:
    kind = "CNPJ" if len(customer.document) == 14 else "CPF"
    text = say("ask_cpf3", settings, kind=kind)
    return Prompt((*before, text), Gather(CPF3, num_digits=3, timeout=8))


def _ask_document(settings: Settings, *before: str) -> Prompt:
    return Prompt((*before, say("ask_document", settings)), Gather(DOCUMENT, timeout=10))


def _ask_second_factor(settings: Settings, *before: str) -> Prompt:
    return Prompt((*before, say("ask_second_factor", settings)), Gather(SECOND_FACTOR, timeout=10))


async def _question(call: Call, ctx: Ctx, *before: str) -> Prompt:
    """The current step's question, asked again."""
    settings = ctx.settings
    customer = await _customer(call.customer_id) if call.customer_id else None
    step = call.step
    if step == PERSON and customer:
        return _ask_person(customer, settings, *before)
    if step == CPF3 and customer:
        return _ask_cpf3(customer, settings, *before)
    if step == DOCUMENT:
        return _ask_document(settings, *before)
    if step == SECOND_FACTOR:
        return _ask_second_factor(settings, *before)
    if step == OFFERS and customer:
        return await _offers(call, ctx, *before)
    if step == DOWN and customer:
        return _ask_down(call, settings, *before)
    if step == CONFIRM and customer:
        return await _confirm_prompt(call, ctx, *before)
    if step == CLOSED:
        return _closed_prompt(ctx, *before)
    call.step = DONE
    return Prompt((*before, say("goodbye", settings)), hangup=True)


async def _repeat(call: Call, ctx: Ctx) -> Prompt:
    """A request for another step than the call's: no change, the current question again."""
    step = call.step.rstrip("*")
    if step in (DONE, START) or step not in STEPS:
        if call.outcome == ContactOutcome.VOICEMAIL:
            return _machine_prompt(call, ctx.settings)
        return _goodbye(ctx.settings)
    call.step = step  # in memory only: a repeat is never saved
    return _turned(call, await _question(call, ctx), int(call.data.get("turn", 0)))


# --- steps ----------------------------------------------------------------------------------


async def _transfer(call: Call, ctx: Ctx) -> Prompt:
    """0: a person. Inside the attendants' hours the queue (or the attendant's number);
    outside them, the offer of a callback."""
    settings = ctx.settings
    if is_open(ctx.now, settings):
        call.step = DONE
        call.data = {**call.data, "transferred": ctx.now.isoformat()}
        text = say("transfer", settings)
        if settings.attendant_number:
            return Prompt((text,), dial=settings.attendant_number)
        return Prompt((text,), enqueue=settings.twilio_queue)
    call.data = {**call.data, "closed_from": call.step}
    call.step = CLOSED
    return _closed_prompt(ctx)


def _opening(ctx: Ctx) -> str | None:
    opening = next_opening(ctx.now, ctx.settings)
    return describe_opening(opening, ctx.now, ctx.settings) if opening else None


def _closed_prompt(ctx: Ctx, *before: str) -> Prompt:
    text = say("closed", ctx.settings, hours=describe_hours(ctx.settings), when=_opening(ctx))
    return Prompt((*before, text), Gather(CLOSED, num_digits=1))


async def _step_closed(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "1":
        call.step = DONE
        conversation = await transcript.conversation_of(call)
        await conversations.escalate(conversation, ctx.now, ctx.settings)
        if call.customer_id and call.data.get("confirmed"):
            await ServiceTicket.create(
                customer_id=call.customer_id,
                entry_id=call.entry_id,
                subject="Retornar ligação do cliente",
                description=(
                    f"Pediu pela ligação {call.sid} que um atendente ligue de volta "
                    f"para {_phone(call)}."
                ),
            )
        call.data = {**call.data, "callback": ctx.now.isoformat()}
        return Prompt((say("callback_ok", ctx.settings, when=_opening(ctx)),), hangup=True)
    if keys == "2":
        call.step = DONE
        return _goodbye(ctx.settings)
    return await _question(call, ctx, say("not_understood", ctx.settings))


async def _step_person(call: Call, keys: str, ctx: Ctx) -> Prompt:
    customer = await _customer(call.customer_id)
    if keys == "1":
        call.step = CPF3
        return _ask_cpf3(customer, ctx.settings)
    if keys == "2":
        if call.direction == CallDirection.INBOUND:
            # Someone else calling from the customer's phone: identify like any caller.
            call.customer_id = None
            call.step = DOCUMENT
            return _ask_document(ctx.settings)
        call.step = DONE
        call.outcome = ContactOutcome.WRONG_PARTY
        return Prompt((say("wrong_party", ctx.settings),), hangup=True)
    if keys == "0":
        return await _transfer(call, ctx)
    return _ask_person(customer, ctx.settings, say("not_understood", ctx.settings))


async def _failed_try(call: Call, ctx: Ctx, bad: str, ask) -> Prompt:
    tries = int(call.data.get("tries", 0)) + 1
    call.data = {**call.data, "tries": tries}
    left = await record_failure(_handle(call), ctx.now)
    if left == 0:
        raise Locked(ctx.now)
    if tries >= MAX_TRIES:
        call.step = DONE
        return Prompt((say("identify_failed", ctx.settings),), hangup=True)
    return ask(say(bad, ctx.settings, left=MAX_TRIES - tries))


async def _step_cpf3(call: Call, keys: str, ctx: Ctx) -> Prompt:
    customer = await _customer(call.customer_id)
    if keys == "0":
        return await _transfer(call, ctx)
    await ensure_unlocked(_handle(call), ctx.now)
    if len(keys) == 3 and customer.document.startswith(keys):
        await clear_failures(_handle(call))
        return await _identified(call, customer, ctx)
    return await _failed_try(
        call, ctx, "bad_cpf3", lambda text: _ask_cpf3(customer, ctx.settings, text)
    )


async def _step_document(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return await _transfer(call, ctx)
    try:
        document = parse_document(keys)
    except InvalidInput:
        return _ask_document(ctx.settings, say("bad_document", ctx.settings))
    # Whether the CPF/CNPJ exists is not told: the second factor is asked for either way.
    call.data = {**call.data, "document": document}
    call.step = SECOND_FACTOR
    return _ask_second_factor(ctx.settings)


def _second_factor_text(keys: str) -> str:
    """Keypad digits as `verify_document` reads them: DDMMAAAA → DD/MM/AAAA; 4 digits stay."""
    if len(keys) == 8:
        return f"{keys[:2]}/{keys[2:4]}/{keys[4:]}"
    return keys


async def _step_second_factor(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return await _transfer(call, ctx)
    document = call.data.get("document", "")
    try:
        customer = await verify_document(
            _handle(call), document, _second_factor_text(keys), ctx.now
        )
    except InvalidInput:
        tries = int(call.data.get("tries", 0)) + 1
        data = {k: v for k, v in call.data.items() if k != "document"}
        call.data = {**data, "tries": tries}
        if tries >= MAX_TRIES:
            call.step = DONE
            return Prompt((say("identify_failed", ctx.settings),), hangup=True)
        call.step = DOCUMENT
        return _ask_document(ctx.settings, say("second_factor_failed", ctx.settings, left=True))
    call.customer_id = customer.id
    call.data = {k: v for k, v in call.data.items() if k != "document"}
    return await _identified(call, customer, ctx)


async def _identified(call: Call, customer: Customer, ctx: Ctx) -> Prompt:
    call.data = {**call.data, "confirmed": True, "tries": 0}
    if call.outcome is None:
        call.outcome = ContactOutcome.CONVERSATION
    await transcript.conversation_of(call)
    outbound = call.direction == CallDirection.OUTBOUND
    await record_contact(
        customer.id,
        Channel.VOICE,
        ContactActor.ROBOT if outbound else ContactActor.DEBTOR,
        MessageDirection.IN,
        ContactOutcome.CONVERSATION,
        entry_id=call.entry_id,
        note=f"ligação {call.sid}: pessoa confirmada",
    )
    hello = say("identified", ctx.settings, first_name=customer.first_name)
    return await _debt(call, customer, ctx, hello)


async def _debt(call: Call, customer: Customer, ctx: Ctx, *before: str) -> Prompt:
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
    debt = say("debt", ctx.settings, first_name=name, total=result.gross, count=len(result.charges))
    return await _offers(call, ctx, *before, debt, offers=offers)


async def _offers(
    call: Call, ctx: Ctx, *before: str, offers: list[CustomerOffer] | None = None
) -> Prompt:
    if offers is None:
        offers = await offers_for_customer(call.customer_id, ctx.today)
    offers = offers[:MAX_OFFERS]
    call.step = OFFERS
    call.data = {
        **{k: v for k, v in call.data.items() if k not in ("choice", "quote", "down_range")},
        "offers": [[o.quote.condition_id, o.quote.option_id] for o in offers],
    }
    if not offers:
        customer = await _customer(call.customer_id)
        text = say("no_offers", ctx.settings, first_name=customer.first_name)
        return Prompt((*before, text), Gather(OFFERS, num_digits=1))
    text = say("offers", ctx.settings, offers=[offer_view(o) for o in offers])
    return Prompt((*before, text), Gather(OFFERS, num_digits=1))


async def _find_offer(
    call: Call, ctx: Ctx, choice: list[int], down: Decimal | None = None
) -> CustomerOffer | None:
    condition_id, option_id = choice
    return await find_offer(call.customer_id, ctx.today, condition_id, option_id, down)


async def _step_offers(call: Call, keys: str, ctx: Ctx) -> Prompt:
    listed = call.data.get("offers") or []
    if keys == "0":
        return await _transfer(call, ctx)
    if keys == "9":
        return await _offers(call, ctx)
    if len(keys) == 1 and keys.isdigit() and 1 <= int(keys) <= len(listed):
        choice = listed[int(keys) - 1]
        chosen = await _find_offer(call, ctx, choice)
        if chosen is None:
            return await _offers(call, ctx, say("offer_gone", ctx.settings))
        call.data = {**call.data, "choice": choice}
        if chosen.offer.down_payment is not None:
            minimum, maximum = down_payment_range(chosen)
            call.data = {**call.data, "down_range": [str(minimum), str(maximum)]}
            call.step = DOWN
            return _ask_down(call, ctx.settings)
        return await _confirm(call, ctx, chosen)
    if not listed:
        call.step = DONE
        return _goodbye(ctx.settings)
    return await _offers(call, ctx, say("not_understood", ctx.settings))


def _ask_down(call: Call, settings: Settings, *before: str) -> Prompt:
    minimum, maximum = (Decimal(v) for v in call.data["down_range"])
    text = say("ask_down", settings, minimum=minimum, maximum=maximum)
    return Prompt((*before, text), Gather(DOWN, timeout=8))


async def _step_down(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return await _transfer(call, ctx)
    if keys == "9":
        return await _offers(call, ctx)
    choice = call.data["choice"]
    if keys == "1":
        chosen = await _find_offer(call, ctx, choice)
    elif keys.isdigit() and len(keys) >= 2:
        amount = keypad_cents(keys)
        minimum, maximum = (Decimal(v) for v in call.data["down_range"])
        reason = down_payment_problem(amount, minimum, maximum)
        if reason:
            bad = say("bad_down", ctx.settings, typed=amount, reason=reason)
            return _ask_down(call, ctx.settings, bad)
        chosen = await _find_offer(call, ctx, choice, amount)
    else:
        return _ask_down(call, ctx.settings, say("not_understood", ctx.settings))
    if chosen is None:
        return await _offers(call, ctx, say("offer_gone", ctx.settings))
    return await _confirm(call, ctx, chosen)


async def _confirm(call: Call, ctx: Ctx, chosen: CustomerOffer) -> Prompt:
    call.step = CONFIRM
    call.data = {**call.data, "quote": quote_data(chosen.quote)}
    return _confirm_text(chosen, ctx)


def _confirm_text(chosen: CustomerOffer, ctx: Ctx, *before: str) -> Prompt:
    view = offer_view(chosen)
    option = next(o for o in chosen.condition.options if o.id == chosen.quote.option_id)
    text = say(
        "confirm",
        ctx.settings,
        total=chosen.offer.total,
        installments=view["installments"],
        first=view["first"],
        later=view["later"],
        first_due=view["first_due"],
        days_between=option.days_between,
        today=ctx.today,
    )
    return Prompt((*before, text), Gather(CONFIRM, num_digits=1))


async def _confirm_prompt(call: Call, ctx: Ctx, *before: str) -> Prompt:
    quote = call.data.get("quote")
    if not quote:
        return await _offers(call, ctx, *before)
    down = None if quote["down_payment"] is None else Decimal(quote["down_payment"])
    chosen = await _find_offer(call, ctx, [quote["condition_id"], quote["option_id"]], down)
    if chosen is None:
        return await _offers(call, ctx, *before, say("offer_gone", ctx.settings))
    return _confirm_text(chosen, ctx, *before)


async def _step_confirm(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return await _transfer(call, ctx)
    if keys == "2":
        return await _offers(call, ctx)
    if keys != "1" or "quote" not in call.data:
        return await _confirm_prompt(call, ctx, say("not_understood", ctx.settings))
    quote = quote_of(call.data["quote"])
    if quote.customer_id != call.customer_id:
        return await _offers(call, ctx)
    try:
        agreement = await accept(
            quote, channel=Channel.VOICE, today=ctx.today, settings=ctx.settings
        )
    except Conflict:
        return await _offers(call, ctx, say("offer_gone", ctx.settings))
    call.step = DONE
    call.outcome = ContactOutcome.AGREEMENT
    call.agreement_id = agreement.id
    call.data = {k: v for k, v in call.data.items() if k not in ("quote", "offers", "down_range")}
    if call.direction == CallDirection.INBOUND:
        # The robot's calls get their contact history from the dialer's outcome mapping.
        await record_contact(
            quote.customer_id,
            Channel.VOICE,
            ContactActor.DEBTOR,
            MessageDirection.IN,
            ContactOutcome.AGREEMENT,
        )
    customer = await _customer(call.customer_id)
    await _save(call)  # the agreement is on the call before anything slow
    sent = await _send_sms_quickly(agreement, customer, call, ctx)
    text = say(
        "agreement",
        ctx.settings,
        first_name=customer.first_name,
        agreement_id=agreement.id,
        sms=sent,
    )
    return Prompt((text,), hangup=True)


_HANDLERS = {
    PERSON: _step_person,
    CPF3: _step_cpf3,
    DOCUMENT: _step_document,
    SECOND_FACTOR: _step_second_factor,
    OFFERS: _step_offers,
    DOWN: _step_down,
    CONFIRM: _step_confirm,
    CLOSED: _step_closed,
}


# --- the agreement's SMS ------------------------------------------------------------------------


async def agreement_sms_text(agreement: Agreement, customer: Customer, settings: Settings) -> str:
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
    agreement: Agreement, customer: Customer, recipient: str, sender: Sender, settings: Settings
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
            return {"external_id": (await sender.send(_Sms(recipient, text)))[:100]}
        except ValueError as error:  # a number or text the provider can never take
            raise SendError(str(error), permanent=True) from error

    await retry_queue.attempt(queue, delivery, send, now)
    return delivery


async def _send_sms_quickly(agreement: Agreement, customer: Customer, call: Call, ctx: Ctx) -> bool:
    """Sends the agreement SMS, waiting at most SMS_WAIT seconds (it carries on after)."""
    recipient = lookup_phone(_phone(call))
    if ctx.sms is None or recipient is None or customer.opted_out_at is not None or customer.no_sms:
        return False
    task = asyncio.create_task(
        send_agreement_sms(agreement, customer, recipient, ctx.sms, ctx.settings)
    )
    _background.add(task)
    task.add_done_callback(_background.discard)
    try:
        delivery = await asyncio.wait_for(asyncio.shield(task), SMS_WAIT)
    except TimeoutError:
        return True  # still going; the debtor will get it
    except Exception:
        log.exception("call %s: agreement SMS failed", call.id)
        return False
    return delivery.status != DeliveryStatus.FAILED
