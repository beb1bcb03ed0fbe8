"""A phone in the terminal: call the app's Twilio webhooks as Twilio would, signed.

    .venv/bin/python -m tests.fakes.phone --from +5519988887777 [--app http://127.0.0.1:8000]

It starts the tests' fake Twilio REST server (so the SMS the robot sends after an agreement is
received and printed here), prints the settings to start `quita serve` with, then places an
inbound call: every <Say> is printed, and at every <Gather> you type the keys (or words, as
speech). An empty line is silence. The requests carry X-Twilio-Signature computed with the
twilio library's RequestValidator, as Twilio does.
"""

from __future__ import annotations

import argparse
import time
import uuid
import xml.etree.ElementTree as ET

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, start_fake_twilio


class Phone:
    def __init__(self, app: str, caller: str, to: str, out=print) -> None:
        self.app = app.rstrip("/")
        self.caller = caller
        self.to = to
        self.sid = "CA" + uuid.uuid4().hex
        self.validator = RequestValidator(AUTH_TOKEN)
        self.out = out
        self.client = httpx.Client(timeout=20)

    def post(self, url: str, **fields: str) -> ET.Element:
        if url.startswith("/"):
            url = self.app + url
        form = {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": self.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **fields,
        }
        signature = self.validator.compute_signature(url, form)
        answer = self.client.post(url, data=form, headers={"X-Twilio-Signature": signature})
        if answer.status_code != 200:
            raise SystemExit(f"{url}: HTTP {answer.status_code} {answer.text[:200]}")
        return ET.fromstring(answer.text)

    def say(self, twiml: ET.Element) -> None:
        for element in twiml.iter():
            if element.tag == "Say" and (element.text or "").strip():
                self.out(f"Robô: {element.text.strip()}")

    def step(self, twiml: ET.Element, typed) -> ET.Element | None:
        """Play one TwiML answer; return the next one, or None when the call ends."""
        self.say(twiml)
        gather = twiml.find("Gather")
        redirect = twiml.find("Redirect")
        if gather is not None:
            keys = typed()
            if keys is None:
                return None
            if keys.strip():
                field = "Digits" if keys.strip().replace("#", "").isdigit() else "SpeechResult"
                return self.post(gather.get("action"), **{field: keys.strip().rstrip("#")})
        if redirect is not None and (redirect.text or "").strip():
            return self.post(redirect.text.strip())
        for verb in ("Dial", "Enqueue"):
            if twiml.find(verb) is not None:
                self.out(f"[{verb}: transferindo para um atendente]")
                return None
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Uma ligação de teste para o robô do Quita")
    parser.add_argument("--from", dest="caller", required=True, help="Telefone de quem liga")
    parser.add_argument("--to", default="+5519900001111", help="Número do provedor")
    parser.add_argument("--app", default="http://127.0.0.1:8000", help="Onde o Quita responde")
    args = parser.parse_args()

    twilio, server = start_fake_twilio()
    print("Twilio falso no ar. Inicie o Quita com:")
    print(f"  QUITA_TWILIO_API_BASE={twilio.url}")
    print(f"  QUITA_TWILIO_ACCOUNT_SID={ACCOUNT_SID}")
    print(f"  QUITA_TWILIO_AUTH_TOKEN={AUTH_TOKEN}")
    print("  QUITA_TWILIO_FROM_NUMBER=+5519900001111")
    print(f"  QUITA_PUBLIC_BASE_URL={args.app}")
    input("Tecle Enter para ligar...")

    phone = Phone(args.app, args.caller, args.to)

    def typed() -> str | None:
        try:
            return input("Você (teclas; Enter = silêncio): ")
        except EOFError:
            return None

    twiml = phone.post("/twilio/voice", CallStatus="ringing")
    while twiml is not None:
        twiml = phone.step(twiml, typed)
    print("[ligação encerrada]")
    time.sleep(1)  # the SMS may still be on its way
    for message in twilio.messages:
        print(f"SMS para {message.get('To')}:\n{message.get('Body')}")
    server.stop()


if __name__ == "__main__":
    main()
