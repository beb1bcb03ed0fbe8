"""Message templates through the admin API: create, refuse unknown variables (422, pt-BR),
preview with the sample debtor, and the rule action's template of its own channel."""

from __future__ import annotations

import pytest

from models import AuditLog, CollectionAction, MessageTemplate


@pytest.fixture
async def admin(as_role):
    from models.enums import Role

    return await as_role(Role.ADMIN)


SMS = {"channel": "sms", "name": "Lembrete curto", "text": "{primeiro_nome}, pague {total}"}


async def test_create_list_and_audit(api, admin):
    answer = await api.post("/api/v1/message-templates", headers=admin, json=SMS)
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == "sms"
    listed = await api.get("/api/v1/message-templates?channel=sms", headers=admin)
    assert [t["name"] for t in listed.json()] == ["Lembrete curto"]
    assert await AuditLog.filter(entity="message_template", action="create").count() == 1


async def test_unknown_variable_is_422_in_portuguese(api, admin):
    answer = await api.post(
        "/api/v1/message-templates", headers=admin, json={**SMS, "text": "Olá {apelido}"}
    )
    assert answer.status_code == 422
    assert "variável desconhecida {apelido}" in answer.text
    assert await MessageTemplate.all().count() == 0


async def test_preview_renders_the_sample_debtor(api, admin):
    answer = await api.post("/api/v1/message-templates/preview", headers=admin, json=SMS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["text"].startswith("Maria, pague R$ 289,70")
    assert "CNPJ 11.222.333/0001-81" in body["text"]
    assert body["segments"] == 1 and body["encoding"] == "GSM-7"


async def test_a_rule_action_takes_only_a_template_of_its_channel(api, admin):
    sms = (await api.post("/api/v1/message-templates", headers=admin, json=SMS)).json()
    rule = {
        "description": "Atrasados",
        "filters": [{"field": "days_late", "operator": "ge", "value": 30}],
        "actions": [{"kind": "email", "days_late": 30, "message_template_id": sms["id"]}],
    }
    refused = await api.post("/api/v1/rules", headers=admin, json=rule)
    assert refused.status_code == 422
    assert "é de SMS, não serve para uma ação de e-mail" in refused.text
    rule["actions"][0]["kind"] = "sms"
    made = await api.post("/api/v1/rules", headers=admin, json=rule)
    assert made.status_code == 201, made.text
    assert made.json()["actions"][0]["message_template_id"] == sms["id"]
    # In use: not deleted.
    gone = await api.delete(f"/api/v1/message-templates/{sms['id']}", headers=admin)
    assert gone.status_code == 409
    assert await CollectionAction.filter(message_template_id=sms["id"]).count() == 1
