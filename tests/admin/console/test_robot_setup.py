"""The console sets up automatic collection: a campaign's contact type and active flag, and
the rule's robot retries, with errors in pt-BR next to the field."""

from __future__ import annotations

from models import Campaign, CollectionRule, ContactType
from models.enums import ContactKind, Role
from tests.admin.console.test_rules import _form


async def _campaign() -> Campaign:
    rule = await CollectionRule.create(description="Régua do robô", active=True)
    return await Campaign.create(rule=rule, description="Régua do robô — 27/11/2026")


async def test_the_campaign_page_sets_the_contact_type_and_pauses(browser, sign_in) -> None:
    token = await sign_in(Role.SUPERVISOR)
    robot = await ContactType.create(name="Robô", kind=ContactKind.ROBOT_CALL)
    campaign = await _campaign()

    page = (await browser.get(f"/console/campaigns/{campaign.id}")).text
    assert "Configuração da campanha" in page and 'name="contact_type_id"' in page
    assert "Robô (Ligação do robô)" in page

    saved = await browser.post(
        f"/console/campaigns/{campaign.id}/setup",
        data={"csrf_token": token, "contact_type_id": str(robot.id)},  # "active" unticked
    )
    assert saved.status_code == 303, saved.text
    stored = await Campaign.get(id=campaign.id)
    assert (stored.contact_type_id, stored.active) == (robot.id, False)
    shown = (await browser.get(saved.headers["location"])).text
    assert f'<option value="{robot.id}" selected>' in shown

    bad = await browser.post(
        f"/console/campaigns/{campaign.id}/setup",
        data={"csrf_token": token, "contact_type_id": "999", "active": "on"},
    )
    assert bad.status_code == 422
    assert 'id="contact_type_id-error">tipo de contato 999 não existe ou está inativo<' in bad.text
    assert (await Campaign.get(id=campaign.id)).active is False  # nothing written


async def test_an_attendant_does_not_see_nor_post_the_campaign_setup(browser, sign_in) -> None:
    token = await sign_in(Role.ATTENDANT)
    campaign = await _campaign()
    page = (await browser.get(f"/console/campaigns/{campaign.id}")).text
    assert "Configuração da campanha" not in page
    refused = await browser.post(
        f"/console/campaigns/{campaign.id}/setup", data={"csrf_token": token, "active": "on"}
    )
    assert refused.status_code == 403


async def test_the_rule_form_sets_the_robot_retries(browser, sign_in) -> None:
    token = await sign_in(Role.SUPERVISOR)
    form = (await browser.get("/console/rules/new")).text
    assert 'name="retry_minutes"' in form and 'value="120"' in form
    assert 'name="max_attempts"' in form

    bad = await browser.post(
        "/console/rules", data=_form(token, retry_minutes="0", max_attempts="4")
    )
    assert bad.status_code == 422
    assert 'id="retry_minutes-error">o intervalo entre tentativas deve ser de 1 a' in bad.text
    assert await CollectionRule.all().count() == 0

    saved = await browser.post(
        "/console/rules", data=_form(token, retry_minutes="45", max_attempts="4")
    )
    assert saved.status_code == 303, saved.text
    rule = await CollectionRule.get()
    assert (rule.retry_minutes, rule.max_attempts) == (45, 4)
    page = (await browser.get(saved.headers["location"])).text
    assert 'value="45"' in page and 'value="4"' in page
