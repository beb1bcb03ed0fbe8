"""The JSON bulk upsert: good rows land, bad ones come back with reasons; audited."""

from __future__ import annotations

from models import AuditLog, Customer, Receivable
from models.enums import Role


async def test_bulk_customers_and_receivables(api, as_role):
    headers = await as_role(Role.SUPERVISOR)
    rows = [
        {
            "external_id": "C1",
            "name": "Ana Fictícia",
            "document": "529.982.247-25",
            "city": "Campinas",
            "state": "SP",
            "phones": "(19) 98888-7777",
        },
        {"external_id": "C2", "name": "Sem CPF", "document": "123"},
    ]
    answer = await api.post("/api/v1/imports/customers", headers=headers, json={"rows": rows})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["created"], body["updated"]) == (1, 0)
    assert [(r["line"], r["external_id"]) for r in body["rejected"]] == [(2, "C2")]
    assert await Customer.filter(external_id="C1").exists()

    bills = [
        {
            "external_id": "R1",
            "customer_external_id": "C1",
            "issue_date": "2026-09-01",
            "due_date": "2026-09-10",
            "amount": "1.234,56",
        },
        {
            "external_id": "R2",
            "customer_external_id": "C9",
            "due_date": "2026-09-10",
            "amount": "10",
        },
    ]
    answer = await api.post("/api/v1/imports/receivables", headers=headers, json={"rows": bills})
    body = answer.json()
    assert body["created"] == 1 and body["rejected"][0]["external_id"] == "R2"
    assert str((await Receivable.get(external_id="R1")).amount) == "1234.56"
    assert await AuditLog.filter(action="import").count() == 2


async def test_attendants_do_not_import(api, as_role):
    rows = [{"external_id": "C1", "name": "x", "document": "52998224725"}]
    answer = await api.post(
        "/api/v1/imports/customers", headers=await as_role(Role.ATTENDANT), json={"rows": rows}
    )
    assert answer.status_code == 403


async def test_empty_body_is_422(api, as_role):
    answer = await api.post(
        "/api/v1/imports/customers", headers=await as_role(Role.ADMIN), json={"rows": []}
    )
    assert answer.status_code == 422 and "rows" in answer.text
