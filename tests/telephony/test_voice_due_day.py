"""The debtor chooses the first due date on a robot call: at the confirmation, 3 and then the
day on the keypad; signed requests in, TwiML out, the agreement made with that date."""

from __future__ import annotations

from datetime import date, timedelta

from models import Agreement, Customer, CustomerPhone, Receivable
from models.clock import today_in
from tests.factories import make_condition, make_customer, make_receivable
from tests.telephony.signing import twilio_app
from tests.telephony.test_voice import CPF, PHONE, Phone, _robot_call, voice_settings


async def _debtor(days_to_first_due: int = 20) -> Customer:
    today = today_in("America/Sao_Paulo")
    assert today == date(2026, 11, 27)
    customer = await make_customer(
        name="MARIA DA SILVA", document=CPF, birth_date=date(1980, 5, 17)
    )
    await CustomerPhone.create(customer=customer, number=PHONE)
    await make_receivable(customer, today - timedelta(days=40), "199.90")
    # The first payment may fall up to 20 days ahead: 17 December.
    await make_condition(
        ((1, 0, "100", "10", "0"), (3, 30, "50", "0", "0")),
        is_default=True,
        days_to_first_due=days_to_first_due,
    )
    return customer


async def _at_confirmation(phone: Phone) -> str:
    await phone.greet()
    await phone.press("person", "1")
    await phone.press("cpf3", CPF[:3])
    await phone.follow()  # the debt's turn leads to the offers
    confirm = await phone.press("offers", "2")  # cheapest first: à vista, then 3x
    assert confirm.step == "confirm"
    return confirm.text


async def _first_due(customer: Customer) -> date:
    agreement = await Agreement.get(customer_id=customer.id)
    assert agreement.installments_count == 3
    first = await Receivable.get(agreement_id=agreement.id, installment_number=1)
    return first.due_date


async def test_key_3_then_the_day_moves_the_first_due_date(db, twilio_api) -> None:
    settings = voice_settings(twilio_api, db)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        confirm = await _at_confirmation(phone)
        assert "dezessete de dezembro" in confirm
        assert "3 para escolher o dia do primeiro pagamento" in confirm

        ask = await phone.press("confirm", "3")
        assert ask.step == "confirm" and ask.gather.get("numDigits") == "2"
        assert ask.gather.get("finishOnKey") == "#"
        assert "dia do mês" in ask.text and "dezessete de dezembro" in ask.text

        again = await phone.silent("confirm")  # a silence asks for the day again
        assert "dia do mês" in again.text

        moved = await phone.press("confirm", "10")
        assert "a primeira em dez de dezembro" in moved.text
        done = await phone.press("confirm", "1")
        assert done.hangs_up and "Acordo número um registrado" in done.text
    assert await _first_due(customer) == date(2026, 12, 10)


async def test_a_day_beyond_the_limit_says_the_latest(db, twilio_api) -> None:
    settings = voice_settings(twilio_api, db)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        await _at_confirmation(phone)
        await phone.press("confirm", "3")
        late = await phone.press("confirm", "25")
        assert "O dia vinte e cinco passa do limite" in late.text
        assert "último dia possível é dezessete de dezembro" in late.text
        assert "Tecle 1 para confirmar" in late.text
        await phone.press("confirm", "1")
    assert await _first_due(customer) == date(2026, 12, 17)


async def test_no_key_3_when_the_condition_leaves_no_room(db, twilio_api) -> None:
    settings = voice_settings(twilio_api, db)
    customer = await _debtor(days_to_first_due=0)
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        confirm = await _at_confirmation(phone)
        assert "primeiro pagamento" not in confirm and "ou 2 para voltar" in confirm
        again = await phone.press("confirm", "3")
        assert again.step == "confirm" and again.gather.get("numDigits") == "1"
        assert "Tecle 1 para confirmar" in again.text
        await phone.press("confirm", "1")
    assert await _first_due(customer) == date(2026, 11, 27)


async def test_a_spoken_day_moves_the_first_due_date_and_a_yes_asks_again(db, twilio_api) -> None:
    settings = voice_settings(twilio_api, db)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        await _at_confirmation(phone)
        await phone.press("confirm", "3")
        yes = await phone.speak("confirm", "sim")  # no day: not the 1st, the day again
        assert yes.step == "confirm" and "dia do mês" in yes.text
        assert "primeira em" not in yes.text
        moved = await phone.speak("confirm", "dia dez")
        assert "a primeira em dez de dezembro" in moved.text
        await phone.press("confirm", "3")
        moved = await phone.speak("confirm", "quinze")
        assert "a primeira em quinze de dezembro" in moved.text
        done = await phone.speak("confirm", "sim")  # back at the confirmation: a yes confirms
        assert done.hangs_up and "Acordo número um registrado" in done.text
    assert await _first_due(customer) == date(2026, 12, 15)


async def test_a_spoken_day_alone(db, twilio_api) -> None:
    settings = voice_settings(twilio_api, db)
    customer = await _debtor()
    call = await _robot_call(customer)
    async with twilio_app(settings) as client:
        phone = Phone(client, settings, call.sid)
        await _at_confirmation(phone)
        await phone.press("confirm", "3")
        moved = await phone.speak("confirm", "Dez.")
        assert "a primeira em dez de dezembro" in moved.text
        await phone.press("confirm", "1")
    assert await _first_due(customer) == date(2026, 12, 10)
