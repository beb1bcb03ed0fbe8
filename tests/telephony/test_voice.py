"""The voice dialog end to end: signed requests as Twilio sends them, into the real app, TwiML
parsed and asserted by verb and attribute; SMS and call updates go to the fake Twilio API."""

from __future__ import annotations

import re
import secrets
import shutil
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models import (
    Agreement,
    Call,
    ContactAttempt,
    Conversation,
    Customer,
    CustomerPhone,
    Delivery,
    IdentityLock,
    Message,
    ServiceTicket,
)
from models.clock import today_in
from models.enums import (
    AgreementStatus,
    CallDirection,
    CallStatus,
    Channel,
    ContactOutcome,
    ConversationState,
    DeliveryStatus,
)
from negotiation.payments import boleto, pix
from quita.db import close_db, open_db
from telephony import voice
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.fakes.twilio_api import FakeTwilioApi
from tests.telephony.signing import TwiML, post_signed, spoken_words, twilio_app

CPF = "52998224725"
PHONE = "+5519988887777"
OUR_NUMBER = "+5519999990000"
# A Wednesday, 14:00 in São Paulo: the attendants are working.
WEDNESDAY = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
DEBT_WORDS = re.compile(r"R\$|rea(l|is)|centavo|\d+[.,]\d\d|conta|parcela|d[ií]vida", re.I)


def voice_settings(twilio_api: FakeTwilioApi, db: str, **extra):
    values = {
        "database_url": db,
        "secret_key": "x" * 40,
        "public_base_url": "https://quita.example",
        "jobs": False,
    }
    values.update(extra)
    return twilio_api.settings(**values)


async def _debtor(**extra) -> Customer:
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(
        name="MARIA DA SILVA", document=CPF, birth_date=date(1980, 5, 17), **extra
    )
    await CustomerPhone.create(customer=customer, number=PHONE)
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_receivable(customer, today - timedelta(days=10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    return customer


async def _robot_call(customer: Customer) -> Call:
    return await Call.create(
        sid="CA" + secrets.token_hex(16),
        direction=CallDirection.OUTBOUND,
        status=CallStatus.RINGING,
        customer=customer,
        to_number=PHONE,
        from_number=OUR_NUMBER,
    )


class Phone:
    """One call as Twilio drives it."""

    def __init__(self, client, settings, sid: str, *, inbound_from: str | None = None):
        self.client, self.settings, self.sid = client, settings, sid
        if inbound_from is None:
            self.base = {
                "CallSid": sid,
                "From": OUR_NUMBER,
                "To": PHONE,
                "Direction": "outbound-api",
            }
        else:
            self.base = {
                "CallSid": sid,
                "From": inbound_from,
                "To": OUR_NUMBER,
                "Direction": "inbound",
            }
        self.base["AccountSid"] = settings.twilio_account_sid
        self.base["CallStatus"] = "in-progress"

        self.last: TwiML | None = None
        self.sent: tuple[str, dict[str, str]] | None = None

    async def post(self, path: str, **fields: str) -> TwiML:
        params = {**self.base, **fields}
        self.sent = (path, params)
        response = await post_signed(self.client, self.settings, path, params)
        self.last = TwiML.of(response)
        return self.last

    async def resend(self) -> TwiML:
        """Twilio repeats the last request exactly."""
        path, params = self.sent
        return TwiML.of(await post_signed(self.client, self.settings, path, params))

    def _url(self, kind: str, step: str) -> str:
        """Where Twilio would post: the last TwiML's own URL for that step (with its turn)."""
        if self.last is not None and self.last.gather is not None and self.last.step == step:
            url = (
                self.last.gather.get("action")
                if kind == "gather"
                else self.last.first("Redirect").text
            )
            return url.removeprefix("https://quita.example")
        return f"/twilio/voice/{kind}/{step}"

    async def answer(self) -> TwiML:
        return await self.post("/twilio/voice")

    async def follow(self, twiml: TwiML | None = None) -> TwiML:
        """Twilio follows the answer's `<Redirect>` to the dialog's next part."""
        redirect = (twiml or self.last).first("Redirect")
        return await self.post(redirect.text.removeprefix("https://quita.example"))

    async def greet(self) -> TwiML:
        """A robot call answered by a person: the neutral greeting, the detection's "human",
        then the question of who it is."""
        self.greeting = await self.answer()
        await self.post("/twilio/voice/amd", AnsweredBy="human")
        return await self.follow(self.greeting)

    async def press(self, step: str, digits: str) -> TwiML:
        return await self.post(self._url("gather", step), Digits=digits)

    async def speak(self, step: str, words: str) -> TwiML:
        return await self.post(self._url("gather", step), SpeechResult=words)

    async def silent(self, step: str) -> TwiML:
        return await self.post(self._url("silence", step))


@pytest.fixture
async def phone_app(db, twilio_api) -> AsyncIterator:
    settings = voice_settings(twilio_api, db)
    async with twilio_app(settings) as client:
        client.settings = settings
        yield client


def _assert_question(twiml: TwiML, step: str, settings) -> None:
    gather = twiml.gather
    assert gather is not None, twiml.verbs
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "pt-BR"
    assert "sim" in gather.get("hints") and "dois" in gather.get("hints")
    assert re.fullmatch(
        rf"https://quita\.example/twilio/voice/gather/{step}\?turn=\d+", gather.get("action")
    )
    assert gather.get("method") == "POST"
    assert twiml.verbs == ["Gather", "Redirect"]
    redirect = twiml.first("Redirect")
    assert redirect.text == gather.get("action").replace("/gather/", "/silence/")
    for say in twiml.says():
        assert say.get("language") == "pt-BR"
        assert say.get("voice") == settings.twilio_voice


def _key_for(twiml: TwiML, words: str) -> str:
    match = re.search(r"Tecle (\d) para " + words, twiml.text)
    assert match, twiml.text
    return match[1]


# --- the robot call, from answer to agreement ---------------------------------------------


async def test_outbound_call_to_agreement_and_sms(each_db, twilio_api) -> None:
    settings = voice_settings(twilio_api, each_db)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)

        hello = await phone.greet()
        _assert_question(hello, "person", settings)
        assert hello.gather.get("numDigits") == "1"
        assert "Maria?" in hello.text and "Provedor Exemplo" in phone.greeting.text
        assert "Maria" not in phone.greeting.text  # nobody known to be there yet
        assert not DEBT_WORDS.search(hello.text)  # nothing about a debt before confirmation

        ask_cpf = await phone.press("person", "1")
        _assert_question(ask_cpf, "cpf3", settings)
        assert "três primeiros números do seu CPF" in ask_cpf.text
        assert not DEBT_WORDS.search(ask_cpf.text)

        debt = await phone.press("cpf3", CPF[:3])
        assert "reais e" in debt.text and "centavos" in debt.text
        assert "duas contas em atraso" in debt.text
        offers = await phone.follow()
        _assert_question(offers, "offers", settings)
        text = offers.text
        assert "Tecle 1 para pagar à vista" in text and "Tecle 9" in text
        assert "0 para um atendente" in text
        assert "R$" not in text  # amounts are spoken as words
        while "para entrada de" not in offers.text:  # the offer with a down payment
            offers = await phone.press("offers", "9")

        down = await phone.press("offers", _key_for(offers, "entrada de"))
        _assert_question(down, "down", settings)
        assert down.gather.get("finishOnKey") == "#" and down.gather.get("numDigits") is None
        assert "entrada mínima" in down.text and spoken_words(down) <= 70

        confirm = await phone.press("down", "1")
        _assert_question(confirm, "confirm", settings)
        assert "Tecle 1 para confirmar" in confirm.text and "Total de" in confirm.text

        done = await phone.press("confirm", "1")
        assert done.hangs_up and done.gather is None
        assert "Acordo número" in done.text and "SMS" in done.text

        # Twilio repeats the last request: nothing twice.
        again = await phone.resend()
        assert again.hangs_up and "Acordo número" not in again.text

    agreement = await Agreement.get(customer_id=customer.id)
    assert agreement.status == AgreementStatus.ACTIVE and str(agreement.channel) == "voice"
    assert agreement.down_payment is not None
    assert await Agreement.filter(customer_id=customer.id).count() == 1
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.AGREEMENT and call.agreement_id == agreement.id
    assert call.step == "done"
    # The offer with a down payment was on the second page: 9, then its key.
    steps = ["person", "cpf3", "offers", "offers", "down", "confirm"]
    assert [k["step"] for k in call.keys] == steps
    assert call.keys[1]["input"] == "***"  # CPF digits are not kept
    assert await ContactAttempt.filter(
        customer_id=customer.id, outcome=ContactOutcome.CONVERSATION, entry_id=None
    ).exists()

    # The SMS: ISP and CNPJ, boleto line, PIX copy-and-paste, the debtor's link to the bot.
    assert len(twilio_api.messages) == 1
    sms = twilio_api.messages[0]
    assert sms["To"] == PHONE and sms["StatusCallback"].endswith("/twilio/sms/status")
    body = sms["Body"]
    assert settings.isp_name in body and settings.isp_cnpj in body
    payload = body.split("PIX copia e cola:\n")[1].split("\n")[0]
    line = body.split("Boleto: ")[1].split("\n")[0]
    today = today_in(settings.timezone)
    assert pix.parse(payload).amount == agreement.down_payment
    assert boleto.parse(line, today).amount == agreement.down_payment
    assert re.search(r"https://t\.me/QuitaBot\?start=[\w-]{20,}", body)
    delivery = await Delivery.get(agreement_id=agreement.id)
    assert delivery.status == DeliveryStatus.SENT and delivery.external_id.startswith("SM")

    # The timeline: what the robot said and what was pressed.
    conversation = await Conversation.get(external_ref=call.sid)
    assert conversation.customer_id == customer.id
    texts = [m.text for m in await Message.filter(conversation_id=conversation.id)]
    assert any("Maria?" in t for t in texts) and "***" in texts
    assert any("Acordo número" in t for t in texts)


async def test_speech_answers_work_like_keys(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    ask_cpf = await phone.speak("person", "Sim.")
    assert ask_cpf.step == "cpf3"
    debt = await phone.speak("cpf3", "cinco dois nove")
    assert "reais" in debt.text and (await phone.follow()).step == "offers"


# --- who answered -----------------------------------------------------------------------------


async def test_machine_gets_a_neutral_message(phone_app, twilio_api) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    hello = await phone.answer()
    assert not DEBT_WORDS.search(hello.text)

    answer = await phone.post("/twilio/voice/amd", AnsweredBy="machine_end_beep")
    assert answer.verbs == []
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.VOICEMAIL and call.answered_by == "machine_end_beep"

    # The live call's TwiML is replaced through the REST API with the neutral message.
    [update] = twilio_api.updates
    assert update["sid"] == call.sid
    replaced = TwiML(ET.fromstring(update["Twiml"]))
    assert "Provedor Exemplo" in replaced.text and replaced.hangs_up
    assert not DEBT_WORDS.search(replaced.text)
    # The only figures are the number to call back (the ISP's), read digit by digit.
    number = "um nove, três três três três, quatro quatro quatro quatro"
    assert number in replaced.text
    assert not re.search(r"\d", replaced.text)

    # Keys from the voicemail greeting change nothing and still say nothing about the debt.
    late = await phone.press("person", "1")
    assert late.hangs_up and not DEBT_WORDS.search(late.text)
    for twiml in (hello, late):
        assert "R$" not in twiml.text and "reais" not in twiml.text
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.VOICEMAIL


async def test_machine_detected_before_the_answer_url(phone_app) -> None:
    settings = phone_app.settings.model_copy(update={"attendant_number": "+551932325555"})
    phone_app.app.state.settings = settings
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, settings, call.sid)
    await phone.post("/twilio/voice/amd", AnsweredBy="fax")
    hello = await phone.answer()
    assert hello.hangs_up and hello.gather is None
    # The attendants' own line rather than the ISP's service number.
    assert "um nove, três dois três dois, cinco cinco cinco cinco" in hello.text
    assert "três três três três" not in hello.text
    assert not DEBT_WORDS.search(hello.text)


async def test_human_answer_only_recorded(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    hello = await phone.answer()
    await phone.post("/twilio/voice/amd", AnsweredBy="human")
    await call.refresh_from_db()
    assert call.answered_by == "human" and call.outcome is None and call.step == "hello"
    asked = await phone.follow(hello)  # now the person is asked who they are
    assert asked.step == "person" and "Maria?" in asked.text


async def test_wrong_party_ends_politely(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    bye = await phone.press("person", "2")
    assert bye.hangs_up and bye.gather is None and "desculpe o incômodo" in bye.text
    assert not DEBT_WORDS.search(bye.text)
    await call.refresh_from_db()
    assert call.outcome == ContactOutcome.WRONG_PARTY


async def test_three_wrong_cpf_tries_end_the_call(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    await phone.press("person", "1")
    first = await phone.press("cpf3", "111")
    assert first.step == "cpf3" and "não conferem" in first.text
    # A retry of the same request does not count twice.
    again = await phone.resend()
    assert again.step == "cpf3"
    await call.refresh_from_db()
    assert call.data["tries"] == 1
    await phone.press("cpf3", "222")
    bye = await phone.press("cpf3", "333")
    assert bye.hangs_up and "Não foi possível confirmar" in bye.text
    # The ISP's service number, digit by digit.
    assert "ligue para um nove, três três três três, quatro quatro quatro quatro" in bye.text
    for text in (first.text, bye.text):
        assert not DEBT_WORDS.search(text)
    await call.refresh_from_db()
    assert call.step == "done" and call.outcome is None
    assert (await IdentityLock.get(handle=f"voice:{PHONE}")).failures == 3


async def test_silence_repeats_twice_then_goodbye(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    hello = await phone.greet()
    for _ in range(2):
        repeat = await phone.silent("person")
        _assert_question(repeat, "person", phone_app.settings)
        assert repeat.text == hello.text
    # A stale silence redirect (another step) counts nothing.
    stale = await phone.silent("offers")
    assert stale.step == "person"
    bye = await phone.silent("person")
    assert bye.hangs_up and "Não recebemos resposta" in bye.text
    await call.refresh_from_db()
    assert call.silences == 3 and call.step == "done"


# --- a person ---------------------------------------------------------------------------------


async def test_zero_inside_hours_without_a_line_offers_a_callback(phone_app, monkeypatch):
    """No attendants' line configured: never a queue nobody serves, a callback instead."""
    monkeypatch.setattr(voice, "now", lambda: WEDNESDAY)
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    offer = await phone.press("person", "0")
    _assert_question(offer, "closed", phone_app.settings)
    assert offer.first("Enqueue") is None and offer.first("Dial") is None
    assert "ligar de volta para você ainda hoje" in offer.text
    done = await phone.press("closed", "1")
    assert done.hangs_up and done.first("Enqueue") is None and "Combinado" in done.text
    conversation = await Conversation.get(external_ref=call.sid)
    assert conversation.state == ConversationState.WAITING


async def test_zero_dials_the_attendant_number_when_set(phone_app, monkeypatch) -> None:
    monkeypatch.setattr(voice, "now", lambda: WEDNESDAY)
    settings = phone_app.settings.model_copy(update={"attendant_number": "+551933334444"})
    phone_app.app.state.settings = settings
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, settings, call.sid)
    await phone.greet()
    transfer = await phone.press("person", "0")
    assert transfer.first("Dial").text == "+551933334444"


async def test_zero_outside_hours_offers_a_callback(phone_app) -> None:
    settings = phone_app.settings.model_copy(
        update={"attendant_weekday_hours": "", "attendant_saturday_hours": ""}
    )
    phone_app.app.state.settings = settings
    customer = await _debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, settings, call.sid)
    await phone.greet()
    await phone.press("person", "1")
    await phone.press("cpf3", CPF[:3])
    await phone.follow()
    offer = await phone.press("offers", "0")
    _assert_question(offer, "closed", settings)
    assert "ligar de volta" in offer.text and offer.first("Enqueue") is None
    done = await phone.press("closed", "1")
    assert done.hangs_up and "Combinado" in done.text
    conversation = await Conversation.get(external_ref=call.sid)
    assert conversation.state == ConversationState.WAITING
    ticket = await ServiceTicket.get(customer_id=customer.id)
    assert call.sid in ticket.description


# --- inbound calls --------------------------------------------------------------------------


async def test_inbound_identified_by_caller_id(phone_app) -> None:
    customer = await _debtor()
    sid = "CA" + secrets.token_hex(16)
    phone = Phone(phone_app, phone_app.settings, sid, inbound_from=PHONE)
    hello = await phone.answer()
    assert "você ligou" in hello.text and "Maria?" in hello.text
    assert not DEBT_WORDS.search(hello.text)
    assert not await Call.exists(sid=sid)  # the first question writes nothing
    again = await phone.resend()  # Twilio repeats the request: the same question
    assert again.text == hello.text and again.gather.get("action") == hello.gather.get("action")
    await phone.press("person", "1")
    call = await Call.get(sid=sid)  # written by the key press, with the first answer's state
    assert call.direction == CallDirection.INBOUND and call.customer_id == customer.id
    assert call.from_number == PHONE and call.step == "cpf3"
    assert [k["step"] for k in call.keys] == ["person"]
    debt = await phone.press("cpf3", CPF[:3])
    assert "reais" in debt.text and (await phone.follow()).step == "offers"


async def test_inbound_identified_by_typed_cpf(phone_app) -> None:
    customer = await _debtor()
    sid = "CA" + secrets.token_hex(16)
    phone = Phone(phone_app, phone_app.settings, sid, inbound_from="+5511900001111")
    hello = await phone.answer()
    _assert_question(hello, "document", phone_app.settings)
    assert hello.gather.get("finishOnKey") == "#" and "CPF ou CNPJ" in hello.text
    second = await phone.press("document", CPF)
    assert second.step == "second_factor" and not DEBT_WORDS.search(second.text)
    wrong = await phone.press("second_factor", "01011990")
    assert wrong.step == "document" and "não conferem" in wrong.text
    await phone.press("document", CPF)
    debt = await phone.press("second_factor", "17051980")
    assert "Maria" in debt.text and "reais" in debt.text
    assert (await phone.follow()).step == "offers"
    call = await Call.get(sid=sid)
    assert call.customer_id == customer.id and call.outcome == ContactOutcome.CONVERSATION
    # Masked as the chat masks them (negotiation.masking): nothing in clear on the call.
    inputs = [k["input"] for k in call.keys]
    assert "CPF 529.***.***-25" in inputs and "[data de nascimento informada]" in inputs
    assert not any(CPF in i or "17051980" in i or "01011990" in i for i in inputs)


async def test_inbound_unknown_document_is_not_revealed(phone_app) -> None:
    await _debtor()
    sid = "CA" + secrets.token_hex(16)
    phone = Phone(phone_app, phone_app.settings, sid, inbound_from="+5511900001111")
    await phone.answer()
    bad = await phone.press("document", "12345")
    assert bad.step == "document" and "Não reconheci" in bad.text
    # A valid CPF of nobody: the same second question as for a customer.
    asked = await phone.press("document", "11144477735")
    assert asked.step == "second_factor"


async def test_changing_the_caller_id_does_not_reset_the_guesses(phone_app) -> None:
    await _debtor()
    for n in range(5):
        caller = f"+551190000{n:04d}"
        phone = Phone(
            phone_app, phone_app.settings, "CA" + secrets.token_hex(16), inbound_from=caller
        )
        await phone.answer()
        await phone.press("document", CPF)
        wrong = await phone.press("second_factor", "01011990")
    # The fifth caller's failure locks the CPF: the call ends, saying for how long.
    assert wrong.hangs_up and "bloqueada por 15 minutos" in wrong.text
    sixth = Phone(
        phone_app, phone_app.settings, "CA" + secrets.token_hex(16), inbound_from="+5511977776666"
    )
    await sixth.answer()
    await sixth.press("document", CPF)
    refused = await sixth.press("second_factor", "17051980")
    assert refused.hangs_up and "bloqueada" in refused.text
    assert not DEBT_WORDS.search(refused.text) and "Maria" not in refused.text
    assert (await IdentityLock.get(handle=f"document:{CPF}")).locked_until is not None


# --- security and failures ------------------------------------------------------------------


async def test_unsigned_or_tampered_requests_get_403(phone_app) -> None:
    customer = await _debtor()
    call = await _robot_call(customer)
    params = {"CallSid": call.sid, "From": OUR_NUMBER, "To": PHONE, "Direction": "outbound-api"}
    unsigned = await post_signed(phone_app, phone_app.settings, "/twilio/voice", params, sign=False)
    assert unsigned.status_code == 403
    good = TwiML.of(await post_signed(phone_app, phone_app.settings, "/twilio/voice", params)).text
    assert "Provedor Exemplo" in good and "Maria" not in good
    from tests.telephony.signing import signature

    headers = {
        "X-Twilio-Signature": signature(phone_app.settings, "/twilio/voice/gather/person", params)
    }
    tampered = await phone_app.post(
        "/twilio/voice/gather/person", data={**params, "Digits": "1"}, headers=headers
    )
    assert tampered.status_code == 403
    other_path = await phone_app.post("/twilio/voice/gather/cpf3", data=params, headers=headers)
    assert other_path.status_code == 403
    await call.refresh_from_db()
    assert call.step == "hello" and call.keys == []
    for path in ("/twilio/voice/amd", "/twilio/voice/silence/person", "/twilio/voice/next/hello"):
        assert (await phone_app.post(path, data=params)).status_code == 403


@pytest.fixture
async def throwaway_db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[str]:
    """A SQLite file of the test's own, which it may break."""
    copy = tmp_path / "broken.db"
    shutil.copyfile(sqlite_template, copy)
    url = f"sqlite://{copy}"
    EXECUTOR_CACHE.clear()
    await open_db(url)
    try:
        yield url
    finally:
        await close_db()


@pytest.mark.parametrize("attendant", [None, "+551933334444"])
async def test_broken_database_gets_apology_twiml(throwaway_db, twilio_api, attendant) -> None:
    settings = voice_settings(twilio_api, throwaway_db, attendant_number=attendant)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        await phone.answer()
        await connections.get("default").execute_script('DROP TABLE "call"')
        for twiml in (
            await phone.press("person", "1"),
            await phone.silent("person"),
            await phone.answer(),
        ):
            assert "Desculpe, tivemos um problema técnico" in twiml.text
            if attendant:
                assert twiml.first("Dial").text == attendant
            else:
                assert twiml.hangs_up and twiml.first("Dial") is None


async def test_silence_after_the_active_agreement_says_it_again(phone_app) -> None:
    """A debtor who already has an agreement hears about it again on a silence, never that
    there is no offer for the debt."""
    from negotiation.accept import accept
    from negotiation.offers import offers_for_customer

    customer = await _debtor()
    today = today_in("America/Sao_Paulo")
    quote = (await offers_for_customer(customer.id, today))[0].quote
    await accept(quote, channel=Channel.CONSOLE, today=today, settings=phone_app.settings)
    phone = Phone(phone_app, phone_app.settings, "CA" + secrets.token_hex(16), inbound_from=PHONE)
    await phone.answer()
    await phone.press("person", "1")
    told = await phone.press("cpf3", CPF[:3])
    assert "acordo ativo" in told.text
    again = await phone.silent("offers")
    assert "acordo ativo" in again.text and "não temos uma proposta" not in again.text
