"""What the voice dialog says and asks: the `Prompt` a step returns (texts to say, a keypad or
speech question, a transfer, a hang-up), the sentences of templates/voice/, and the questions
every step asks. `telephony/twiml.py` turns a prompt into TwiML."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from models import Call, Customer
from models.enums import CallDirection
from negotiation import spoken
from negotiation.attendant_hours import hours_on, is_open, local, next_opening
from negotiation.config import VoiceConfig
from negotiation.outbound import Sender
from negotiation.phones import lookup_phone
from negotiation.rendering import environment, render

spoken.install_filters(environment())

# Steps (`Call.step`).
START = "start"
HELLO = "hello"  # an outbound call greeted neutrally, waiting to know a person answered
PERSON = "person"
CPF3 = "cpf3"
DOCUMENT = "document"
SECOND_FACTOR = "second_factor"
OFFERS = "offers"
DOWN = "down"
CONFIRM = "confirm"
CLOSED = "closed"
DONE = "done"
STEPS = frozenset(
    {START, HELLO, PERSON, CPF3, DOCUMENT, SECOND_FACTOR, OFFERS, DOWN, CONFIRM, CLOSED}
)

HINTS = (
    "sim, não, zero, um, dois, três, quatro, cinco, seis, sete, oito, nove, "
    "atendente, repetir, confirmar, voltar"
)


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
class Follow:
    """Go on without waiting for an answer: after `pause` seconds, the dialog's next part for
    `step` (a turn of its own, so no turn says too much at once)."""

    step: str
    pause: int = 0
    turn: int | None = None


@dataclass(frozen=True)
class Prompt:
    """What to do on the call: say `says` (inside the gather when there is one), then ask, or
    go on (`follow`), or transfer, or hang up."""

    says: tuple[str, ...] = ()
    gather: Gather | None = None
    dial: str | None = None  # an attendant's number
    hangup: bool = False
    follow: Follow | None = None

    @property
    def text(self) -> str:
        return " ".join(self.says)


@dataclass(frozen=True)
class Ctx:
    settings: VoiceConfig
    now: datetime
    today: date
    sms: Sender | None = None
    # False for an inbound call's first answer: its first question is not written (see
    # `ivr._answer_new`), the call's next request writes it (`ivr.call_of`).
    write_new: bool = True


def make_ctx(settings: VoiceConfig, now: datetime, sms: Sender | None = None) -> Ctx:
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return Ctx(settings, now, now.astimezone(settings.tz).date(), sms)


def say(name: str, settings: VoiceConfig, **context: Any) -> str:
    """One sentence (or a few) from templates/voice/, in pt-BR."""
    if not context:  # the same words on every call: rendered once per configuration
        return _fixed_sentence(name, tuple(settings.isp.items()))
    return _sentence(name, settings.isp, context)


def _sentence(name: str, isp: dict[str, str], context: dict[str, Any]) -> str:
    text = render(f"voice/{name}.txt.j2", isp=isp, **context)
    return " ".join(text.split())


@lru_cache(maxsize=128)
def _fixed_sentence(name: str, isp: tuple[tuple[str, str], ...]) -> str:
    return _sentence(name, dict(isp), {})


def phone_of(call: Call) -> str:
    """The debtor's side of the call."""
    return call.from_number if call.direction == CallDirection.INBOUND else call.to_number


def handle_of(call: Call) -> str:
    """The handle identification lockouts count on: the debtor's number."""
    number = phone_of(call)
    return f"voice:{lookup_phone(number) or number or call.sid}"


def turned(prompt: Prompt, turn: int) -> Prompt:
    if prompt.follow is not None:
        return replace(prompt, follow=replace(prompt.follow, turn=turn))
    if prompt.gather is None:
        return prompt
    return replace(prompt, gather=replace(prompt.gather, turn=turn))


def waits(prompt: Prompt) -> bool:
    """The prompt expects a next request of the dialog (an answer or its own follow-up)."""
    return prompt.gather is not None or prompt.follow is not None


def apology_prompt(settings: VoiceConfig) -> Prompt:
    """For any failure: no database needed. Transfers when there is a number to transfer to."""
    transfer = bool(settings.attendant_number)
    return Prompt(
        (say("apology", settings, transfer=transfer),),
        dial=settings.attendant_number if transfer else None,
        hangup=not transfer,
    )


def machine_prompt(settings: VoiceConfig) -> Prompt:
    return Prompt(
        # The attendants' own line when there is one, else the ISP's service number.
        (say("machine", settings, number=settings.attendant_number or settings.isp_phone),),
        hangup=True,
    )


def goodbye(settings: VoiceConfig) -> Prompt:
    return Prompt((say("goodbye", settings),), hangup=True)


def hello_wait(*before: str, pause: int = 2) -> Prompt:
    """The neutral greeting's pause while the answering-machine detection decides."""
    return Prompt(before, follow=Follow(HELLO, pause=pause))


def ask_person(customer: Customer, settings: VoiceConfig, *before: str) -> Prompt:
    text = say("ask_person", settings, first_name=customer.first_name)
    return Prompt((*before, text), Gather(PERSON, num_digits=1))


def ask_cpf3(customer: Customer, settings: VoiceConfig, *before: str) -> Prompt:
    kind = "CNPJ" if len(customer.document) == 14 else "CPF"
    text = say("ask_cpf3", settings, kind=kind)
    return Prompt((*before, text), Gather(CPF3, num_digits=3, timeout=8))


def ask_document(settings: VoiceConfig, *before: str) -> Prompt:
    return Prompt((*before, say("ask_document", settings)), Gather(DOCUMENT, timeout=10))


def ask_second_factor(settings: VoiceConfig, *before: str) -> Prompt:
    return Prompt((*before, say("ask_second_factor", settings)), Gather(SECOND_FACTOR, timeout=10))


def opening(ctx: Ctx) -> str | None:
    """When the attendants are next in, as the voice says it ("amanhã, sábado, às oito
    horas")."""
    next_time = next_opening(ctx.now, ctx.settings)
    return spoken.opening(local(next_time, ctx.settings), ctx.today) if next_time else None


def until(ctx: Ctx) -> str | None:
    """Today's closing time while the attendants are in ("às dezoito horas")."""
    hours = hours_on(ctx.today, ctx.settings)
    return spoken.at_time(hours[1]) if hours else None


def closed_prompt(ctx: Ctx, *before: str) -> Prompt:
    """Nobody can take the call now: the offer of a callback (and when to expect it)."""
    settings = ctx.settings
    text = say(
        "closed",
        settings,
        open=is_open(ctx.now, settings),
        until=until(ctx),
        hours=spoken.opening_hours(
            settings.attendant_weekday_hours, settings.attendant_saturday_hours
        ),
        when=opening(ctx),
    )
    return Prompt((*before, text), Gather(CLOSED, num_digits=1))


def transfer(call: Call, ctx: Ctx) -> Prompt:
    """0: a person, only when someone can answer: inside the attendants' hours, to their
    line. Otherwise (closed, or no line configured) the offer of a callback, which puts the
    call in the attendants' inbox (`ivr._step_closed`): never a queue nobody serves."""
    settings = ctx.settings
    if is_open(ctx.now, settings) and settings.attendant_number:
        call.step = DONE
        call.data = {**call.data, "transferred": ctx.now.isoformat()}
        return Prompt((say("transfer", settings),), dial=settings.attendant_number)
    call.data = {**call.data, "closed_from": call.step}
    call.step = CLOSED
    return closed_prompt(ctx)
