"""Executar through the API: preview, a background run, its log, and re-running safely."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import CampaignEntry
from models.clock import today_in
from models.enums import Role
from tests.factories import make_customer, make_receivable


@pytest.fixture
async def debtors(db):
    today = today_in("America/Sao_Paulo")
    for n, (city, days, amount) in enumerate(
        [
            ("Campinas", 45, "99.90"),
            ("Campinas", 60, "199.90"),
            ("Campinas", 10, "79.90"),
            ("Recife", 90, "99.90"),
        ]
    ):
        customer = await make_customer(name=f"Devedor {n}", city=city)
        await make_receivable(customer, today - timedelta(days=days), amount)
        await make_receivable(customer, today - timedelta(days=days - 30), amount)


RULE = {
    "description": "Campinas, 30 dias ou mais",
    "active": True,
    "minutes_per_call": 5,
    "filters": [
        {"field": "city", "operator": "eq", "value": "Campinas"},
        {"field": "days_late", "operator": "ge", "value": 30},
    ],
}


async def test_preview_run_and_log(api, as_role, debtors):
    headers = await as_role(Role.SUPERVISOR)
    rule = (await api.post("/api/v1/rules", headers=headers, json=RULE)).json()

    preview = await api.post(f"/api/v1/rules/{rule['id']}/preview", headers=headers)
    assert preview.status_code == 200
    counts = preview.json()
    assert (counts["customers"], counts["receivables"]) == (2, 3)
    assert await CampaignEntry.all().count() == 0

    started = await api.post(f"/api/v1/rules/{rule['id']}/runs", headers=headers)
    assert started.status_code == 202
    run = (await api.get(f"/api/v1/runs/{started.json()['id']}", headers=headers)).json()
    assert run["status"] == "finished" and run["progress"] == 100
    assert (run["customers_count"], run["receivables_count"]) == (2, 3)
    assert run["amount"] == counts["amount"]
    assert "Início da execução" in run["log"] and "Fim:" in run["log"]

    entries = await api.get(f"/api/v1/entries?campaign_id={run['campaign_id']}", headers=headers)
    totals = [e["total_debt"] for e in entries.json()]
    assert totals == sorted(totals, key=float, reverse=True) and len(totals) == 2

    again = await api.post(f"/api/v1/rules/{rule['id']}/runs", headers=headers)
    second = (await api.get(f"/api/v1/runs/{again.json()['id']}", headers=headers)).json()
    assert second["status"] == "finished" and second["customers_count"] == 0
    assert await CampaignEntry.all().count() == 2


async def test_attendants_do_not_run_rules(api, as_role, debtors):
    admin = await as_role(Role.ADMIN)
    rule = (await api.post("/api/v1/rules", headers=admin, json=RULE)).json()
    attendant = await as_role(Role.ATTENDANT)
    for path in (f"/api/v1/rules/{rule['id']}/preview", f"/api/v1/rules/{rule['id']}/runs"):
        assert (await api.post(path, headers=attendant)).status_code == 403


async def test_unknown_rule_is_404(api, as_role):
    answer = await api.post("/api/v1/rules/999/runs", headers=await as_role(Role.ADMIN))
    assert answer.status_code == 404
