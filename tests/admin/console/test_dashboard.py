"""The Painel: the ISP's figures for its team, the agency's own for an agency user."""

from __future__ import annotations

from models.enums import Role
from tests.negotiation.test_dashboard import two_agencies_and_the_isp


async def test_an_agency_user_sees_only_its_agencys_figures(browser, sign_in, agency):
    await two_agencies_and_the_isp(agency)
    await sign_in(Role.AGENCY)
    html = (await browser.get("/console")).text
    assert "Recuperado (total)</span><strong>R$\xa0100,00" in html
    assert "R$\xa0850,00" not in html and "R$\xa0600,00" not in html  # the ISP's own
    assert "R$\xa0200,00" not in html  # the other agency's
    assert "Conversas aguardando" not in html


async def test_the_isp_team_sees_the_whole_business(browser, sign_in, agency):
    await two_agencies_and_the_isp(agency)
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get("/console")).text
    assert "Recuperado (total)</span><strong>R$\xa0850,00" in html
    assert "Conversas aguardando</span><strong>1" in html
