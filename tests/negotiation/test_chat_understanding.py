"""Free text in the chat dialog: the phrase table's intents, each as the action it names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import (
    Agreement,
    Conversation,
    Customer,
    DebtPause,
    InstallmentOption,
    PauseReason,
    Payment,
    Receivable,
    ServiceTicket,
    clock,
)
from models.clock import today_in
from models.enums import Channel, ConversationState, PaymentSource, ReceivableStatus
from negotiation import chat, conversations
from negotiation.understanding import Intent
from quita.settings import Settings
from tests.negotiation.dialog_setup import debtor
from tests.negotiation.understanding_phrases import PHRASES

SETTINGS = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)


class Dialog:
    def __init__(self, conversation: Conversation) -> None:
        self.session = chat.Session()
        self.conversation = conversation

    async def send(self, kind: str, value: str = "") -> str:
        await self.conversation.refresh_from_db()
        env = chat.Env(
            settings=SETTINGS,
            channel=Channel.TELEGRAM,
            handle="telegram:77",
            conversation=self.conversation,
            now=clock.now(),
            today=today_in(SETTINGS.timezone),
            address="77",
        )
        replies = await chat.handle(self.session, chat.Event(kind, value), env)
        return "\n".join(r.text for r in replies)

    async def say(self, text: str) -> str:
        return await self.send("text", text)


async def _identified() -> tuple[Customer, Dialog]:
    customer = await debtor()
    dialog = Dialog(await conversations.open_for(Channel.TELEGRAM, "77"))
    await dialog.say("529.982.247-25")
    assert "Total hoje" in await dialog.say("17/05/1980")
    return customer, dialog


async def _picked(dialog: Dialog) -> InstallmentOption:
    return await InstallmentOption.get(id=dialog.session.data["choice"][1])


def _subset(per_intent: int = 3):
    seen: dict[Intent, int] = {}
    for row in PHRASES:
        if seen.get(row[1], 0) < per_intent:
            seen[row[1]] = seen.get(row[1], 0) + 1
            yield row


@pytest.mark.parametrize(("text", "intent", "value", "down"), list(_subset()))
async def test_phrase_in_the_chat(db, text, intent, value, down) -> None:
    customer, dialog = await _identified()
    await dialog.send("button", "offers")
    listed = dialog.session.data["offers"]
    assert len(listed) == 4
    answer = await dialog.say(text)
    step = dialog.session.step
    if intent == Intent.OPTION:
        assert dialog.session.data["choice"] == listed[value - 1 if value > 0 else -1]
    elif intent == Intent.INSTALLMENTS:
        option = await _picked(dialog)
        assert option.installments == value
        assert (option.min_down_payment_pct > 0) == down
        assert step == ("down_payment" if down else "confirm")
    elif intent in (Intent.YES, Intent.NO, Intent.AMOUNT, Intent.DIGITS, Intent.UNKNOWN):
        # Not an answer on the offers screen: what to type is said.
        assert "Não entendi" in answer and "quero parcelar em 3 vezes" in answer
    elif intent == Intent.WRONG_PARTY:
        assert "Não entendi" in answer
    elif intent == Intent.PERSON:
        await dialog.conversation.refresh_from_db()
        assert dialog.conversation.state == ConversationState.WAITING
    elif intent == Intent.PAID:
        pause = await DebtPause.get(customer_id=customer.id)
        assert pause.reason == PauseReason.PAID and "comprovante" in answer
    elif intent == Intent.DISPUTE:
        pause = await DebtPause.get(customer_id=customer.id)
        assert pause.reason == PauseReason.DISPUTE and "contestação" in answer
        await dialog.conversation.refresh_from_db()
        assert dialog.conversation.state == ConversationState.WAITING
    elif intent in (Intent.DEBT, Intent.GREETING):
        assert "Total hoje" in answer and step == "menu"
    elif intent == Intent.OFFERS:
        assert step == "offers" and "À vista" in answer
    elif intent == Intent.AGREEMENTS:
        assert "acordo" in answer.lower()
    elif intent == Intent.REPEAT:
        assert step == "offers" and "À vista" in answer
    elif intent == Intent.OPT_OUT:
        await customer.refresh_from_db()
        assert customer.opted_out_at is not None
    elif intent == Intent.HELP:
        assert "/divida" in answer
    else:
        raise AssertionError(intent)


@pytest.mark.parametrize("yes", ["sim", "pode ser", "isso mesmo", "claro", "confirmo"])
async def test_yes_on_the_confirm_screen_makes_the_agreement(db, yes) -> None:
    customer, dialog = await _identified()
    assert "Confira" in await dialog.say("quero em 3 vezes")
    await dialog.say(yes)
    agreement = await Agreement.get(customer_id=customer.id)
    assert await agreement.installments.all().count() == 3


@pytest.mark.parametrize("no", ["não", "nao quero", "voltar"])
async def test_no_on_the_confirm_screen_goes_back_to_the_offers(db, no) -> None:
    customer, dialog = await _identified()
    await dialog.say("a primeira")
    assert dialog.session.step == "confirm"
    await dialog.say(no)
    assert dialog.session.step == "offers"
    assert not await Agreement.exists(customer_id=customer.id)


async def test_six_times_without_a_down_payment_unless_one_is_spoken_of(db) -> None:
    _, dialog = await _identified()
    await dialog.say("quero parcelar em seis vezes")
    option = await _picked(dialog)
    assert option.installments == 6 and option.min_down_payment_pct == 0
    await dialog.say("6 vezes com entrada")
    option = await _picked(dialog)
    assert option.installments == 6 and option.min_down_payment_pct > 0
    assert dialog.session.step == "down_payment"
    confirm = await dialog.say("cem reais")  # the down payment, in words
    assert "Confira" in confirm and "100,00" in confirm


async def test_an_offer_that_does_not_exist_is_said_and_the_offers_shown(db) -> None:
    _, dialog = await _identified()
    answer = await dialog.say("em 12 vezes")
    assert "Não tenho uma proposta em 12 vezes" in answer and dialog.session.step == "offers"


async def test_a_new_chat_saying_oi_gets_the_welcome(db) -> None:
    await debtor()
    dialog = Dialog(await conversations.open_for(Channel.TELEGRAM, "78"))
    answer = await dialog.say("oi")
    assert "Não entendi" not in answer and "CPF" in answer and "Olá" in answer
    nonsense = await dialog.say("qual a cor do céu")
    assert "Não entendi" in nonsense and "CPF ou CNPJ" in nonsense


# --- "já paguei" and "não reconheço" --------------------------------------------------------


async def test_paid_found_in_the_ledger_says_so_and_pauses_nothing(db) -> None:
    customer, dialog = await _identified()
    bill = await Receivable.filter(customer_id=customer.id).first()
    await Payment.create(
        receivable=bill, amount=Decimal("99.90"), paid_at=clock.now(), source=PaymentSource.PIX
    )
    answer = await dialog.say("já paguei")
    assert "Encontrei seu pagamento" in answer and "99,90" in answer
    assert not await DebtPause.exists(customer_id=customer.id)
    assert not await ServiceTicket.exists(customer_id=customer.id)


async def test_paid_not_found_asks_the_receipt_pauses_and_opens_a_ticket(db) -> None:
    customer, dialog = await _identified()
    answer = await dialog.say("ja pagei")
    assert "comprovante" in answer and "foto ou um PDF" in answer
    pause = await DebtPause.get(customer_id=customer.id)
    assert (pause.ends_on - pause.starts_on).days == SETTINGS.pause_days_after_paid
    ticket = await ServiceTicket.get(id=pause.ticket_id)
    assert "já pagou" in ticket.subject
    await dialog.say("já paguei")  # said twice: one pause, one ticket
    assert await ServiceTicket.filter(customer_id=customer.id).count() == 1
    told = await dialog.send("file", "foto pelo Telegram")
    assert "Recebemos o comprovante" in told
    await ticket.refresh_from_db()
    assert "Comprovante recebido: foto pelo Telegram" in ticket.description


async def test_dispute_pauses_and_hands_over_to_a_person(db) -> None:
    customer, dialog = await _identified()
    answer = await dialog.say("não reconheço essa dívida")
    assert "contestação" in answer
    pause = await DebtPause.get(customer_id=customer.id)
    assert pause.reason == PauseReason.DISPUTE
    assert "não reconhece" in (await ServiceTicket.get(id=pause.ticket_id)).subject
    conversation = await Conversation.get(id=dialog.conversation.id)
    assert conversation.state == ConversationState.WAITING


async def test_receivable_status_is_untouched_by_a_claim(db) -> None:
    customer, dialog = await _identified()
    await dialog.say("já paguei")
    assert (
        await Receivable.filter(customer_id=customer.id, status=ReceivableStatus.OPEN).count() == 2
    )
