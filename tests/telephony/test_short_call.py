"""A short robot call, driven by signed requests as Twilio sends them: a neutral greeting until
the answering-machine detection says a person answered, the first given name (never a title),
every turn short, three offers at a time with their totals, figures in words; "0" reaches a
person only when someone can answer; the call's conversation closes when the call ends."""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from models import Call, Conversation, CustomerPhone, Message, ServiceTicket
from models.clock import today_in
from models.enums import ConversationState
from negotiation import inbox
from telephony import voice
from tests.factories import make_condition, make_customer, make_receivable
from tests.telephony.signing import TwiML, post_signed, spoken_words
from tests.telephony.test_voice import CPF, OUR_NUMBER, PHONE, WEDNESDAY, Phone, _robot_call
from tests.telephony.test_voice import phone_app as phone_app  # the fixture

MAX_WORDS = 70  # the most one turn may say
# Eight options, each costing more than the one before: none dominated, cheapest first.
EIGHT_OPTIONS = (
    (1, 0, "100", "12", "0"),
    (2, 30, "100", "10", "0"),
    (3, 30, "100", "8", "0"),
    (4, 30, "100", "6", "0"),
    (5, 30, "100", "4", "0"),
    (6, 30, "100", "2", "0"),
    (8, 30, "50", "1", "0"),  # a cent cheaper than 10x: not dominated, so all eight are shown
    (10, 30, "0", "0", "0"),
)
DIGIT_FIGURES = re.compile(r"\d+[.,:/]\d+|R\$|\d+ (parcela|dia|conta|hora)")


async def _titled_debtor(options=EIGHT_OPTIONS):
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(
        name="Dr. Josué Almeida Souza", document=CPF, birth_date=date(1975, 3, 9)
    )
    await CustomerPhone.create(customer=customer, number=PHONE)
    await make_receivable(customer, today - timedelta(days=40), "149.90")
    await make_receivable(customer, today - timedelta(days=10), "149.90")
    await make_condition(options, is_default=True)
    return customer


async def _follow(phone: Phone, twiml: TwiML) -> TwiML:
    """Twilio follows a `<Redirect>` to the dialog's next part."""
    redirect = twiml.first("Redirect")
    assert redirect is not None and "/twilio/voice/next/" in redirect.text, twiml.verbs
    return await phone.post(redirect.text.removeprefix("https://quita.example"))


async def _greeted_person(phone: Phone) -> tuple[TwiML, TwiML]:
    """Answer, the detection says a person, the greeting's follow-up asks who it is."""
    hello = await phone.answer()
    await phone.post("/twilio/voice/amd", AnsweredBy="human")
    return hello, await _follow(phone, hello)


def _numbers(twiml: TwiML) -> list[int]:
    """The offers' keys said in a turn (not 9 and 0)."""
    return [int(n) for n in re.findall(r"Tecle (\d) para", twiml.text) if n not in "90"]


def _words(turns: dict[str, TwiML]) -> dict[str, int]:
    return {name: spoken_words(twiml) for name, twiml in turns.items()}


async def test_robot_call_to_a_titled_debtor_is_short(phone_app) -> None:
    customer = await _titled_debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)

    hello, identity = await _greeted_person(phone)
    # Before the detection: only the neutral greeting, then a pause and a look again.
    assert hello.gather is None and hello.verbs == ["Say", "Pause", "Redirect"]
    assert "Provedor Exemplo" in hello.text and "Josué" not in hello.text
    assert identity.step == "person" and "falo com Josué?" in identity.text

    ask_cpf = await phone.press("person", "1")
    debt = await phone.press("cpf3", CPF[:3])
    assert debt.gather is None and "Obrigado, Josué" in debt.text
    assert "duas contas em atraso somam" in debt.text and "oito propostas" in debt.text
    offers = await _follow(phone, debt)
    assert offers.step == "offers"
    # The cheapest first, each with its total; 9 for the next ones. As many as fit a short
    # turn (three at most): these amounts in words are long, so two.
    assert _numbers(offers) == [1, 2]
    assert "Tecle 1 para pagar à vista" in offers.text
    assert "Tecle 2 para duas parcelas de" in offers.text
    assert offers.text.count(", total ") == 1  # the installment offer's total
    assert "Tecle 9 para mais opções" in offers.text
    pages = [offers]
    while "Tecle 9 para mais opções" in pages[-1].text:
        pages.append(await phone.press("offers", "9"))
    said = [n for page in pages for n in _numbers(page)]
    assert said == list(range(1, 9))  # every offer once, in order, paged
    assert all(1 <= len(_numbers(page)) <= 3 for page in pages)
    assert "Tecle 9 para ouvir desde o início" in pages[-1].text
    more, last = pages[1], pages[-1]
    again = await phone.press("offers", "9")
    assert again.text == offers.text  # after the last ones, the first again

    confirm = await phone.press("offers", "2")
    assert confirm.step == "confirm"
    assert re.search(r"duas parcelas de .+ a cada trinta dias\. Total de .+ reais", confirm.text)
    assert "Desconto de" in confirm.text
    done = await phone.press("confirm", "1")
    assert done.hangs_up and "Pronto, Josué!" in done.text

    turns = {
        "greeting": hello,
        "identity": identity,
        "cpf": ask_cpf,
        "identified+debt": debt,
        "offers page": offers,
        "offers, next page": more,
        "offers, last page": last,
        "confirm": confirm,
        "agreement": done,
    }
    words = _words(turns)
    print("words per turn:", words)
    for name, twiml in turns.items():
        print(name, "|", twiml.text)
    for name, twiml in turns.items():
        assert words[name] <= MAX_WORDS, (name, words[name], twiml.text)
        assert "Dr" not in twiml.text, twiml.text  # the title is never said
        assert not DIGIT_FIGURES.search(twiml.text), twiml.text  # figures in words


async def test_nine_pages_to_offers_four_to_six(phone_app) -> None:
    """Amounts short in words: three offers a turn, 9 for the next three."""
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="Sra. Ana Lima", document=CPF)
    await CustomerPhone.create(customer=customer, number=PHONE)
    await make_receivable(customer, today - timedelta(days=1), "50.00")
    await make_condition(EIGHT_OPTIONS, is_default=True, fine_pct=0, interest_pct=0)
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    _, identity = await _greeted_person(phone)
    assert "falo com Ana?" in identity.text and "Sra" not in identity.text
    await phone.press("person", "1")
    first = await _follow(phone, await phone.press("cpf3", CPF[:3]))
    assert _numbers(first) == [1, 2, 3]
    more = await phone.press("offers", "9")
    assert _numbers(more) == [4, 5, 6]
    assert "Tecle 4 para quatro parcelas de" in more.text and ", total " in more.text
    last = await phone.press("offers", "9")
    assert _numbers(last) == [7, 8]
    # A key of the second page picks that offer.
    await phone.press("offers", "9")
    await phone.press("offers", "9")
    confirm = await phone.press("offers", "5")
    assert confirm.step == "confirm" and "cinco parcelas de" in confirm.text
    for turn in (identity, first, more, last, confirm):
        assert spoken_words(turn) <= MAX_WORDS


@pytest.mark.parametrize("words", ["repetir", "repete", "de novo"])
async def test_saying_repeat_at_the_offers_says_the_same_page(phone_app, words) -> None:
    """9 is the next offers; "repetir" said is the same ones again."""
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="Sra. Ana Lima", document=CPF)
    await CustomerPhone.create(customer=customer, number=PHONE)
    await make_receivable(customer, today - timedelta(days=1), "50.00")
    await make_condition(EIGHT_OPTIONS, is_default=True, fine_pct=0, interest_pct=0)
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await _greeted_person(phone)
    await phone.press("person", "1")
    await _follow(phone, await phone.press("cpf3", CPF[:3]))
    more = await phone.press("offers", "9")
    assert _numbers(more) == [4, 5, 6]
    again = await phone.speak("offers", words)
    assert again.step == "offers" and _numbers(again) == [4, 5, 6]
    assert again.text == more.text
    assert _numbers(await phone.press("offers", "9")) == [7, 8]  # 9 still the next ones
    assert _numbers(await phone.press("offers", "*")) == [7, 8]  # the keypad's * repeats too


async def test_an_answering_machine_hears_only_the_neutral_greeting(phone_app, twilio_api) -> None:
    customer = await _titled_debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    hello = await phone.answer()
    waiting = await _follow(phone, hello)  # the detection has not answered yet
    assert waiting.says() == [] and waiting.verbs == ["Pause", "Redirect"]
    await phone.post("/twilio/voice/amd", AnsweredBy="machine_end_beep")
    late = await _follow(phone, waiting)
    # What the machine heard: the greeting, then the voicemail message (replaced by the API).
    [update] = twilio_api.updates
    voicemail = TwiML(ET.fromstring(update["Twiml"]))
    for heard in (hello, waiting, late, voicemail):
        assert "Josué" not in heard.text and "Dr" not in heard.text
        assert not re.search(r"reais|conta|parcela|CPF", heard.text)
    assert late.hangs_up and "retorne a ligação" in voicemail.text


async def test_zero_without_an_attendant_line_gives_a_callback_ticket(phone_app, monkeypatch):
    monkeypatch.setattr(voice, "now", lambda: WEDNESDAY)  # inside the attendants' hours
    customer = await _titled_debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await _greeted_person(phone)
    await phone.press("person", "1")
    await _follow(phone, await phone.press("cpf3", CPF[:3]))
    offer = await phone.press("offers", "0")
    assert offer.first("Enqueue") is None and offer.first("Dial") is None
    assert offer.step == "closed" and "ligar de volta" in offer.text
    assert "ainda hoje, até às dezoito horas" in offer.text
    done = await phone.press("closed", "1")
    assert done.hangs_up and "ainda hoje, até às dezoito horas" in done.text
    assert done.first("Enqueue") is None
    assert spoken_words(offer) <= MAX_WORDS and spoken_words(done) <= MAX_WORDS

    # The attendants see it waiting in the inbox, with the number and the customer.
    [item] = await inbox.listing()
    assert item.conversation.state == ConversationState.WAITING
    assert item.conversation.customer_id == customer.id
    texts = [m.text for m in await Message.filter(conversation_id=item.conversation.id)]
    assert any(PHONE in t and customer.name in t for t in texts)
    assert await ServiceTicket.filter(customer_id=customer.id).exists()

    # The call ends: a conversation waiting for a person stays open.
    await _status(phone_app, call.sid, "completed")
    assert (await Conversation.get(id=item.conversation.id)).state == ConversationState.WAITING


async def test_zero_dials_only_a_configured_line_inside_hours(phone_app, monkeypatch) -> None:
    monkeypatch.setattr(voice, "now", lambda: WEDNESDAY)
    settings = phone_app.settings.model_copy(update={"attendant_number": "+551933334444"})
    phone_app.app.state.settings = settings
    call = await _robot_call(await _titled_debtor())
    phone = Phone(phone_app, settings, call.sid)
    await _greeted_person(phone)
    transfer = await phone.press("person", "0")
    assert transfer.first("Dial").text == "+551933334444" and transfer.first("Enqueue") is None


async def _transferred(phone_app, monkeypatch) -> tuple[Phone, Call, TwiML]:
    """A confirmed debtor presses 0 at the offers, inside hours, with an attendants' line."""
    monkeypatch.setattr(voice, "now", lambda: WEDNESDAY)
    settings = phone_app.settings.model_copy(update={"attendant_number": "+551933334444"})
    phone_app.app.state.settings = settings
    call = await _robot_call(await _titled_debtor())
    phone = Phone(phone_app, settings, call.sid)
    await _greeted_person(phone)
    await phone.press("person", "1")
    await _follow(phone, await phone.press("cpf3", CPF[:3]))
    transfer = await phone.press("offers", "0")
    dial = transfer.first("Dial")
    assert dial.text == "+551933334444" and transfer.verbs[-1] == "Dial"
    assert dial.get("action") == "https://quita.example/twilio/voice/dialed"
    return phone, call, transfer


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
async def test_unanswered_transfer_offers_the_callback(phone_app, monkeypatch, status) -> None:
    phone, call, _ = await _transferred(phone_app, monkeypatch)
    offer = await phone.post("/twilio/voice/dialed", DialCallStatus=status, DialCallDuration="0")
    assert offer.step == "closed" and not offer.hangs_up
    assert "ligar de volta" in offer.text and "ainda hoje, até às dezoito horas" in offer.text
    assert (await phone.resend()).step == "closed"  # Twilio's retry: the same question
    done = await phone.press("closed", "1")
    assert done.hangs_up and "Combinado" in done.text
    [item] = await inbox.listing()
    assert item.conversation.state == ConversationState.WAITING
    texts = [m.text for m in await Message.filter(conversation_id=item.conversation.id)]
    assert any(PHONE in t for t in texts)
    assert await ServiceTicket.filter(customer_id=call.customer_id).exists()


async def test_unanswered_transfer_two_says_goodbye(phone_app, monkeypatch) -> None:
    phone, call, _ = await _transferred(phone_app, monkeypatch)
    await phone.post("/twilio/voice/dialed", DialCallStatus="no-answer")
    bye = await phone.press("closed", "2")
    assert bye.hangs_up and bye.gather is None
    assert not await ServiceTicket.filter(customer_id=call.customer_id).exists()


async def test_answered_transfer_ends_with_goodbye(phone_app, monkeypatch) -> None:
    phone, call, _ = await _transferred(phone_app, monkeypatch)
    bye = await phone.post("/twilio/voice/dialed", DialCallStatus="completed")
    assert bye.hangs_up and bye.gather is None and bye.first("Dial") is None
    await call.refresh_from_db()
    assert call.step == "done"


async def test_unidentified_caller_callback_outside_hours(phone_app) -> None:
    settings = phone_app.settings.model_copy(
        update={"attendant_weekday_hours": "", "attendant_saturday_hours": "08:00-12:00"}
    )
    phone_app.app.state.settings = settings
    sid = "CA" + secrets.token_hex(16)
    phone = Phone(phone_app, settings, sid, inbound_from="+5511900001111")
    await phone.answer()
    closed = await phone.press("document", "0")
    assert closed.step == "closed" and "aos sábados, das oito ao meio-dia" in closed.text
    assert "a partir de" in closed.text and "às oito horas" in closed.text
    assert spoken_words(closed) <= MAX_WORDS
    await phone.press("closed", "1")
    [item] = await inbox.listing()
    assert item.conversation.customer_id is None
    assert item.contact == "+5511900001111"  # the number to call back, not the call's SID
    texts = [m.text for m in await Message.filter(conversation_id=item.conversation.id)]
    assert any("+5511900001111" in t and "não identificada" in t for t in texts)


async def _status(client, sid: str, status: str) -> None:
    params = {
        "CallSid": sid,
        "CallStatus": status,
        "AccountSid": client.settings.twilio_account_sid,
        "From": OUR_NUMBER,
        "To": PHONE,
        "Direction": "outbound-api",
    }
    response = await post_signed(client, client.settings, "/twilio/voice/status", params)
    assert response.status_code == 204


async def test_the_call_conversation_closes_when_the_call_ends(phone_app) -> None:
    customer = await _titled_debtor()
    for status in ("completed", "no-answer", "busy", "failed"):
        call = await _robot_call(customer)
        phone = Phone(phone_app, phone_app.settings, call.sid)
        await _greeted_person(phone)
        await phone.press("person", "1")
        await phone.press("cpf3", CPF[:3])  # identified: the conversation is open
        conversation = await Conversation.get(external_ref=call.sid)
        assert conversation.state == ConversationState.BOT
        await _status(phone_app, call.sid, status)
        await conversation.refresh_from_db()
        assert conversation.state == ConversationState.CLOSED, status
        assert conversation.closed_at is not None
        # What was said is on its timeline.
        assert await Message.filter(conversation_id=conversation.id).exists()
    assert await inbox.listing() == []


async def test_a_person_known_before_the_answer_is_asked_at_once(phone_app) -> None:
    call = await _robot_call(await _titled_debtor())
    phone = Phone(phone_app, phone_app.settings, call.sid)
    hello = await phone.post("/twilio/voice", AnsweredBy="human")  # synchronous detection
    assert hello.step == "person" and "Provedor Exemplo" in hello.text
    assert "falo com Josué?" in hello.text and spoken_words(hello) <= MAX_WORDS


async def test_without_a_detection_result_the_question_comes_after_its_timeout(phone_app):
    call = await _robot_call(await _titled_debtor())
    phone = Phone(phone_app, phone_app.settings, call.sid)
    twiml = await phone.answer()
    waits = 0
    while twiml.gather is None:
        twiml = await _follow(phone, twiml)
        waits += 1
        assert waits <= 60
    # Twilio's detection answers within 30 s; past 40 s without a result, ask anyway.
    assert twiml.step == "person" and waits > 30
