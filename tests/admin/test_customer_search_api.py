"""GET /api/v1/customers: the customer search, for whoever may view customers."""

from __future__ import annotations

from datetime import date

import pytest

from models import CustomerPhone
from models.enums import Role
from tests.factories import make_customer, make_receivable


@pytest.fixture
async def joao(db):
    customer = await make_customer(name="JOÃO PEREIRA", document="52998224725")
    await CustomerPhone.create(customer=customer, number="+5519988887777")
    await make_receivable(customer, date(2026, 10, 1), "150.00")
    return customer


@pytest.mark.parametrize("q", ["joao", "529.982.247-25", "5299", "(19) 98888-7777"])
async def test_finds_by_each_way(api, as_role, joao, q):
    answer = await api.get(
        "/api/v1/customers", params={"q": q}, headers=await as_role(Role.ATTENDANT)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "items": [
            {
                "id": joao.id,
                "name": "JOÃO PEREIRA",
                "document": "529.982.247-25",
                "phone": "(19) 98888-7777",
                "city": "Campinas",
                "state": "SP",
                "open_debt": "150.00",
            }
        ],
        "total": 1,
    }


async def test_total_and_paging(api, as_role, db):
    made = [await make_customer(name=f"Souza {n}") for n in range(5)]
    headers = await as_role(Role.SUPERVISOR)
    answer = await api.get(
        "/api/v1/customers", params={"q": "souza", "limit": 2, "offset": 2}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 5 and [i["id"] for i in body["items"]] == [c.id for c in made[2:4]]


async def test_an_agency_never_sees_customers(api, as_role, joao):
    answer = await api.get(
        "/api/v1/customers", params={"q": "joao"}, headers=await as_role(Role.AGENCY)
    )
    assert answer.status_code == 403


async def test_signed_in_only(api, joao):
    assert (await api.get("/api/v1/customers", params={"q": "joao"})).status_code == 401


@pytest.mark.parametrize("q", [None, "a"])
async def test_a_too_short_text_is_refused_in_portuguese(api, as_role, db, q):
    params = {} if q is None else {"q": q}
    answer = await api.get("/api/v1/customers", params=params, headers=await as_role(Role.ADMIN))
    assert answer.status_code == 422
    assert "ao menos 2 caracteres" in answer.json()["detail"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"q": "x" * 81}])
async def test_bounds(api, as_role, db, params):
    answer = await api.get(
        "/api/v1/customers", params={"q": "joao", **params}, headers=await as_role(Role.ADMIN)
    )
    assert answer.status_code == 422
