"""The voice dialog's pieces: what a spoken or typed answer means, the prompts that need no
database, the TwiML they become, and the agreement SMS."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from models import Call, CustomerPhone, clock
from models.clock import today_in
from models.enums import CallDirection, Channel, ContactOutcome
from negotiation import ivr
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from negotiation.voice_prompts import Follow
from quita.settings import Settings
from telephony.sms import MAX_SEGMENTS, sms_segments
from telephony.twiml import voice_twiml
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

SETTINGS = Settings(
    database_url="sqlite://:memory:",
    secret_key="x" * 40,
    public_base_url="https://quita.example",
)


@pytest.mark.parametrize(
    ("digits", "speech", "step", "keys"),
    [
        ("1", None, ivr.PERSON, "1"),
        ("529#", None, ivr.CPF3, "529"),
        (None, "Sim.", ivr.PERSON, "1"),
        (None, "não", ivr.PERSON, "2"),
        (None, "Não", ivr.CONFIRM, "2"),
        (None, "cinco dois nove", ivr.CPF3, "529"),
        (None, "5 2 9", ivr.CPF3, "529"),
        (None, "atendente", ivr.OFFERS, "0"),
        (None, "repetir", ivr.OFFERS, "*"),  # the same offers: 9 is the next ones
        (None, "de novo", ivr.DOWN, "9"),
        (None, "duas", ivr.OFFERS, "2"),
        (None, "sim", ivr.OFFERS, ""),  # yes/no only where the question is yes/no
        (None, "", ivr.OFFERS, ""),
        (None, None, ivr.OFFERS, ""),
    ],
)
def test_keys_of(digits, speech, step, keys) -> None:
    assert ivr.keys_of(digits, speech, step) == keys


@pytest.mark.parametrize(
    ("digits", "speech", "keys"),
    [
        ("10#", None, "10"),
        (None, "dia dez", "10"),
        (None, "dez", "10"),
        (None, "quinze", "15"),
        (None, "dia 5", "5"),
        (None, "sim", ""),  # not day 1: the day is asked again
        (None, "atendente", "0"),
    ],
)
def test_keys_of_the_day_asked_at_the_confirmation(digits, speech, keys) -> None:
    assert ivr.keys_of(digits, speech, ivr.CONFIRM, asking_day=True) == keys


def test_spoken_phone() -> None:
    assert ivr.spoken_phone("+551933334444") == (
        "um nove, três três três três, quatro quatro quatro quatro"
    )
    assert ivr.spoken_phone("+5519988887777") == (
        "um nove, nove oito oito oito oito, sete sete sete sete"
    )
    assert ivr.spoken_phone(None) is None


def test_apology_needs_no_database() -> None:
    bye = ivr.apology_prompt(SETTINGS)
    assert bye.hangup and bye.dial is None and "Desculpe" in bye.text
    with_number = SETTINGS.model_copy(update={"attendant_number": "+551933334444"})
    transfer = ivr.apology_prompt(with_number)
    assert transfer.dial == "+551933334444" and not transfer.hangup


def test_twiml_of_a_question() -> None:
    prompt = ivr.Prompt(("Olá.", "Tecle 1."), ivr.Gather("person", num_digits=1, turn=3))
    root = ET.fromstring(voice_twiml(prompt, SETTINGS))
    gather, redirect = list(root)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.get("action") == "https://quita.example/twilio/voice/gather/person?turn=3"
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "pt-BR"
    assert gather.get("numDigits") == "1" and gather.get("actionOnEmptyResult") == "false"
    assert [s.get("voice") for s in gather] == ["Polly.Camila", "Polly.Camila"]
    assert redirect.text == "https://quita.example/twilio/voice/silence/person?turn=3"


def test_twiml_of_a_follow_up_and_a_goodbye() -> None:
    greet = ivr.Prompt(("Olá.",), follow=Follow("hello", pause=1, turn=2))
    follow = ET.fromstring(voice_twiml(greet, SETTINGS))
    assert [c.tag for c in follow] == ["Say", "Pause", "Redirect"]
    assert follow[2].text == "https://quita.example/twilio/voice/next/hello?turn=2"
    bye = ET.fromstring(voice_twiml(ivr.Prompt(("Tchau.",), hangup=True), SETTINGS))
    assert [c.tag for c in bye] == ["Say", "Hangup"]
    assert bye[0].get("language") == "pt-BR"


async def test_agreement_sms_fits_and_names_the_isp(db) -> None:
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="ANA LIMA")
    await make_receivable(customer, today - timedelta(days=30), "1234.56")
    await make_condition(SEED_OPTIONS, is_default=True)
    offer = next(
        o for o in await offers_for_customer(customer.id, today) if o.offer.installments == 4
    )
    agreement = await accept(offer.quote, channel=Channel.VOICE, today=today, settings=SETTINGS)
    text = await ivr.agreement_sms_text(agreement, customer, SETTINGS)
    assert sms_segments(text) <= MAX_SEGMENTS
    assert "CNPJ 11.222.333/0001-81" in text and "parcela 1/4" in text
    assert "https://t.me/QuitaBot?start=" in text


async def test_machine_after_the_person_confirmed_changes_nothing(db) -> None:
    customer = await make_customer(name="ANA LIMA")
    await CustomerPhone.create(customer=customer, number="+5519988887777")
    call = await Call.create(
        sid="CA" + "0" * 32,
        direction=CallDirection.OUTBOUND,
        customer=customer,
        to_number="+5519988887777",
        step=ivr.OFFERS,
        data={"confirmed": True},
        outcome=ContactOutcome.CONVERSATION,
    )
    assert await ivr.machine(call, "machine_end_beep", True, SETTINGS, clock.now()) is None
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.CONVERSATION and call.answered_by == "machine_end_beep"


def test_spoken_service_numbers_keep_their_groups() -> None:
    assert ivr.spoken_phone("0800 123 4567") == (
        "zero oito zero zero, um dois três, quatro cinco seis sete"
    )
    assert ivr.spoken_phone("4004-1234") == "quatro zero zero quatro, um dois três quatro"
