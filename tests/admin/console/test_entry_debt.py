"""The entry shows the debt "Negociar" will negotiate (the customer's open bills now), and says
so when it is no longer what the call list was built with."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models import CampaignEntry, clock
from models.clock import today_in
from models.enums import Role
from negotiation.rule_run import run_rule
from tests.conftest import TEST_NOW
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.negotiation.rule_factories import make_rule

NOTE = (
    "A dívida mudou desde a geração da lista: R$\xa0259,80 em 2 contas → R$\xa0389,70 em 3 contas"
)


@pytest.fixture
async def entry_8(db, users) -> CampaignEntry:
    """Two overdue bills when the rule ran; a third one falls due two days later."""
    today = today_in("America/Sao_Paulo")
    await make_condition(SEED_OPTIONS, is_default=True)
    customer = await make_customer()
    for due in (today - timedelta(days=40), today - timedelta(days=10), today + timedelta(days=3)):
        await make_receivable(customer, due, "129.90")
    rule = await make_rule()
    await run_rule(rule.id, today)
    return await CampaignEntry.get(customer_id=customer.id)


async def test_unchanged_debt_has_no_note(api, as_role, entry_8):
    body = (
        await api.get(f"/api/v1/entries/{entry_8.id}", headers=await as_role(Role.ATTENDANT))
    ).json()
    assert (body["total_debt"], body["receivables_count"]) == ("259.80", 2)
    assert body["debt_now"] == {"total": "259.80", "receivables_count": 2}
    assert body["debt_note"] is None


async def test_the_entry_shows_the_debt_negociar_will_negotiate(api, as_role, entry_8):
    clock.travel(TEST_NOW + timedelta(days=5))  # the third bill is now two days late
    headers = await as_role(Role.ATTENDANT)
    body = (await api.get(f"/api/v1/entries/{entry_8.id}", headers=headers)).json()
    assert (body["total_debt"], body["receivables_count"]) == ("259.80", 2)  # the list's snapshot
    assert body["debt_now"] == {"total": "389.70", "receivables_count": 3}
    assert body["debt_note"] == NOTE

    offer = body["offers"][0]
    made = await api.post(
        f"/api/v1/entries/{entry_8.id}/agreement",
        headers=headers,
        json={"condition_id": offer["condition_id"], "option_id": offer["option_id"]},
    )
    assert made.status_code == 201, made.text
    assert Decimal(made.json()["principal"]) == Decimal(body["debt_now"]["total"])


async def test_the_console_entry_page_shows_it_too(browser, sign_in, entry_8):
    clock.travel(TEST_NOW + timedelta(days=5))
    await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/entries/{entry_8.id}")).text
    assert "R$\xa0389,70 em 3 contas" in html
    assert NOTE in html
