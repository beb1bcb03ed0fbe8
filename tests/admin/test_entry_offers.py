"""The offers of an entry, in the API and on the console's entry page: the demo's conditions
(one created twice) give no dominated offer and no duplicate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import Campaign, CampaignEntry, CollectionRule, clock
from models.clock import today_in
from models.enums import Role
from tests.factories import make_customer, make_receivable
from tests.negotiation.test_offers_shown import demo_conditions


@pytest.fixture
async def entry(db, users) -> CampaignEntry:
    today = today_in("America/Sao_Paulo")
    conditions = await demo_conditions(copies=2)
    rule = await CollectionRule.create(description="Teste", active=True)
    await rule.conditions.add(*[c for c in conditions if not c.is_default])
    campaign = await Campaign.create(rule=rule, description="Teste")
    customer = await make_customer(name="Josué Alves")
    for late in (40, 10):
        await make_receivable(customer, today - timedelta(days=late), "199.90")
    return await CampaignEntry.create(
        campaign=campaign,
        rule=rule,
        customer=customer,
        position=1,
        total_debt="399.80",
        receivables_count=2,
        oldest_due_date=today - timedelta(days=40),
        call_at=clock.now(),
    )


async def test_the_api_lists_no_dominated_offer_nor_duplicate(api, as_role, entry):
    headers = await as_role(Role.ATTENDANT)
    offers = (await api.get(f"/api/v1/entries/{entry.id}", headers=headers)).json()["offers"]
    assert [(o["installments"], o["down_payment"]) for o in offers] == [
        (1, None),
        (3, None),
        (6, None),
    ]
