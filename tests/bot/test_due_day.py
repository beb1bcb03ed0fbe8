"""The debtor chooses the first due date on Telegram ("só consigo dia 10"), end to end:
webhook in, the shared dialog, the fake Bot API out, the agreement made with that date."""

from __future__ import annotations

from datetime import date, timedelta

from models import Agreement, Customer, Receivable
from models.clock import today_in
from tests.factories import make_condition, make_customer, make_receivable

CPF = "52998224725"


async def _debtor(days_to_first_due: int = 20) -> Customer:
    today = today_in("America/Sao_Paulo")
    assert today == date(2026, 11, 27)  # the tests' clock: the 10th is 13 days ahead
    customer = await make_customer(
        name="MARIA DA SILVA", document=CPF, birth_date=date(1980, 5, 17)
    )
    await make_receivable(customer, today - timedelta(days=40), "199.90")
    await make_receivable(customer, today - timedelta(days=10), "199.90")
    # The first payment may fall up to 20 days ahead: 17/12/2026.
    await make_condition(
        ((1, 0, "100", "10", "0"), (3, 30, "50", "0", "0")),
        is_default=True,
        days_to_first_due=days_to_first_due,
    )
    return customer


async def _to_confirmation(chat) -> str:
    await chat.say("/start")
    await chat.say(CPF)
    await chat.say("17/05/1980")
    await chat.press("offers")
    three = next(action for label, action in chat.buttons() if label.startswith("3x"))
    return " ".join(await chat.press(three))


async def _first_due(customer: Customer) -> date:
    agreement = await Agreement.get(customer_id=customer.id)
    first = await Receivable.get(agreement_id=agreement.id, installment_number=1)
    return first.due_date


async def test_typed_day_moves_the_first_due_date_and_the_agreement_keeps_it(new_chat):
    customer = await _debtor()
    chat = new_chat(6001)
    confirm = await _to_confirmation(chat)
    assert "Parcela 1: R$" in confirm and "vence 17/12/2026" in confirm
    assert ("Mudar vencimento", "due") in chat.buttons()
    assert "até 17/12/2026" in confirm

    moved = " ".join(await chat.say("só consigo dia 10"))
    assert "Confira o acordo" in moved
    assert "vence 10/12/2026" in moved and "vence 09/01/2027" in moved
    assert "17/12/2026, " not in moved

    done = await chat.press("confirm")
    assert "Acordo nº" in done[0]
    assert await _first_due(customer) == date(2026, 12, 10)


async def test_a_day_beyond_the_limit_says_the_latest_day(new_chat):
    customer = await _debtor()
    chat = new_chat(6002)
    await _to_confirmation(chat)
    answer = await chat.say("dia 20")
    assert "último dia possível é 17/12/2026" in answer[0] and "dia 20" in answer[0]
    assert "Confira o acordo" in answer[1] and "vence 17/12/2026" in answer[1]
    await chat.press("confirm")
    assert await _first_due(customer) == date(2026, 12, 17)


async def test_the_button_asks_for_the_day(new_chat):
    customer = await _debtor()
    chat = new_chat(6003)
    await _to_confirmation(chat)
    asked = " ".join(await chat.press("due"))
    assert "dia do mês" in asked and "até 17/12/2026" in asked
    moved = " ".join(await chat.say("5"))
    assert "vence 05/12/2026" in moved
    await chat.press("confirm")
    assert await _first_due(customer) == date(2026, 12, 5)


async def test_a_condition_without_room_keeps_its_date(new_chat):
    await _debtor(days_to_first_due=0)
    chat = new_chat(6004)
    confirm = await _to_confirmation(chat)
    assert "vence 27/11/2026" in confirm and "Mudar vencimento" not in confirm
    assert "due" not in [action for _, action in chat.buttons()]
    answer = await chat.say("mudar vencimento")
    assert "primeiro vencimento é 27/11/2026 e não pode ser mudado" in answer[0]
    assert "Confira o acordo" in answer[1]
