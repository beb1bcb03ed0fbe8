"""The phrase table spoken on a robot call: signed Twilio requests with SpeechResult, through
the same understanding as the chat's."""

from __future__ import annotations

import pytest

from models import Agreement, Call, DebtPause, InstallmentOption, PauseReason, ServiceTicket
from models.enums import ContactOutcome
from negotiation.understanding import Intent
from tests.negotiation.dialog_setup import debtor
from tests.negotiation.understanding_phrases import PHRASES
from tests.telephony.test_voice import Phone, _robot_call, phone_app  # noqa: F401  (fixture)


async def _at_offers(phone_app) -> tuple[Phone, Call]:  # noqa: F811
    customer = await debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    assert (await phone.speak("person", "sim, sou eu")).step == "cpf3"
    await phone.speak("cpf3", "cinco dois nove")  # the debt's own short turn
    assert (await phone.follow()).step == "offers"
    await call.refresh_from_db()
    assert len(call.data["offers"]) == 4
    return phone, call


async def _picked(call: Call) -> InstallmentOption:
    await call.refresh_from_db()
    return await InstallmentOption.get(id=call.data["choice"][1])


def _rows(*intents: Intent, per_intent: int = 4):
    seen: dict[Intent, int] = {}
    for row in PHRASES:
        if row[1] in intents and seen.get(row[1], 0) < per_intent:
            if row[1] == Intent.INSTALLMENTS and row[2] not in (1, 3, 6):
                continue  # only the installments the debtor is offered
            seen[row[1]] = seen.get(row[1], 0) + 1
            yield row


@pytest.mark.parametrize(
    ("text", "intent", "value", "down"),
    list(_rows(Intent.OPTION, Intent.INSTALLMENTS, per_intent=8)),
)
async def test_an_offer_named_in_words(phone_app, text, intent, value, down) -> None:  # noqa: F811
    phone, call = await _at_offers(phone_app)
    listed = call.data["offers"]
    answer = await phone.speak("offers", text)
    if intent == Intent.OPTION:
        await call.refresh_from_db()
        assert call.data["choice"] == listed[value - 1 if value > 0 else -1]
    else:
        option = await _picked(call)
        assert option.installments == value and (option.min_down_payment_pct > 0) == down
        assert answer.step == ("down" if down else "confirm")


async def test_six_times_is_the_option_without_a_down_payment(phone_app) -> None:  # noqa: F811
    phone, call = await _at_offers(phone_app)
    confirm = await phone.speak("offers", "quero parcelar em seis vezes")
    option = await _picked(call)
    assert confirm.step == "confirm"
    assert option.installments == 6 and option.min_down_payment_pct == 0


async def test_the_fourth_option_then_yes_makes_the_agreement(phone_app) -> None:  # noqa: F811
    phone, call = await _at_offers(phone_app)
    listed = call.data["offers"]
    answer = await phone.speak("offers", "a quarta opção")
    await call.refresh_from_db()
    assert call.data["choice"] == listed[3]
    if answer.step == "down":
        answer = await phone.speak("down", "cento e cinquenta reais")
    assert answer.step == "confirm"
    done = await phone.speak("confirm", "isso mesmo")
    assert done.hangs_up and await Agreement.exists(customer_id=call.customer_id)


async def test_a_down_payment_said_in_words(phone_app) -> None:  # noqa: F811
    phone, call = await _at_offers(phone_app)
    await phone.speak("offers", "6 vezes com entrada")
    confirm = await phone.speak("down", "cem reais")
    assert confirm.step == "confirm"
    await call.refresh_from_db()
    assert call.data["quote"]["down_payment"] == "100.00"


@pytest.mark.parametrize("said", ["não", "nao quero", "voltar"])
async def test_no_on_the_confirmation_goes_back_to_the_offers(phone_app, said) -> None:  # noqa: F811
    phone, _call = await _at_offers(phone_app)
    await phone.speak("offers", "à vista")
    assert (await phone.speak("confirm", said)).step == "offers"


@pytest.mark.parametrize(("text", "intent", "value", "down"), list(_rows(Intent.PERSON)))
async def test_a_person_asked_for_in_words(phone_app, text, intent, value, down) -> None:  # noqa: F811
    phone, _call = await _at_offers(phone_app)
    answer = await phone.speak("offers", text)
    assert answer.first("Enqueue") is not None or answer.step == "closed"


@pytest.mark.parametrize(("text", "intent", "value", "down"), list(_rows(Intent.REPEAT)))
async def test_repeat_in_words(phone_app, text, intent, value, down) -> None:  # noqa: F811
    phone, call = await _at_offers(phone_app)
    listed = phone.last
    answer = await phone.speak("offers", text)
    await call.refresh_from_db()
    # The same offers again: the offers' repeat key, not 9 (the next ones).
    assert answer.step == "offers" and call.keys[-1]["input"] == "*"
    assert answer.text == listed.text


@pytest.mark.parametrize(
    ("text", "intent", "value", "down"),
    list(_rows(Intent.YES, Intent.WRONG_PARTY, Intent.NO, per_intent=3)),
)
async def test_who_answered_in_words(phone_app, text, intent, value, down) -> None:  # noqa: F811
    customer = await debtor()
    call = await _robot_call(customer)
    phone = Phone(phone_app, phone_app.settings, call.sid)
    await phone.greet()
    answer = await phone.speak("person", text)
    await call.refresh_from_db()
    if intent == Intent.YES:
        assert answer.step == "cpf3"
    else:
        assert answer.hangs_up and call.outcome == ContactOutcome.WRONG_PARTY


@pytest.mark.parametrize(
    ("text", "intent", "value", "down"),
    list(
        _rows(
            Intent.GREETING,
            Intent.DEBT,
            Intent.AGREEMENTS,
            Intent.HELP,
            Intent.UNKNOWN,
            per_intent=2,
        )
    ),
)
async def test_what_is_no_answer_to_the_offers_asks_again(phone_app, text, intent, value, down):  # noqa: F811
    phone, _call = await _at_offers(phone_app)
    answer = await phone.speak("offers", text)
    assert answer.step == "offers"


@pytest.mark.parametrize(("text", "intent", "value", "down"), list(_rows(Intent.DIGITS)))
async def test_digits_said_one_by_one(phone_app, text, intent, value, down) -> None:  # noqa: F811
    from negotiation.ivr import keys_of

    assert keys_of(None, text, "cpf3") == value


@pytest.mark.parametrize(
    ("text", "intent", "value", "down"), list(_rows(Intent.PAID, per_intent=3))
)
async def test_paid_said_on_the_call_pauses_collection(phone_app, text, intent, value, down):  # noqa: F811
    phone, call = await _at_offers(phone_app)
    answer = await phone.speak("offers", text)
    assert answer.hangs_up and "conferir" in answer.text
    pause = await DebtPause.get(customer_id=call.customer_id)
    assert pause.reason == PauseReason.PAID and pause.channel == "voice"
    assert await ServiceTicket.exists(id=pause.ticket_id)


@pytest.mark.parametrize(
    ("text", "intent", "value", "down"), list(_rows(Intent.DISPUTE, per_intent=3))
)
async def test_dispute_said_on_the_call_pauses_and_hands_over(phone_app, text, intent, value, down):  # noqa: F811
    phone, call = await _at_offers(phone_app)
    answer = await phone.speak("offers", text)
    assert "contestação" in answer.text
    assert answer.first("Enqueue") is not None or answer.step == "closed"
    pause = await DebtPause.get(customer_id=call.customer_id)
    assert pause.reason == PauseReason.DISPUTE
