"""The console, the payment page and the API docs under the app's Content-Security-Policy
(no inline script): every main page loads without a single violation, and the behaviour moved
out of inline handlers still works (the page fixture also fails any test whose pages had a
script or style blocked)."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from models import Campaign, CampaignEntry, Customer, PaymentCondition, Receivable
from models.enums import Channel, Role
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from negotiation.payment_links import make_token
from negotiation.rule_run import run_rule
from tests.browser.conftest import SECRET_KEY
from tests.browser.screenshots import shoot
from tests.browser.test_console import CPF, _debtors, _today
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition
from tests.negotiation.rule_factories import make_rule

pytestmark = pytest.mark.browser


async def _payment_path() -> str:
    maria = await Customer.get(document=CPF)
    quote = (await offers_for_customer(maria.id, _today()))[0].quote
    agreement = await accept(quote, channel=Channel.CONSOLE, today=_today(), settings=SETTINGS)
    last_due = max(r.due_date for r in await Receivable.filter(agreement_id=agreement.id))
    return f"/p/{make_token(agreement.id, last_due, SECRET_KEY)}"


async def test_the_main_pages_log_no_policy_violation(page, sign_in):
    await _debtors()
    rule = await make_rule(("city", "eq", "Campinas"), description="Campinas em atraso")
    campaign = await Campaign.get(run_id=(await run_rule(rule.id, _today())).id)
    entry = await CampaignEntry.filter(campaign_id=campaign.id).first()
    payment = await _payment_path()

    await page.goto("/console/login")
    await expect(page.get_by_label("Senha")).to_be_visible()
    await sign_in(Role.ADMIN)
    pages = [
        "/console",
        f"/console/campaigns/{campaign.id}",
        f"/console/entries/{entry.id}",
        "/console/inbox",
        "/console/rules",
        "/console/rules/new",
        f"/console/rules/{rule.id}",
        "/console/conditions",
        "/console/simulator",
        "/console/calculator",
        "/console/users",
        payment,
        "/docs",
    ]
    for path in pages:
        answer = await page.goto(path)
        assert answer.status == 200, path
        await page.wait_for_load_state("networkidle")
    # Every page above, images included (only ReDoc's outside logo is blocked on purpose).
    assert page.csp_violations == []

    answer = await page.goto("/docs")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    await expect(page.get_by_text("Authorize", exact=True).first).to_be_visible()
    await shoot(page, "docs")


async def test_delete_asks_first_and_copy_buttons_work_without_inline_handlers(page, sign_in):
    await _debtors()
    payment = await _payment_path()
    await make_condition(SEED_OPTIONS, description="Condição antiga")
    await sign_in(Role.SUPERVISOR)
    await page.goto("/console/conditions")
    row = page.get_by_role("row").filter(has_text="Condição antiga")
    loop = asyncio.get_running_loop()
    answers: list[asyncio.Task] = []

    def answering(accept_it: bool) -> asyncio.Future:
        asked = loop.create_future()

        def on_dialog(dialog) -> None:
            asked.set_result(dialog.message)
            answers.append(loop.create_task(dialog.accept() if accept_it else dialog.dismiss()))

        page.once("dialog", on_dialog)
        return asked

    asked = answering(False)
    await row.get_by_role("button", name="Excluir").click()
    assert await asyncio.wait_for(asked, 10) == "Excluir a condição?"
    await expect(row).to_be_visible()  # dismissed: not deleted
    assert await PaymentCondition.filter(description="Condição antiga").exists()

    asked = answering(True)
    async with page.expect_navigation():
        await row.get_by_role("button", name="Excluir").click()
    assert await asyncio.wait_for(asked, 10) == "Excluir a condição?"
    assert not await PaymentCondition.filter(description="Condição antiga").exists()

    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(payment)
    await page.get_by_role("button", name="Copiar código PIX").first.click()
    await expect(page.get_by_role("button", name="Copiado!").first).to_be_visible()
    assert re.match(r"^000201", await page.evaluate("navigator.clipboard.readText()"))
    await shoot(page, "payment-page", full_page=True)
    assert page.csp_violations == []
