"""Twilio's voice webhooks: the answer URL (inbound and outbound calls), the `<Gather>` actions,
the silence redirects, the dialog's follow-ups (`/next/<step>`), the asynchronous
answering-machine callback and the transfer's `<Dial>` action. The dialog itself is
`negotiation.ivr`; this module checks signatures, reads the form (`telephony.twilio_form`),
finds the call and renders TwiML.

A TwiML endpoint never answers 500: any failure (a broken database included) becomes an
apology in Portuguese and a transfer to the attendants' number, or a goodbye. Answers are
bounded by `ANSWER_TIMEOUT`, well inside Twilio's 15 seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models import clock
from models.enums import DeliveryChannel
from negotiation import ivr
from quita.settings import Settings
from telephony.security import verified_form
from telephony.twilio_client import twilio_client
from telephony.twilio_form import answered_by, call_request, dial_unanswered, is_machine
from telephony.twiml import empty_twiml, twiml_response, voice_twiml

log = logging.getLogger("quita.voice")
router = APIRouter(tags=["twilio"])

ANSWER_TIMEOUT = 10.0  # seconds; Twilio gives up at 15
# When even the templates fail: still TwiML.
LAST_RESORT = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="pt-BR">'
    "Desculpe, tivemos um problema técnico. Até logo.</Say><Hangup/></Response>"
)
UPDATE_TIMEOUT = 5.0  # seconds for replacing a live call's TwiML (the machine's message)


def now() -> datetime:
    """The clock of the dialog (tests freeze it)."""
    return clock.now()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _sms_sender(request: Request):
    senders = getattr(request.app.state, "senders", None) or {}
    return senders.get(DeliveryChannel.SMS)


async def _twiml(request: Request, work: Callable[[], Awaitable[ivr.Prompt]]) -> Response:
    """Runs the dialog step; whatever goes wrong, Twilio gets valid TwiML."""
    settings = _settings(request)
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):  # in this task: no task per answer
            prompt = await work()
        return twiml_response(voice_twiml(prompt, settings))
    except Exception:
        log.exception("voice webhook %s failed; answering with an apology", request.url.path)
    try:
        return twiml_response(voice_twiml(ivr.apology_prompt(settings), settings))
    except Exception:  # even the template failed: still TwiML
        log.exception("apology TwiML failed")
        return twiml_response(LAST_RESORT)


@router.post("/twilio/voice")
async def answer(request: Request) -> Response:
    """Answer URL of every call. An outbound call's row was made by the dialer (found by
    CallSid, or by `?call=<id>` on this URL); an inbound call gets its row here."""
    form = await verified_form(request)
    settings = _settings(request)

    async def work() -> ivr.Prompt:
        at = now()
        call = await ivr.call_for(call_request(form, request.query_params.get("call")), at)
        raw = form.get("AnsweredBy")  # synchronous detection, or told before this request
        if raw and call.id is not None:
            machine = await ivr.machine(call, raw, is_machine(raw), settings, at)
            if machine is not None:
                return machine
            call.answered_by = call.answered_by or raw[:24]
        return await ivr.answer(call, form, settings, at)

    return await _twiml(request, work)


@router.post("/twilio/voice/gather/{step}")
async def gather(step: str, request: Request) -> Response:
    form = await verified_form(request)
    settings = _settings(request)

    async def work() -> ivr.Prompt:
        at = now()
        call = await ivr.call_of(call_request(form), settings, at)
        if call is None:
            return ivr.Prompt((ivr.say("goodbye", settings),), hangup=True)
        return await ivr.gathered(
            call,
            step,
            form.get("Digits"),
            form.get("SpeechResult"),
            settings,
            at,
            turn=request.query_params.get("turn"),
            sms=_sms_sender(request),
        )

    return await _twiml(request, work)


StepHandler = Callable[..., Awaitable[ivr.Prompt]]


async def _on_call(request: Request, handler: StepHandler, step: str) -> Response:
    """A request of a call the dialog knows, for `step`: `handler(call, step, settings, at,
    turn=...)`; an unknown call gets a goodbye."""
    form = await verified_form(request)
    settings = _settings(request)

    async def work() -> ivr.Prompt:
        at = now()
        call = await ivr.call_of(call_request(form), settings, at)
        if call is None:
            return ivr.Prompt((ivr.say("goodbye", settings),), hangup=True)
        return await handler(call, step, settings, at, turn=request.query_params.get("turn"))

    return await _twiml(request, work)


@router.post("/twilio/voice/silence/{step}")
async def silence(step: str, request: Request) -> Response:
    return await _on_call(request, ivr.silence, step)


@router.post("/twilio/voice/next/{step}")
async def follow(step: str, request: Request) -> Response:
    """The dialog going on by itself after a prompt that asked nothing (`ivr.Follow`)."""
    return await _on_call(request, ivr.proceed, step)


@router.post("/twilio/voice/dialed")
async def dialed(request: Request) -> Response:
    """The `<Dial>` action of a transfer: how the attendants' line answered. Nobody took it:
    the callback offer instead of a goodbye. Any failure here says goodbye, never another
    transfer (the apology's), so a line nobody answers cannot loop."""
    form = await verified_form(request)
    settings = _settings(request)
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):
            call = await ivr.call_by_sid(form.get("CallSid", ""))
            if call is None:
                prompt = ivr.goodbye(settings)
            else:
                prompt = await ivr.dialed(call, dial_unanswered(form), settings, now())
        return twiml_response(voice_twiml(prompt, settings))
    except Exception:
        log.exception("dial action failed; saying goodbye")
    try:
        return twiml_response(voice_twiml(ivr.goodbye(settings), settings))
    except Exception:
        log.exception("goodbye TwiML failed")
        return twiml_response(LAST_RESORT)


@router.post("/twilio/voice/amd")
async def amd(request: Request) -> Response:
    """Asynchronous answering-machine detection (AsyncAmdStatusCallback). A machine gets the
    neutral message in place of the dialog: the live call's TwiML is replaced through the
    REST API. Twilio ignores this answer's body."""
    form = await verified_form(request)
    settings = _settings(request)
    try:
        call = await ivr.call_by_sid(form.get("CallSid", ""))
        if call is not None:
            raw = answered_by(form)
            prompt = await ivr.machine(call, raw, is_machine(raw), settings, now())
            if prompt is not None and call.sid:
                await _replace_twiml(call.sid, voice_twiml(prompt, settings), settings)
    except Exception:
        log.exception("AMD callback failed")
    return twiml_response(empty_twiml())


async def _replace_twiml(sid: str, twiml: str, settings: Settings) -> None:
    """Best effort: the call may already have ended."""
    try:
        async with twilio_client(settings, timeout=UPDATE_TIMEOUT) as client:
            await client.calls(sid).update_async(twiml=twiml)
    except Exception as error:
        log.warning("could not replace the TwiML of call %s: %s", sid, error)
