"""GET /api/v1/dashboard: the same figures as the Painel, scoped the same way."""

from __future__ import annotations

from models.enums import Role
from tests.negotiation.test_dashboard import two_agencies_and_the_isp


async def test_an_agency_gets_its_own_figures_and_the_isp_its_whole(api, as_role, agency):
    await two_agencies_and_the_isp(agency)
    mine = await api.get("/api/v1/dashboard", headers=await as_role(Role.AGENCY))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["recovered"], body["agreements"]["active"]) == ("100.00", 1)
    assert body["by_rule"] == [
        {"rule": "Atraso 30+", "entries": 2, "agreements": 1, "conversion": "50.0"}
    ]
    assert body["calls_today"] == 1 and body["waiting_conversations"] == 0
    isp = (await api.get("/api/v1/dashboard", headers=await as_role(Role.SUPERVISOR))).json()
    assert (isp["recovered"], isp["agreements"]["active"]) == ("850.00", 3)
    assert (await api.get("/api/v1/dashboard")).status_code == 401
