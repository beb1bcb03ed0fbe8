"""TwiML for the voice dialog's prompts (negotiation.ivr.Prompt), with the twilio library's
VoiceResponse.

Every `<Say>` is pt-BR with the configured voice. A question is a `<Gather>` (keys and speech)
posting to `/twilio/voice/gather/<step>`, followed by a `<Redirect>` to
`/twilio/voice/silence/<step>`: when nobody answers, Twilio falls through to it and the
question is repeated (or the call ends). A prompt that goes on by itself (`Follow`: the
outbound greeting while the answering-machine detection decides, the debt before the offers)
ends in a `<Redirect>` to `/twilio/voice/next/<step>`. A transfer's `<Dial>` reports how it
ended to `/twilio/voice/dialed`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.responses import Response
from twilio.twiml.voice_response import VoiceResponse

from negotiation.voice_prompts import Prompt
from quita.settings import Settings

XML = "application/xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def url(settings: Settings, path: str) -> str:
    """Absolute public URL: Twilio signs (and we check) the URL it calls."""
    return settings.public_base_url.rstrip("/") + path


def _say(node, text: str, settings: Settings) -> None:
    node.say(text, language="pt-BR", voice=settings.twilio_voice)


def as_text(response: VoiceResponse) -> str:
    """The builder's document as text, as `str(response)` gives it. Its `to_xml` encodes the
    element tree to UTF-8 bytes and decodes them back; serializing the builder's own tree as
    text directly gives the same characters in two thirds of the time (the voice answer
    URL's hot path, `quita bench webhooks`)."""
    return XML_DECLARATION + ET.tostring(response.xml(), encoding="unicode")


def voice_twiml(prompt: Prompt, settings: Settings) -> str:
    return as_text(voice_response(prompt, settings))


def voice_response(prompt: Prompt, settings: Settings) -> VoiceResponse:
    response = VoiceResponse()
    if prompt.gather is not None:
        g = prompt.gather
        query = f"?turn={g.turn}" if g.turn is not None else ""
        options = {
            "input": "dtmf speech",
            "action": url(settings, f"/twilio/voice/gather/{g.step}{query}"),
            "method": "POST",
            "language": "pt-BR",
            "hints": g.hints,
            "timeout": g.timeout,
            "speech_timeout": "auto",
            "finish_on_key": g.finish_on_key,
            "action_on_empty_result": False,
        }
        if g.num_digits:
            options["num_digits"] = g.num_digits
        gather = response.gather(**options)
        for text in prompt.says:
            _say(gather, text, settings)
        response.redirect(url(settings, f"/twilio/voice/silence/{g.step}{query}"), method="POST")
        return response
    for text in prompt.says:
        _say(response, text, settings)
    if prompt.follow is not None:
        f = prompt.follow
        if f.pause:
            response.pause(length=f.pause)
        query = f"?turn={f.turn}" if f.turn is not None else ""
        response.redirect(url(settings, f"/twilio/voice/next/{f.step}{query}"), method="POST")
        return response
    if prompt.dial:
        # Twilio posts how the transfer ended to the action URL and goes on with that answer
        # (nothing after the <Dial> runs): nobody answering gets the callback offer there.
        action = url(settings, "/twilio/voice/dialed")
        response.dial(prompt.dial, timeout=30, action=action, method="POST")
    elif prompt.hangup:
        response.hangup()
    return response


def twiml_response(body: str) -> Response:
    return Response(content=body, media_type=XML)


def empty_twiml() -> str:
    return str(VoiceResponse())
