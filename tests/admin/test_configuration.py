"""Configuration endpoints: what they store, what they refuse (422, field named), the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import AuditLog, PaymentCondition
from models.enums import Role

SEED_CONDITION = {
    "description": "Negociação padrão",
    "is_default": True,
    "amount_min": "0.00",
    "amount_max": "99999.99",
    "days_to_first_due": 3,
    "overdue_days_min": 1,
    "overdue_days_max": 9999,
    "billing_method_generate": "boleto",
    "interest_pct": "1",
    "fine_pct": "2",
    "options": [
        {"installments": 1, "interest_discount_pct": "100", "debt_discount_pct": "10"},
        {"installments": 3, "days_between": 30, "interest_discount_pct": "50"},
        {"installments": 4, "days_between": 20, "min_down_payment_pct": "30"},
    ],
}


@pytest.fixture
async def admin(as_role):
    return await as_role(Role.ADMIN)


async def test_condition_with_three_options_round_trips_and_is_audited(api, admin):
    answer = await api.post("/api/v1/conditions", headers=admin, json=SEED_CONDITION)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [o["installments"] for o in body["options"]] == [1, 3, 4]
    assert body["options"][2]["min_down_payment_pct"] == "30.0000"
    again = await api.get(f"/api/v1/conditions/{body['id']}", headers=admin)
    assert again.json() == body
    log = await AuditLog.get(entity="payment_condition", entity_id=str(body["id"]))
    assert log.action == "create" and log.actor == "admin"
    assert log.after["description"] == "Negociação padrão" and len(log.after["options"]) == 3


async def test_a_new_default_condition_takes_over(api, admin):
    first = (await api.post("/api/v1/conditions", headers=admin, json=SEED_CONDITION)).json()
    second = (await api.post("/api/v1/conditions", headers=admin, json=SEED_CONDITION)).json()
    assert second["is_default"]
    assert not (await PaymentCondition.get(id=first["id"])).is_default


async def test_update_replaces_options_and_keeps_before_in_the_audit(api, admin):
    made = (await api.post("/api/v1/conditions", headers=admin, json=SEED_CONDITION)).json()
    changed = {**SEED_CONDITION, "fine_pct": "5", "options": SEED_CONDITION["options"][:1]}
    answer = await api.put(f"/api/v1/conditions/{made['id']}", headers=admin, json=changed)
    assert answer.status_code == 200
    assert answer.json()["fine_pct"] == "5.0000" and len(answer.json()["options"]) == 1
    log = await AuditLog.get(entity="payment_condition", action="update")
    assert Decimal(log.before["fine_pct"]) == 2 and Decimal(log.after["fine_pct"]) == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fine_pct": "150"}, "fine_pct"),
        ({"interest_pct": "-1"}, "interest_pct"),
        ({"amount_min": "100", "amount_max": "10"}, "amount_min/amount_max"),
        ({"overdue_days_min": 90, "overdue_days_max": 30}, "overdue_days_min/max"),
        ({"options": []}, "options"),
        ({"options": [{"installments": 3, "days_between": 0}]}, "days_between"),
        ({"options": [{"installments": 1, "debt_discount_pct": "101"}]}, "debt_discount_pct"),
        ({"description": ""}, "description"),
        ({"min_installment_amount": "0"}, "min_installment_amount"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_invalid_condition_is_422_naming_the_field(api, admin, change, field):
    answer = await api.post("/api/v1/conditions", headers=admin, json={**SEED_CONDITION, **change})
    assert answer.status_code == 422
    assert field in answer.text
    assert await PaymentCondition.all().count() == 0


def _rule(**change):
    rule = {
        "description": "Atrasados de SP",
        "active": True,
        "minutes_per_call": 4,
        "filters": [
            {"field": "state", "operator": "in", "value": ["SP"]},
            {"field": "days_late", "operator": "ge", "value": 30},
        ],
        "actions": [{"kind": "sms", "days_late": 30}],
    }
    rule.update(change)
    return rule


async def test_rule_with_filters_actions_and_a_linked_condition(api, admin):
    other = {**SEED_CONDITION, "is_default": False, "description": "Parcelado"}
    linked = (await api.post("/api/v1/conditions", headers=admin, json=other)).json()
    answer = await api.post(
        "/api/v1/rules", headers=admin, json=_rule(condition_ids=[linked["id"]])
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [(f["field"], f["operator"], f["value"]) for f in body["filters"]] == [
        ("state", "in", ["SP"]),
        ("days_late", "ge", 30),
    ]
    assert body["condition_ids"] == [linked["id"]]
    assert body["actions"][0]["kind"] == "sms"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"filters": []}, "uma regra ativa precisa de ao menos um filtro"),
        ({"minutes_per_call": 0}, "minutes_per_call"),
        ({"amount_min": "50", "amount_max": "5"}, "amount_min/amount_max"),
        (
            {"filters": [{"field": "total_debt", "operator": "between", "value": [10]}]},
            "informe uma lista com dois valores",
        ),
        (
            {"filters": [{"field": "days_late", "operator": "contains", "value": 3}]},
            "operador não se aplica a este campo",
        ),
        (
            {"filters": [{"field": "due_date", "operator": "lt", "value": "2026-02-30"}]},
            "não existe",
        ),
        (
            {"filters": [{"field": "city", "operator": "in", "value": []}]},
            "informe uma lista com pelo menos um valor",
        ),
        ({"filters": [{"field": "colour", "operator": "eq", "value": "x"}]}, "field"),
        ({"filters": [{"field": "city", "operator": "like", "value": "x"}]}, "operator"),
    ],
)
async def test_invalid_rule_is_422_saying_what_is_wrong(api, admin, change, words):
    answer = await api.post("/api/v1/rules", headers=admin, json=_rule(**change))
    assert answer.status_code == 422
    assert words in answer.text


async def test_a_rule_may_not_link_the_default_condition(api, admin):
    default = (await api.post("/api/v1/conditions", headers=admin, json=SEED_CONDITION)).json()
    answer = await api.post(
        "/api/v1/rules", headers=admin, json=_rule(condition_ids=[default["id"]])
    )
    assert answer.status_code == 422
    assert "a condição padrão não pode ser ligada a uma regra" in answer.json()["detail"]
    missing = await api.post("/api/v1/rules", headers=admin, json=_rule(condition_ids=[999]))
    assert missing.status_code == 422 and "999" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/collection-statuses", {"name": ""}, "name"),
        ("/api/v1/result-types", {"name": "x", "kind": "maybe"}, "kind"),
        ("/api/v1/contact-types", {"name": "x", "kind": "fax"}, "kind"),
        ("/api/v1/agencies", {"name": "x", "cnpj": "11.222.333/0001-80"}, "cnpj"),
        ("/api/v1/agencies", {"name": "x", "email": "not-an-email"}, "email"),
    ],
)
async def test_invalid_catalog_entries_are_422_naming_the_field(api, admin, path, body, field):
    answer = await api.post(path, headers=admin, json=body)
    assert answer.status_code == 422
    assert field in answer.text


async def test_catalog_crud_with_audit(api, admin):
    made = await api.post(
        "/api/v1/collection-statuses",
        headers=admin,
        json={"name": "Acordo", "allows_receipt": True},
    )
    assert made.status_code == 201
    item = made.json()
    duplicate = await api.post(
        "/api/v1/collection-statuses", headers=admin, json={"name": "Acordo"}
    )
    assert duplicate.status_code == 409
    path = f"/api/v1/collection-statuses/{item['id']}"
    changed = await api.put(path, headers=admin, json={"name": "Acordo firmado"})
    assert changed.json()["name"] == "Acordo firmado" and changed.json()["allows_receipt"] is False
    assert (await api.delete(path, headers=admin)).status_code == 204
    assert (await api.get(path, headers=admin)).status_code == 404
    actions = await AuditLog.filter(entity="collection_status").values_list("action", flat=True)
    assert sorted(actions) == ["create", "delete", "update"]
