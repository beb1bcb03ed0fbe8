"""Setting up automatic collection through the API: a campaign's contact type and active
flag, the rule's robot retries (pt-BR errors), and an export that takes the debtor out of the
ISP's own open entries."""

from __future__ import annotations

from datetime import timedelta

from models import AuditLog, Campaign, CampaignEntry, CollectionRule, ContactType, clock
from models.clock import today_in
from models.enums import ContactKind, EntryState, Role
from tests.factories import make_customer, make_receivable

RULE = {"description": "Robô, 30 dias", "active": False, "minutes_per_call": 5}


async def _campaign() -> Campaign:
    rule = await CollectionRule.create(description="Teste", active=True)
    return await Campaign.create(rule=rule, description="Teste")


async def test_patch_sets_the_contact_type_and_the_active_flag(api, as_role) -> None:
    headers = await as_role(Role.SUPERVISOR)
    robot = await ContactType.create(name="Robô", kind=ContactKind.ROBOT_CALL)
    campaign = await _campaign()

    answer = await api.patch(
        f"/api/v1/campaigns/{campaign.id}", headers=headers, json={"contact_type_id": robot.id}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["contact_type_id"] == robot.id and answer.json()["active"] is True
    answer = await api.patch(
        f"/api/v1/campaigns/{campaign.id}", headers=headers, json={"active": False}
    )
    assert answer.json()["contact_type_id"] == robot.id and answer.json()["active"] is False
    stored = await Campaign.get(id=campaign.id)
    assert (stored.contact_type_id, stored.active) == (robot.id, False)
    log = await AuditLog.filter(entity="campaign", entity_id=str(campaign.id)).order_by("id")
    assert [entry.after["active"] for entry in log] == [True, False]


async def test_patch_campaign_errors_are_in_portuguese(api, as_role) -> None:
    headers = await as_role(Role.SUPERVISOR)
    inactive = await ContactType.create(name="Antigo", kind=ContactKind.ROBOT_CALL, active=False)
    campaign = await _campaign()
    url = f"/api/v1/campaigns/{campaign.id}"

    cases = [
        ({"contact_type_id": 999}, 422, "tipo de contato 999 não existe ou está inativo"),
        ({"contact_type_id": inactive.id}, 422, "não existe ou está inativo"),
        ({}, 422, "informe o tipo de contato"),
        ({"active": None}, 422, "active: informe sim (true) ou não (false)"),
    ]
    for body, status, message in cases:
        answer = await api.patch(url, headers=headers, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert message in answer.json()["detail"], body
    missing = await api.patch("/api/v1/campaigns/999", headers=headers, json={"active": True})
    assert missing.status_code == 404 and missing.json()["detail"] == "campanha 999 não existe"
    attendant = await as_role(Role.ATTENDANT)
    refused = await api.patch(url, headers=attendant, json={"active": False})
    assert refused.status_code == 403
    assert (await Campaign.get(id=campaign.id)).active is True  # nothing written


async def test_rule_api_sets_the_robot_retries(api, as_role) -> None:
    headers = await as_role(Role.SUPERVISOR)
    made = await api.post(
        "/api/v1/rules", headers=headers, json={**RULE, "retry_minutes": 90, "max_attempts": 5}
    )
    assert made.status_code == 201, made.text
    assert (made.json()["retry_minutes"], made.json()["max_attempts"]) == (90, 5)
    rule = await CollectionRule.get(id=made.json()["id"])
    assert (rule.retry_minutes, rule.max_attempts) == (90, 5)
    default = await api.post("/api/v1/rules", headers=headers, json=RULE)
    assert (default.json()["retry_minutes"], default.json()["max_attempts"]) == (120, 3)

    cases = [
        ({"retry_minutes": 0}, "retry_minutes: o intervalo entre tentativas deve ser de 1 a"),
        ({"retry_minutes": 20000}, "retry_minutes: o intervalo entre tentativas deve ser de 1 a"),
        ({"max_attempts": 0}, "max_attempts: o limite de tentativas deve ser de 1 a 20"),
        ({"max_attempts": 21}, "max_attempts: o limite de tentativas deve ser de 1 a 20"),
    ]
    for extra, message in cases:
        answer = await api.put(f"/api/v1/rules/{rule.id}", headers=headers, json={**RULE, **extra})
        assert answer.status_code == 422, (extra, answer.text)
        assert message in answer.json()["detail"], extra
    rule = await CollectionRule.get(id=rule.id)
    assert (rule.retry_minutes, rule.max_attempts) == (90, 5)  # nothing written


async def test_an_export_takes_the_debtor_out_of_the_isps_own_entries(api, as_role, agency) -> None:
    headers = await as_role(Role.SUPERVISOR)
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="Devedor")
    other = await make_customer(name="Outro")
    entries = {}
    for name, state, who in [
        ("exported", EntryState.PENDING, customer),
        ("pending", EntryState.PENDING, customer),
        ("working", EntryState.IN_PROGRESS, customer),
        ("done", EntryState.DONE, customer),
        ("someone_else", EntryState.PENDING, other),
    ]:
        await make_receivable(who, today - timedelta(days=40), "99.90")
        campaign = await _campaign()
        entries[name] = await CampaignEntry.create(
            campaign=campaign,
            rule_id=campaign.rule_id,
            customer=who,
            position=1,
            total_debt="99.90",
            receivables_count=1,
            oldest_due_date=today - timedelta(days=40),
            call_at=clock.now(),
            state=state,
            notes="anotação" if name == "working" else None,
        )

    answer = await api.post(
        "/api/v1/exports",
        headers=headers,
        json={"agency_id": agency.id, "entry_ids": [entries["exported"].id]},
    )
    assert answer.status_code == 200, answer.text

    now = {name: await CampaignEntry.get(id=e.id) for name, e in entries.items()}
    assert now["exported"].state == EntryState.EXPORTED
    assert now["pending"].state == now["working"].state == EntryState.CANCELLED
    note = f"Encerrada: cliente exportado ao escritório {agency.name}"
    assert now["pending"].notes == f"{note} (entrada {entries['exported'].id})"
    assert now["working"].notes.startswith("anotação\n" + note)
    assert now["done"].state == EntryState.DONE and now["done"].notes is None
    assert now["someone_else"].state == EntryState.PENDING
    log = await AuditLog.get(action="export")
    assert log.after["closed_entries"] == sorted([entries["pending"].id, entries["working"].id])
