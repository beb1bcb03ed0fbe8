"""The console in a real browser (issue 7): headless Chromium against the app on localhost.

Each test seeds its rows from this process (the `db` fixture empties the tables first), then
works the pages as a person would: labels, buttons and links by their pt-BR names.
With QUITA_SCREENSHOTS=1 the same run saves the README's pictures in docs/screenshots.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from models import (
    Agreement,
    Campaign,
    CampaignEntry,
    CollectionRule,
    Conversation,
    CustomerPhone,
    PaymentCondition,
    ResultType,
)
from models.clock import today_in
from models.enums import ConversationState, EntryState, ResultKind, Role
from negotiation.export import export_to_agency
from negotiation.rule_run import run_rule
from tests.browser.screenshots import shoot
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule

pytestmark = pytest.mark.browser

CPF = "52998224725"  # a valid CPF, the debtor of the chat tests
# Telegram chat ids of this run's own: the server outlives each test's tables.
_chat_ids = itertools.count(7_700_001)


def _today():
    return today_in("America/Sao_Paulo")


async def _debtors() -> list:
    """Two late customers in Campinas and one in Sorocaba, and the default condition."""
    today = _today()
    maria = await make_customer(
        name="MARIA DA SILVA", document=CPF, city="Campinas", email="maria@example.com"
    )
    await CustomerPhone.create(customer=maria, number="+5519988887777")
    await make_receivable(maria, today - timedelta(days=40), "99.90")
    await make_receivable(maria, today - timedelta(days=10), "99.90")
    joao = await make_customer(name="JOÃO PEREIRA", city="Campinas")
    await make_receivable(joao, today - timedelta(days=45), "149.90")
    ana = await make_customer(name="ANA SOUZA", city="Sorocaba")
    await make_receivable(ana, today - timedelta(days=50), "89.90")
    await make_condition(SEED_OPTIONS, is_default=True, description="Negociação padrão")
    return [maria, joao, ana]


async def _campaign() -> Campaign:
    """A finished run of a rule over Campinas: a campaign with Maria and João."""
    await _debtors()
    rule = await make_rule(("city", "eq", "Campinas"), description="Campinas em atraso")
    run = await run_rule(rule.id, _today())
    return await Campaign.get(run_id=run.id)


# --- sign in ---------------------------------------------------------------------------------


async def test_sign_in_and_out(page, sign_in, users):
    await page.goto("/console/login")
    await page.get_by_label("Usuário").fill("supervisor")
    await page.get_by_label("Senha").fill("errada")
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("alert")).to_contain_text("incorretos")

    await sign_in(Role.SUPERVISOR)
    await expect(page.get_by_role("button", name="Sair")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()

    await page.get_by_role("button", name="Sair").click()
    await page.wait_for_url("**/console/login")
    # Signed out for good: the console sends the browser back to the sign-in page.
    await page.goto("/console")
    await expect(page).to_have_url(re.compile(r"/console/login\?next="))
    await expect(page.get_by_role("button", name="Entrar")).to_be_visible()


# --- configuration -----------------------------------------------------------------------------


async def test_create_a_condition_with_three_options(page, sign_in):
    await sign_in(Role.SUPERVISOR)
    await page.goto("/console/conditions/new")
    await page.get_by_label("Descrição").fill("Campanha de fim de ano")
    await page.get_by_label("Valor mínimo da dívida (R$)").fill("50,00")
    await page.get_by_label("Valor máximo da dívida (R$)").fill("5.000,00")
    await page.get_by_label("Dias de atraso mínimo").fill("1")
    await page.get_by_label("Dias de atraso máximo").fill("365")
    await page.get_by_label("Multa (%)").fill("2")
    await page.get_by_label("Juros ao mês (%)").fill("1")
    await page.get_by_label("Dias até o primeiro vencimento").fill("3")

    # à vista, parcelado sem entrada, com entrada mínima (the seed's screenshots); the row's
    # boxes by their field names (options-<row>-<field>, what the server reads).
    options = [
        {"installments": "1", "interest_discount_pct": "100", "debt_discount_pct": "10"},
        {"installments": "3", "days_between": "30", "interest_discount_pct": "50"},
        {"installments": "4", "days_between": "20", "min_down_payment_pct": "30"},
    ]
    rows = page.locator("fieldset.option-row")
    for n, option in enumerate(options, start=1):
        if await rows.count() < n:
            await page.get_by_role("button", name="Adicionar parcelamento").click()
        row = page.get_by_role("group", name=f"Parcelamento {n}", exact=True)
        await expect(row.get_by_label("Parcelas", exact=True)).to_be_visible()
        for field, value in option.items():
            await row.locator(f'input[name$="-{field}"]').fill(value)
    before = await rows.count()
    await page.get_by_role("button", name="Adicionar parcelamento").click()
    await expect(rows).to_have_count(before + 1)  # an empty row more: ignored on saving
    await shoot(page, "condition-form", full_page=True)

    await page.get_by_role("button", name="Salvar").click()
    await page.wait_for_url(re.compile(r"/console/conditions/\d+"))

    condition = await PaymentCondition.get(description="Campanha de fim de ano")
    stored = await condition.options.all().order_by("position")
    assert [o.installments for o in stored] == [1, 3, 4]
    assert [int(o.min_down_payment_pct) for o in stored] == [0, 0, 30]
    await page.goto("/console/conditions")
    row = page.get_by_role("row").filter(has_text="Campanha de fim de ano")
    await expect(row).to_contain_text("À vista")
    await expect(row).to_contain_text("3x a cada 30 dias")
    await expect(row).to_contain_text("entrada mínima 30")


async def test_build_a_rule_with_two_filters_preview_and_run_it(page, sign_in):
    await _debtors()
    await sign_in(Role.SUPERVISOR)
    await page.goto("/console/rules/new")
    await page.get_by_label("Descrição").fill("Campinas, mais de 30 dias")
    await page.get_by_label("Ativa", exact=True).check()

    filters = page.locator("fieldset.filter-row")
    wanted = [("Cidade", "igual a", "Campinas"), ("Dias de atraso", "maior que", "30")]
    for n, (field, operator, value) in enumerate(wanted, start=1):
        if await filters.count() < n:
            await page.get_by_role("button", name="Adicionar Filtro").click()
        row = page.get_by_role("group", name=f"Filtro {n}", exact=True)
        await row.get_by_label("Campo").select_option(label=field)
        await row.get_by_label("Operador").select_option(label=operator)
        await row.get_by_label("Valor", exact=True).fill(value)
    before = await filters.count()
    await page.get_by_role("button", name="Adicionar Filtro").click()
    await expect(filters).to_have_count(before + 1)
    await page.get_by_role("button", name="Salvar").click()
    await page.wait_for_url(re.compile(r"/console/rules/\d+"))

    rule = await CollectionRule.get(description="Campinas, mais de 30 dias")
    assert await rule.filters.all().count() == 2

    await page.get_by_role("button", name="Pré-visualizar").click()
    preview = page.locator("#preview")
    await expect(preview).to_contain_text("nada foi gravado")
    await expect(page.locator("#preview-customers")).to_have_text("2")  # Maria and João
    assert await Campaign.all().count() == 0

    await page.get_by_role("button", name="Executar").click()
    await page.wait_for_url(re.compile(r"/console/runs/\d+"))
    # The page follows the run by itself, then shows the finished counts and the campaign.
    await expect(page.locator("#run-status")).to_have_text("Concluída", timeout=20_000)
    await expect(page.locator("#run-customers")).to_have_text("2")
    await expect(page.locator("#run-log")).not_to_be_empty()
    await shoot(page, "rule-run", full_page=True)
    await page.get_by_role("link", name=re.compile(r"Abrir a campanha")).click()
    await page.wait_for_url(re.compile(r"/console/campaigns/\d+"))
    entries = page.locator("#entries")
    await expect(entries).to_contain_text("MARIA DA SILVA")
    await expect(entries).to_contain_text("JOÃO PEREIRA")
    await expect(entries).not_to_contain_text("ANA SOUZA")


# --- campaigns ---------------------------------------------------------------------------------


async def test_work_an_entry_to_an_agreement(page, sign_in):
    campaign = await _campaign()
    await ResultType.create(name="Acordo fechado", kind=ResultKind.NEGOTIATED)
    await sign_in(Role.ATTENDANT)
    await page.goto(f"/console/campaigns/{campaign.id}")
    await page.locator("#entries").get_by_role("link", name="MARIA DA SILVA").click()
    await page.wait_for_url(re.compile(r"/console/entries/\d+"))
    entry_url = page.url

    async with page.expect_navigation():
        await page.get_by_role("button", name="Iniciar ligação").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Em andamento")
    offers = page.get_by_role("region", name=re.compile("Ofertas"))
    await expect(offers).to_contain_text("R$")
    await expect(page.get_by_role("button", name="Registrar resultado")).to_be_visible()
    await shoot(page, "entry", full_page=True)

    # The first offer is the cheapest: à vista.
    async with page.expect_navigation():
        await offers.get_by_role("button", name="Negociar").first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmar acordo")
    await page.get_by_role("button", name="Confirmar acordo").click()
    await page.wait_for_url(re.compile(r"/console/agreements/\d+"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Acordo nº")
    installments = page.get_by_role("region", name="Parcelas")
    await expect(installments.get_by_role("row")).to_have_count(2)  # header + one installment
    copy = installments.get_by_role("button", name="Copiar").first
    await expect(copy).to_be_visible()
    await shoot(page, "agreement", full_page=True)
    await copy.click()
    await expect(installments.get_by_role("button", name="Copiado").first).to_be_visible()

    agreement = await Agreement.get(customer__name="MARIA DA SILVA")
    entry = await CampaignEntry.get(agreement_id=agreement.id)
    assert entry.state == EntryState.DONE

    # Send the PIX and boleto by e-mail: asked for, shown under "Envios".
    await page.get_by_label("E-mail").check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enviar").click()
    await expect(page.get_by_role("alert")).to_have_count(0)
    await expect(page.locator("ul.deliveries")).to_contain_text("maria@example.com")

    await page.goto(entry_url)
    await expect(page.get_by_role("link", name=f"Acordo nº {agreement.id}")).to_be_visible()
    await page.goto("/console")  # the dashboard counts the agreement
    await shoot(page, "dashboard", full_page=True)


async def test_export_to_an_agency_downloads_the_file(page, sign_in, agency):
    campaign = await _campaign()
    await sign_in(Role.SUPERVISOR)
    await page.goto(f"/console/campaigns/{campaign.id}")
    await page.get_by_role("link", name="Exportar ao escritório").click()
    await page.wait_for_url(re.compile(r"/console/campaigns/export"))
    await page.get_by_label("Escritório de cobrança").select_option(label=agency.name)
    await expect(page.get_by_label("MARIA DA SILVA")).to_be_checked()
    await page.get_by_label("JOÃO PEREIRA").uncheck()

    async with page.expect_download() as info:
        await page.get_by_role("button", name="Exportar").click()
    download = await info.value
    assert download.suggested_filename.endswith(".csv")
    content = (await download.path()).read_bytes().decode("utf-8-sig")
    assert "MARIA DA SILVA" in content and "JOÃO PEREIRA" not in content
    assert len(list(csv.reader(io.StringIO(content)))) >= 2

    exported = await CampaignEntry.filter(state=EntryState.EXPORTED).prefetch_related("customer")
    assert [e.customer.name for e in exported] == ["MARIA DA SILVA"]
    assert exported[0].agency_id == agency.id


async def test_an_agency_user_cannot_open_the_customer_record(page, sign_in, users, agency):
    campaign = await _campaign()
    entry = await CampaignEntry.get(campaign=campaign, customer__name="MARIA DA SILVA")
    await export_to_agency(
        users[Role.SUPERVISOR],
        agency.id,
        [entry.id],
        isp_name="Provedor",
        isp_cnpj="1",
        tz=ZoneInfo("America/Sao_Paulo"),
    )
    await sign_in(Role.AGENCY)
    # The menu offers no customer record; the entry shows no record either.
    await page.goto(f"/console/entries/{entry.id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("MARIA DA SILVA")
    await expect(page.get_by_text("não tem acesso ao cadastro do cliente")).to_be_visible()
    await expect(page.locator(f'a[href="/console/customers/{entry.customer_id}"]')).to_have_count(0)

    # Typed in by hand: refused.
    answer = await page.goto(f"/console/customers/{entry.customer_id}")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    await expect(page.get_by_text(CPF)).to_have_count(0)


# --- inbox -------------------------------------------------------------------------------------


async def test_claim_reply_see_the_answer_live_and_hand_back(page, sign_in, debtor_chat):
    await _debtors()
    chat = debtor_chat(next(_chat_ids))
    await chat.say(CPF)
    await chat.say("7777")
    asked = await chat.say("/atendente")
    assert any("atendente" in text for text in asked), asked
    conversation = await Conversation.get(external_ref=str(chat.chat_id))
    assert conversation.state == ConversationState.WAITING

    await sign_in(Role.ATTENDANT)
    await page.goto("/console/inbox")
    row = page.get_by_role("row").filter(has_text="MARIA DA SILVA")
    await expect(row).to_contain_text("Aguardando")
    await row.get_by_role("link", name=re.compile("Abrir")).click()
    await page.wait_for_url(f"**/console/conversations/{conversation.id}")
    await page.get_by_role("button", name="Assumir").click()
    await expect(page.locator("#state-badge")).to_have_text(re.compile("Assumida"))
    await expect(page.locator("#live-status")).to_have_text("Ao vivo.")  # SSE connected

    before = len(chat.calls())
    await page.get_by_label(re.compile("Resposta ao cliente")).fill("Olá, Maria! Sou a Ana.")
    await page.get_by_role("button", name="Enviar").click()
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Olá, Maria! Sou a Ana.")
    # Relayed signed with the attendant's and the creditor's names (CDC art. 42-A).
    await _until(
        lambda: any(
            t.endswith(": Olá, Maria! Sou a Ana.") and ", da " in t
            for t in chat.texts(since=before)
        )
    )

    # The debtor answers in Telegram while the page is open: it shows up without a reload.
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await chat.say("Posso pagar na sexta?")
    await expect(timeline).to_contain_text("Posso pagar na sexta?")
    assert navigations == []
    await shoot(page, "inbox-conversation", full_page=True)

    before = len(chat.calls())
    await page.get_by_role("button", name="Devolver ao robô").click()
    await expect(page.locator("#state-badge")).to_have_text(re.compile("Com o robô"))
    await _until(lambda: any("automático" in t for t in chat.texts(since=before)))
    assert (await Conversation.get(id=conversation.id)).state == ConversationState.BOT


async def _until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


# --- CSRF --------------------------------------------------------------------------------------


async def test_a_form_with_a_tampered_csrf_token_is_refused(page, sign_in):
    await sign_in(Role.SUPERVISOR)
    await page.goto("/console/conditions/new")
    await page.get_by_label("Descrição").fill("Forjada")
    await page.evaluate(
        """() => document.querySelectorAll('input[name="csrf_token"]')
                 .forEach((i) => { i.value = "forjado"; })"""
    )
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Salvar").click()
    assert (await answer.value).status == 403
    await expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("CSRF")
    assert await PaymentCondition.filter(description="Forjada").count() == 0


# --- the other main pages, for the README ------------------------------------------------------


async def test_simulator_and_calculator_pages(page, sign_in):
    await _debtors()
    await sign_in(Role.ATTENDANT)
    await page.goto("/console/simulator")
    await expect(page.get_by_role("heading", name="Simulador de chat")).to_be_visible()
    await page.get_by_label("Mensagem do cliente").fill(CPF)
    await page.get_by_role("button", name="Enviar").click()
    await expect(page.locator("main")).to_contain_text(re.compile("nascimento|telefone"))
    await page.get_by_label("Mensagem do cliente").fill("7777")  # last digits of her phone
    await page.get_by_role("button", name="Enviar").click()
    await expect(page.locator("main")).to_contain_text("Total hoje")
    await shoot(page, "simulator", full_page=True)

    await page.goto("/console/calculator")
    await expect(page.get_by_role("heading", name="Calculadora de negociação")).to_be_visible()
    await page.get_by_label("Vencimento 1").fill(str(_today() - timedelta(days=40)))
    await page.get_by_label("Valor 1 (R$)").fill("99,90")
    await page.get_by_role("button", name="Calcular").click()
    await expect(page.locator("main")).to_contain_text("R$")
    await shoot(page, "calculator", full_page=True)


@pytest.mark.parametrize(("path", "ready"), [("/docs", "Authorize"), ("/redoc", "Download")])
async def test_the_api_docs_render_with_nothing_from_outside(page, console_server, path, ready):
    """On a closed network /docs and /redoc must draw themselves from the app alone: all the
    browser fetches comes from the app (the bundles' own outside images are blocked by the
    page's content security policy), and the page shows its controls."""
    requested: list[str] = []
    blocked: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on(
        "requestfailed",
        # Chromium's reason for a request the page's policy stopped before the network.
        lambda r: blocked.append(r.url) if r.failure == "csp" else None,
    )
    await page.goto(path)
    await expect(page.get_by_text(ready, exact=True).first).to_be_visible()
    await expect(page.get_by_text("/api/v1/auth/token").first).to_be_attached()
    await page.wait_for_load_state("networkidle")
    outside = [
        url
        for url in requested
        if not url.startswith((console_server.url, "data:", "blob:")) and url not in blocked
    ]
    assert outside == []
