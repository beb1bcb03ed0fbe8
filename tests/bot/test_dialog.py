"""The debtor's dialog on Telegram, end to end: webhook in, aiogram, the shared services, the
fake Bot API out."""

from __future__ import annotations

from datetime import date, timedelta

from models import Agreement, Conversation, Customer, CustomerPhone, IdentityLock, Message
from models.clock import today_in
from models.enums import AgreementStatus, ConversationState
from negotiation.deep_links import make_link_token
from negotiation.payments import boleto, pix
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

CPF = "52998224725"


async def _debtor(**extra) -> Customer:
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(
        name="MARIA DA SILVA", document=CPF, birth_date=date(1980, 5, 17), **extra
    )
    await CustomerPhone.create(customer=customer, number="+5519988887777")
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_receivable(customer, today - timedelta(days=10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    return customer


async def test_identify_by_cpf_and_birth_date_then_negotiate(new_chat, telegram_api):
    customer = await _debtor()
    chat = new_chat(5001)

    welcome = await chat.say("/start")
    assert "CPF" in welcome[0] and "99,90" not in " ".join(welcome)
    assert "11.222.333/0001-81" in welcome[0]  # the ISP names itself before anything else
    assert (await chat.say("529.982.247-25"))[0].startswith("Obrigado")
    shown = " ".join(await chat.say("17/05/1980"))
    assert "Maria" in shown and "R$\xa099,90" in shown and "dia(s) em atraso" in shown

    offers = " ".join(await chat.press("offers"))
    assert "À vista" in offers
    buttons = chat.buttons()
    assert buttons[-1] == ("Falar com um atendente", "human")
    assert all(len(f"q:{action}".encode()) <= 64 for _, action in buttons)
    plain_option = next(action for label, action in buttons if "x de" in label)
    confirm = " ".join(await chat.press(plain_option))
    assert "Confira o acordo" in confirm and "Parcela 1" in confirm

    done = await chat.press("confirm")
    agreement = await Agreement.get(customer_id=customer.id)
    assert agreement.status == AgreementStatus.ACTIVE and str(agreement.channel) == "telegram"
    assert f"Acordo nº {agreement.id}" in done[0]
    payload = done[1]
    assert pix.parse(payload).amount > 0  # the PIX copy-and-paste, alone in its message
    line = done[0].split("Linha digitável do boleto: ")[1].split("\n")[0]
    assert boleto.parse(line, today_in("America/Sao_Paulo")).amount == pix.parse(payload).amount
    methods = [c.method for c in chat.calls()][-2:]
    assert methods == ["sendPhoto", "sendDocument"]
    assert chat.calls()[-1].files["document"].content.startswith(b"%PDF")
    await customer.refresh_from_db()
    assert customer.telegram_chat_id == 5001

    agreements = " ".join(await chat.say("/acordos"))
    assert f"Acordo nº {agreement.id} (ativo)" in agreements


async def test_down_payment_is_validated(new_chat):
    await _debtor()
    chat = new_chat(5002)
    await chat.say("52998224725")
    await chat.say("7777")  # last four digits of the registered phone
    await chat.press("offers")
    with_down = next(action for label, action in chat.buttons() if "Entrada" in label)
    asked = " ".join(await chat.press(with_down))
    assert "entrada mínima" in asked
    await chat.press("d.other")
    refused = " ".join(await chat.say("1,00"))
    assert "menor que a entrada mínima" in refused
    refused = " ".join(await chat.say("muito"))
    assert "não é um valor em reais" in refused
    confirm = " ".join(await chat.say("100,00"))
    assert "Confira o acordo" in confirm and "R$\xa0100,00" in confirm


async def test_shared_contact_identifies_only_with_the_own_number(new_chat):
    await _debtor()
    chat = new_chat(5003)
    someone_else = await chat.share_contact("+55 19 98888-7777", own=False)
    assert "próprio telefone" in someone_else[0]
    mine = " ".join(await chat.share_contact("5519988887777"))
    assert "identifiquei você" in mine and "Total hoje" in mine


async def test_deep_link_works_once(new_chat, bot_app):
    customer = await _debtor()
    token = make_link_token(customer.id, bot_app.app.state.settings.secret_key)
    assert len(token) <= 64
    chat = new_chat(5004)
    assert "identifiquei você" in (await chat.say(f"/start {token}"))[0]
    other = new_chat(5005)
    assert "não vale mais" in (await other.say(f"/start {token}"))[0]
    assert "não vale mais" in (await other.say("/start AAAA"))[0]


async def test_five_failures_lock_the_chat_and_say_nothing_about_debts(new_chat):
    await _debtor()
    chat = new_chat(5006)
    for _ in range(4):
        await chat.say(CPF)
        assert "não conferem" in (await chat.say("01/01/1990"))[0]
    await chat.say(CPF)
    locked = await chat.say("01/01/1990")
    assert "15 minutos" in locked[0]
    # Even the right answer is refused while locked, and no debt is shown.
    await chat.say(CPF)
    answer = " ".join(await chat.say("17/05/1980"))
    assert "15 minutos" in answer and "R$" not in answer
    assert (await IdentityLock.get(handle="telegram:5006")).locked_until is not None


async def test_a_cpf_guessed_from_many_chats_is_locked_for_all(new_chat):
    await _debtor()
    for chat_id in range(6100, 6104):
        chat = new_chat(chat_id)
        await chat.say(CPF)
        assert "não conferem" in (await chat.say("01/01/1990"))[0]
    # The fifth wrong answer, from a fifth chat, locks the CPF, not the chat.
    fifth = new_chat(6104)
    await fifth.say(CPF)
    assert "15 minutos" in (await fifth.say("01/01/1990"))[0]
    # A sixth chat with the right answer is refused too, and sees no debt.
    sixth = new_chat(6105)
    await sixth.say(CPF)
    answer = " ".join(await sixth.say("17/05/1980"))
    assert "15 minutos" in answer and "R$" not in answer
    assert (await IdentityLock.get(handle=f"document:{CPF}")).locked_until is not None
    assert (await IdentityLock.get(handle="telegram:6104")).locked_until is None


async def test_unknown_cpf_gets_the_same_answer_as_a_wrong_second_factor(new_chat):
    await _debtor()
    chat = new_chat(5007)
    assert (await chat.say("111.444.777-35"))[0].startswith("Obrigado")
    assert "não conferem" in (await chat.say("17/05/1980"))[0]


async def test_commands_help_and_nonsense(new_chat):
    await _debtor()
    chat = new_chat(5008)
    assert "/divida" in (await chat.say("/ajuda"))[0]
    assert "Não entendi" in (await chat.say("xyz"))[0]
    assert "CPF" in (await chat.say("/divida"))[0]  # not identified: asks who it is
    bad = await chat.say("123")
    assert "11 do CPF ou 14 do CNPJ" in bad[0]


async def test_sair_opts_out_on_every_channel(new_chat):
    customer = await _debtor()
    chat = new_chat(5009)
    await chat.say(CPF)
    await chat.say("17/05/1980")
    assert "não receberá mais" in (await chat.say("/sair"))[0]
    await customer.refresh_from_db()
    assert customer.opted_out_at is not None


async def test_sair_before_identifying_opts_out_the_customer_of_this_chat(new_chat):
    linked = await _debtor()
    await Customer.filter(id=linked.id).update(telegram_chat_id=5011)
    other = await make_customer(document="11144477735", name="OUTRA PESSOA")
    chat = new_chat(5011)
    assert "não receberá mais" in (await chat.say("/sair"))[0]
    await linked.refresh_from_db()
    await other.refresh_from_db()
    assert linked.opted_out_at is not None and other.opted_out_at is None


async def test_escalation_then_silence_while_claimed(new_chat, telegram_api):
    await _debtor()
    chat = new_chat(5010)
    await chat.say(CPF)
    await chat.say("17/05/1980")
    told = await chat.press("human")
    assert "atendente" in told[0]
    conversation = await Conversation.get(external_ref="5010")
    assert conversation.state == ConversationState.WAITING
    holding = await chat.say("alô?")
    assert "atendente" in holding[0]
    await Conversation.filter(id=conversation.id).update(state=ConversationState.CLAIMED)
    assert await chat.say("tem alguém aí?") == []
    assert await chat.press("offers") == []
    texts = await Message.filter(conversation_id=conversation.id).values_list("text", flat=True)
    assert "tem alguém aí?" in texts and "alô?" in texts
