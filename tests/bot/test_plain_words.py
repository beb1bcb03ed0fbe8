"""The Telegram dialog driven by typed words alone, through the fake Bot API: from "oi" to an
agreement, and a receipt photo after "já paguei"."""

from __future__ import annotations

from models import Agreement, Conversation, DebtPause, Message, ServiceTicket
from models.enums import AgreementStatus
from tests.negotiation.dialog_setup import debtor


async def test_from_oi_to_an_agreement_in_plain_words(new_chat):
    customer = await debtor()
    chat = new_chat(6001)
    welcome = " ".join(await chat.say("oi"))
    assert "Não entendi" not in welcome and "CPF" in welcome
    assert (await chat.say("529.982.247-25"))[0].startswith("Obrigado")
    debt = " ".join(await chat.say("17/05/1980"))
    assert "Total hoje" in debt
    confirm = " ".join(await chat.say("quero em 3 vezes"))
    assert "Confira o acordo" in confirm and "Parcela 3" in confirm
    done = " ".join(await chat.say("sim"))
    agreement = await Agreement.get(customer_id=customer.id)
    assert agreement.status == AgreementStatus.ACTIVE and f"Acordo nº {agreement.id}" in done
    assert await agreement.installments.all().count() == 3


async def test_typed_words_reach_the_actions(new_chat):
    await debtor()
    chat = new_chat(6002)
    await chat.say("52998224725")
    await chat.say("17/05/1980")
    assert "Total hoje" in " ".join(await chat.say("quanto eu devo?"))
    assert "Total hoje" in " ".join(await chat.say("/dívida"))
    offers = " ".join(await chat.say("quero negociar"))
    assert "À vista" in offers
    assert "Confira o acordo" in " ".join(await chat.say("quero a opção 1"))
    unknown = " ".join(await chat.say("qual a cor do céu"))
    assert "Não entendi" in unknown and "quero parcelar em 3 vezes" in unknown
    asked = " ".join(await chat.say("quero falar com um atendente"))
    assert "atendente" in asked
    conversation = await Conversation.get(external_ref="6002")
    assert conversation.state == "waiting"


async def test_paid_then_a_receipt_photo_goes_on_the_timeline(new_chat):
    customer = await debtor()
    chat = new_chat(6003)
    await chat.say("52998224725")
    await chat.say("17/05/1980")
    asked = " ".join(await chat.say("já paguei"))
    assert "comprovante" in asked and "foto ou um PDF" in asked
    pause = await DebtPause.get(customer_id=customer.id)
    photo = [
        {"file_id": "small-id", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "big-id", "file_unique_id": "b", "width": 800, "height": 800},
    ]
    before = len(chat.calls())
    answer = await chat.post({"message": chat._message(photo=photo, caption="pix de ontem")})
    assert answer.status_code == 200
    assert any("Recebemos o comprovante" in t for t in chat.texts(since=before))
    conversation = await Conversation.get(external_ref="6003")
    receipt = await Message.get(conversation_id=conversation.id, text__startswith="[comprovante")
    assert receipt.payload["telegram_file_id"] == "big-id" and "pix de ontem" in receipt.text
    ticket = await ServiceTicket.get(id=pause.ticket_id)
    assert "Comprovante recebido: foto pelo Telegram" in ticket.description

    document = {"file_id": "pdf-id", "file_unique_id": "p", "file_name": "recibo.pdf"}
    await chat.post({"message": chat._message(document=document)})
    await ticket.refresh_from_db()
    assert "documento recibo.pdf" in ticket.description


async def test_dispute_typed_hands_over_to_a_person(new_chat):
    customer = await debtor()
    chat = new_chat(6004)
    await chat.say("52998224725")
    await chat.say("17/05/1980")
    told = " ".join(await chat.say("não reconheço essa dívida"))
    assert "contestação" in told and "atendente" in told
    assert (await DebtPause.get(customer_id=customer.id)).reason == "dispute"
    assert (await Conversation.get(external_ref="6004")).state == "waiting"
