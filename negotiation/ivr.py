"""The debtor's phone dialog (robot and inbound calls), channel-neutral like `chat.py`.

The state lives on the `Call` row (step, data, silences, keys; `negotiation.voice_state`), so
any app instance can answer any of Twilio's webhooks. An inbound call's first question is
answered from reads alone; its row is written by the call's next request, with the same
state (`call_of`). What was said is buffered on the row and written to the conversation when
the robot's part ends (`negotiation.call_transcript`). Each entry point takes the call and
what the person did and returns a `Prompt`: texts to say, a keypad/speech question
(`Gather`), a part that goes on by itself (`Follow`, through `proceed`), a transfer to an
attendant's line (`dial`) or a hang-up (`negotiation.voice_prompts`); `telephony/twiml.py`
turns it into TwiML. What was said becomes keys in `negotiation.speech`; the offers and the
agreement are `negotiation.voice_offers`; the agreement SMS, `negotiation.voice_sms`. The
provider's form fields are read in `telephony/twilio_form.py`.

Nothing about a debt is said before the person is confirmed, and nothing but a neutral
greeting before the answering-machine detection says a person answered: an outbound call
greets, waits for that (step hello), then (like an inbound call recognised by caller ID) asks
"falo com <primeiro nome>?" and then the first three digits of the CPF/CNPJ; an unknown
inbound caller types the whole CPF/CNPJ and a second factor (birth date or the last four
digits of a registered phone), with the identification lockouts of `negotiation.identify`. A
machine (asynchronous AMD) only ever hears the greeting, the ISP's name and a number to call
back.

Steps (`Call.step`): start → (hello →) person → cpf3 → offers → down → confirm → done, and
for unknown callers document → second_factor → offers; closed (the callback offer when nobody
can take the call: outside the attendants' hours, or no attendants' line). A webhook for
another step than the call's (a retry, an old request) changes nothing and repeats the
current question. While a request works on a step the row holds "<step>*"
(`voice_state.claim`), so a repeat that arrives meanwhile cannot act twice.

Outcomes set on the call: CONVERSATION once the person is confirmed (and a ContactAttempt
with that outcome), AGREEMENT with `call.agreement`, WRONG_PARTY, VOICEMAIL. Status,
duration and the campaign entry are the status callback's and the dialer's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from tortoise.exceptions import IntegrityError

from models import Call, Customer
from models.enums import (
    CallDirection,
    Channel,
    ContactActor,
    ContactOutcome,
    MessageDirection,
)
from negotiation import call_transcript as transcript
from negotiation import offer_choice, speech, spoken, voice_requests
from negotiation.attendant_hours import is_open
from negotiation.config import VoiceConfig
from negotiation.contact_policy import record_contact
from negotiation.errors import InvalidInput
from negotiation.identify import (
    Locked,
    clear_failures,
    ensure_unlocked,
    parse_document,
    record_failure,
    unlocked_caller,
    verify_document,
)
from negotiation.masking import masked
from negotiation.outbound import Sender
from negotiation.understanding import Intent, Shape, understand
from negotiation.voice_offers import (
    ASKING_DAY,
    REPEAT_PAGE_KEY,
    ask_down,
    confirm_prompt,
    debt,
    offers_prompt,
    step_confirm,
    step_down,
    step_offers,
)
from negotiation.voice_prompts import (
    CLOSED,
    CONFIRM,
    CPF3,
    DOCUMENT,
    DONE,
    DOWN,
    HELLO,
    OFFERS,
    PERSON,
    SECOND_FACTOR,
    START,
    STEPS,
    Ctx,
    Prompt,
    ask_cpf3,
    ask_document,
    ask_person,
    ask_second_factor,
    closed_prompt,
    goodbye,
    handle_of,
    hello_wait,
    machine_prompt,
    make_ctx,
    opening,
    say,
    transfer,
    turned,
    until,
    waits,
)
from negotiation.voice_prompts import Gather as Gather
from negotiation.voice_prompts import apology_prompt as apology_prompt
from negotiation.voice_sms import agreement_sms_text as agreement_sms_text
from negotiation.voice_sms import send_agreement_sms as send_agreement_sms
from negotiation.voice_state import CallRequest, call_by_sid, claim, customer_of, new_call, release
from negotiation.voice_state import call_for as call_for
from negotiation.voice_state import save as _save

# Also used from here by the router, the TwiML and the tests: the re-exports above, and
spoken_phone = spoken.phone

MAX_TRIES = 3  # CPF digits, CPF/CNPJ + second factor: tries per call
HELLO_PAUSE = 1  # seconds between looks at the answering-machine result after the greeting
MAX_HELLO_WAIT = 40  # seconds: longer than Twilio's detection timeout
MAX_SILENCES = 2  # repeats of a question nobody answers; the next silence says goodbye
# Steps whose input is identification data: masked on the call's keys and the timeline
# (`negotiation.masking`, as the chat does).
SECRET_STEPS = frozenset({CPF3, DOCUMENT, SECOND_FACTOR})


def keys_of(
    digits: str | None,
    speech_result: str | None,
    step: str,
    offers: list[Shape] | None = None,
    *,
    asking_day: bool = False,
) -> str:
    """What the person pressed or said at `step`, as keys (`negotiation.speech`): yes/no
    where the question is one, "repetir" where the question can be repeated (at the offers,
    where 9 is the next ones, the key that says the same ones again), an offer named by its
    number, ordinal or installments where `offers` (their shapes) were listed, and only a day
    of the month (never a yes read as 1) while the confirmation is `asking_day`."""
    return speech.keys(
        digits,
        speech_result,
        yes_no=step in (PERSON, CONFIRM, CLOSED) and not asking_day,
        repeat=step in (OFFERS, DOWN),
        repeat_key=REPEAT_PAGE_KEY if step == OFFERS else speech.REPEAT_KEY,
        offers=offers,
        day=asking_day,
    )


# Steps after the person is confirmed, where "já paguei" and "não reconheço" are heard.
_DEBT_STEPS = (OFFERS, DOWN, CONFIRM)


async def _spoken(call: Call, step: str, digits: str | None, said: str | None, ctx: Ctx):
    """What was said, for the questions that go beyond keys: the listed offers' shapes (so
    "em seis vezes" names one) and whether it was "já paguei"/"não reconheço"."""
    if digits or not said or step not in _DEBT_STEPS or not call.customer_id:
        return None, None
    intent = understand(said).intent
    claim = intent if intent in (Intent.PAID, Intent.DISPUTE) else None
    if step != OFFERS:
        return None, claim
    listed = call.data.get("offers") or []
    return await offer_choice.listed_shapes(call.customer_id, ctx.today, listed), claim


# --- the call row -------------------------------------------------------------------------


async def call_of(request: CallRequest, settings: VoiceConfig, now: datetime) -> Call | None:
    """The Call of a request that follows the first answer (a `<Gather>` action, a silence
    redirect, the status callback). An inbound call whose first answer wrote nothing gets its
    row now, rebuilt from the same reads as that answer (its caller, the lockout) and written
    once: the unique CallSid settles two requests doing it at the same moment."""
    call = await call_by_sid(request.sid)
    if call is not None or not request.sid or request.direction != CallDirection.INBOUND:
        return call
    with contextlib.suppress(IntegrityError):  # the other request wrote it
        await _answer(new_call(request, now), make_ctx(settings, now))
    return await call_by_sid(request.sid)


def _stale(call: Call, step: str, turn: str | None) -> bool:
    """A request for another step or an earlier question than the call's current one."""
    if step != call.step or step not in STEPS:
        return True
    return turn is not None and turn != str(call.data.get("turn", ""))


async def _finish(call: Call, prompt: Prompt, ctx: Ctx) -> Prompt:
    if waits(prompt):
        turn = int(call.data.get("turn", 0)) + 1
        call.data = {**call.data, "turn": turn}
        prompt = turned(prompt, turn)
    if call.id is None and waits(prompt) and not ctx.write_new:
        return prompt  # an inbound call's first question: its next request writes the row
    transcript.add(call, MessageDirection.OUT, prompt.text, ctx.now, step=call.step)
    if not waits(prompt):  # the robot's part ends: hang-up or transfer
        if call.id is None:
            await _save(call)  # a new call's row first: a repeated request stops here
        await transcript.flush(call)
    await _save(call)
    return prompt


# --- entry points ---------------------------------------------------------------------------
async def answer(call: Call, form: object, settings: VoiceConfig, now: datetime) -> Prompt:
    """The first request of a call (Twilio's answer URL), inbound or outbound. A repeat of it
    repeats the current question."""
    ctx = make_ctx(settings, now)
    if call.id is None:
        return await _answer_new(call, ctx)
    if call.step != START or not await claim(call, START):
        return await _repeat(call, ctx)
    try:
        return await _answer(call, ctx)
    except BaseException:
        await release(call, START)
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
        return await _finish(call, machine_prompt(settings), ctx)
    if call.direction == CallDirection.OUTBOUND:
        if call.customer_id is None:
            call.step = DONE
            return await _finish(call, goodbye(settings), ctx)
        # Only a neutral greeting until the answering-machine detection says a person
        # answered: a machine never hears the debtor's name (`proceed` asks it then).
        greet = say("greet_outbound", settings)
        if call.answered_by:  # a person, already known (a machine's outcome is VOICEMAIL)
            customer = await customer_of(call.customer_id)
            call.step = PERSON
            return await _finish(call, ask_person(customer, settings, greet), ctx)
        call.step = HELLO
        return await _finish(call, hello_wait(greet, pause=HELLO_PAUSE), ctx)
    # Inbound: the caller ID, when it is one customer's phone; else the CPF/CNPJ.
    greet = say("greet_inbound", settings)
    try:
        customer = await unlocked_caller(handle_of(call), call.from_number, ctx.now)
    except Locked as error:
        call.step = DONE
        locked = say("locked", settings, wait=error.wait)
        return await _finish(call, Prompt((greet, locked), hangup=True), ctx)
    if customer is not None:
        call.customer_id = customer.id
        call.step = PERSON
        return await _finish(call, ask_person(customer, settings, greet), ctx)
    call.step = DOCUMENT
    return await _finish(call, ask_document(settings, greet), ctx)


async def gathered(
    call: Call,
    step: str,
    digits: str | None,
    speech: str | None,
    settings: VoiceConfig,
    now: datetime,
    *,
    turn: str | None = None,
    sms: Sender | None = None,
) -> Prompt:
    """The answer to the question of `step` (Twilio's Gather action). `turn`, from the action
    URL, names the question; an answer to an earlier one only repeats the current one."""
    ctx = make_ctx(settings, now, sms)

    async def act() -> Prompt:
        shapes, spoken_claim = await _spoken(call, step, digits, speech, ctx)
        asking_day = step == CONFIRM and bool(call.data.get(ASKING_DAY))
        keys = keys_of(digits, speech, step, shapes, asking_day=asking_day)
        secret = step in SECRET_STEPS and keys
        said = keys or (speech or "")[:60]
        second = step == SECOND_FACTOR
        shown = masked(said, identifying=True, second_factor=second) if secret else said
        call.keys = [*call.keys, {"step": step, "input": shown, "at": ctx.now.isoformat()}]
        call.silences = 0
        transcript.add(call, MessageDirection.IN, shown or "(sem resposta)", ctx.now, step=step)
        claimed = spoken_claim is not None
        handler = voice_requests.CLAIMS[spoken_claim] if claimed else _HANDLERS[step]
        try:
            return await handler(call, keys, ctx)
        except Locked as error:
            call.step = DONE
            return Prompt((say("locked", settings, wait=error.wait),), hangup=True)

    return await _take_turn(call, step, turn, ctx, act)


async def _take_turn(
    call: Call, step: str, turn: str | None, ctx: Ctx, act: Callable[[], Awaitable[Prompt]]
) -> Prompt:
    """A request about `step`: a machine gets its message; a stale request, or one another
    request already holds, hears the current question again; otherwise `act` answers with the
    step claimed (released if it fails) and the call saved with its answer."""
    if call.outcome == ContactOutcome.VOICEMAIL:
        return machine_prompt(ctx.settings)
    if _stale(call, step, turn) or not await claim(call, step):
        return await _repeat(call, ctx)
    call.step = step
    try:
        return await _finish(call, await act(), ctx)
    except BaseException:
        await release(call, step)
        raise


async def silence(
    call: Call, step: str, settings: VoiceConfig, now: datetime, *, turn: str | None = None
) -> Prompt:
    """Nobody answered the question of `step`: repeat it (twice at most), then goodbye."""
    ctx = make_ctx(settings, now)

    async def act() -> Prompt:
        call.silences += 1
        call.keys = [*call.keys, {"step": step, "input": "", "at": ctx.now.isoformat()}]
        if call.silences > MAX_SILENCES:
            call.step = DONE
            return Prompt((say("silence_goodbye", settings),), hangup=True)
        return await _question(call, ctx)

    return await _take_turn(call, step, turn, ctx, act)


async def proceed(
    call: Call, step: str, settings: VoiceConfig, now: datetime, *, turn: str | None = None
) -> Prompt:
    """The dialog going on after a prompt that asked nothing (`Follow`): the outbound
    greeting's wait for the answering-machine detection, or the offers after the debt."""
    ctx = make_ctx(settings, now)

    async def act() -> Prompt:
        if step == HELLO:
            return await _hello(call, ctx)
        if step == OFFERS:
            return await offers_prompt(call, ctx, page=0)
        return await _question(call, ctx)

    return await _take_turn(call, step, turn, ctx, act)


async def dialed(call: Call, unanswered: bool, settings: VoiceConfig, now: datetime) -> Prompt:
    """How a transfer to the attendants' line ended (the `<Dial>` action). Nobody took it
    (no answer, busy, failed): the same callback offer as when no line can take the call,
    once per call. Otherwise (the attendant talked to them) goodbye. A repeat of the request
    repeats the callback question."""
    ctx = make_ctx(settings, now)
    if call.step.rstrip("*") == CLOSED and call.data.get("unanswered"):
        return await _repeat(call, ctx)
    transferred = call.step == DONE and call.data.get("transferred")
    if not unanswered or not transferred or not await claim(call, DONE):
        return goodbye(settings)
    call.data = {**call.data, "unanswered": now.isoformat()}
    call.step = CLOSED
    try:
        return await _finish(call, closed_prompt(ctx), ctx)
    except BaseException:
        await release(call, DONE)
        raise


async def _hello(call: Call, ctx: Ctx) -> Prompt:
    """After the neutral greeting: who the call is for, once the detection said a person (or
    "unknown") answered; until then, a short silence more. Twilio's detection always answers
    within its timeout (30 s by default): `MAX_HELLO_WAIT` only guards a callback that never
    came."""
    waited = int(call.data.get("waited", 0))
    if call.answered_by or waited >= MAX_HELLO_WAIT:
        customer = await customer_of(call.customer_id)
        call.step = PERSON
        return ask_person(customer, ctx.settings)
    call.data = {**call.data, "waited": waited + HELLO_PAUSE}
    return hello_wait(pause=HELLO_PAUSE)


async def machine(
    call: Call, answered_by: str, is_machine: bool, settings: VoiceConfig, now: datetime
) -> Prompt | None:
    """Twilio's asynchronous answering-machine result. For a machine (or fax): the call's
    outcome becomes VOICEMAIL and the neutral message to play instead is returned (never a
    word about the debt). A person, or a machine result after the person was already
    confirmed, only records `answered_by` and returns None. `answered_by` (the raw value) is
    only recorded; `is_machine` is what the channel read from it."""
    answered_by = answered_by[:24]
    if not is_machine or call.data.get("confirmed") or call.outcome is not None:
        await Call.filter(id=call.id, answered_by__isnull=True).update(answered_by=answered_by)
        return None
    moved = await Call.filter(id=call.id, outcome__isnull=True).update(
        answered_by=answered_by, outcome=ContactOutcome.VOICEMAIL, step=DONE
    )
    if not moved:
        return None
    await call.refresh_from_db()
    prompt = machine_prompt(settings)
    transcript.add(call, MessageDirection.OUT, prompt.text, now, event="voicemail")
    await transcript.flush(call)
    await Call.filter(id=call.id).update(data=call.data)  # step done: no dialog request races
    return prompt


# --- prompts --------------------------------------------------------------------------------


async def _question(call: Call, ctx: Ctx, *before: str) -> Prompt:
    """The current step's question, asked again."""
    settings = ctx.settings
    customer = await customer_of(call.customer_id) if call.customer_id else None
    step = call.step
    if step == HELLO:
        return hello_wait(*before, pause=HELLO_PAUSE)
    if step == PERSON and customer:
        return ask_person(customer, settings, *before)
    if step == CPF3 and customer:
        return ask_cpf3(customer, settings, *before)
    if step == DOCUMENT:
        return ask_document(settings, *before)
    if step == SECOND_FACTOR:
        return ask_second_factor(settings, *before)
    if step == OFFERS and customer:
        return await offers_prompt(call, ctx, *before, page=int(call.data.get("page", 0)))
    if step == DOWN and customer:
        return ask_down(call, settings, *before)
    if step == CONFIRM and customer:
        return await confirm_prompt(call, ctx, *before)
    if step == CLOSED:
        return closed_prompt(ctx, *before)
    call.step = DONE
    return Prompt((*before, say("goodbye", settings)), hangup=True)


async def _repeat(call: Call, ctx: Ctx) -> Prompt:
    """A request for another step than the call's: no change, the current question again."""
    step = call.step.rstrip("*")
    if step in (DONE, START) or step not in STEPS:
        if call.outcome == ContactOutcome.VOICEMAIL:
            return machine_prompt(ctx.settings)
        return goodbye(ctx.settings)
    call.step = step  # in memory only: a repeat is never saved
    return turned(await _question(call, ctx), int(call.data.get("turn", 0)))


# --- steps ----------------------------------------------------------------------------------


async def _step_closed(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "1":
        call.step = DONE
        await voice_requests.callback_ticket(call, ctx)
        call.data = {**call.data, "callback": ctx.now.isoformat()}
        text = say(
            "callback_ok",
            ctx.settings,
            open=is_open(ctx.now, ctx.settings),
            until=until(ctx),
            when=opening(ctx),
        )
        return Prompt((text,), hangup=True)
    if keys == "2":
        call.step = DONE
        return goodbye(ctx.settings)
    return await _question(call, ctx, say("not_understood", ctx.settings))


async def _step_person(call: Call, keys: str, ctx: Ctx) -> Prompt:
    customer = await customer_of(call.customer_id)
    if keys == "1":
        call.step = CPF3
        return ask_cpf3(customer, ctx.settings)
    if keys == "2":
        if call.direction == CallDirection.INBOUND:
            # Someone else calling from the customer's phone: identify like any caller.
            call.customer_id = None
            call.step = DOCUMENT
            return ask_document(ctx.settings)
        call.step = DONE
        call.outcome = ContactOutcome.WRONG_PARTY
        return Prompt((say("wrong_party", ctx.settings),), hangup=True)
    if keys == "0":
        return transfer(call, ctx)
    return ask_person(customer, ctx.settings, say("not_understood", ctx.settings))


async def _failed_try(call: Call, ctx: Ctx, bad: str, ask) -> Prompt:
    tries = int(call.data.get("tries", 0)) + 1
    call.data = {**call.data, "tries": tries}
    # Raises Locked on the failure that locks the caller.
    await record_failure(handle_of(call), ctx.now)
    if tries >= MAX_TRIES:
        call.step = DONE
        return Prompt((say("identify_failed", ctx.settings),), hangup=True)
    return ask(say(bad, ctx.settings, left=MAX_TRIES - tries))


async def _step_cpf3(call: Call, keys: str, ctx: Ctx) -> Prompt:
    customer = await customer_of(call.customer_id)
    if keys == "0":
        return transfer(call, ctx)
    await ensure_unlocked(handle_of(call), ctx.now)
    if len(keys) == 3 and customer.document.startswith(keys):
        await clear_failures(handle_of(call))
        return await _identified(call, customer, ctx)
    return await _failed_try(
        call, ctx, "bad_cpf3", lambda text: ask_cpf3(customer, ctx.settings, text)
    )


async def _step_document(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return transfer(call, ctx)
    try:
        document = parse_document(keys)
    except InvalidInput:
        return ask_document(ctx.settings, say("bad_document", ctx.settings))
    # Whether the CPF/CNPJ exists is not told: the second factor is asked for either way.
    call.data = {**call.data, "document": document}
    call.step = SECOND_FACTOR
    return ask_second_factor(ctx.settings)


def _second_factor_text(keys: str) -> str:
    """Keypad digits as `verify_document` reads them: DDMMAAAA → DD/MM/AAAA; 4 digits stay."""
    if len(keys) == 8:
        return f"{keys[:2]}/{keys[2:4]}/{keys[4:]}"
    return keys


async def _step_second_factor(call: Call, keys: str, ctx: Ctx) -> Prompt:
    if keys == "0":
        return transfer(call, ctx)
    document = call.data.get("document", "")
    try:
        customer = await verify_document(
            handle_of(call), document, _second_factor_text(keys), ctx.now
        )
    except InvalidInput:
        tries = int(call.data.get("tries", 0)) + 1
        data = {k: v for k, v in call.data.items() if k != "document"}
        call.data = {**data, "tries": tries}
        if tries >= MAX_TRIES:
            call.step = DONE
            return Prompt((say("identify_failed", ctx.settings),), hangup=True)
        call.step = DOCUMENT
        return ask_document(ctx.settings, say("second_factor_failed", ctx.settings, left=True))
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
    return await debt(call, customer, ctx)


_HANDLERS = {
    PERSON: _step_person,
    CPF3: _step_cpf3,
    DOCUMENT: _step_document,
    SECOND_FACTOR: _step_second_factor,
    OFFERS: step_offers,
    DOWN: step_down,
    CONFIRM: step_confirm,
    CLOSED: _step_closed,
}
