"""Every id, offset and amount the API takes is bounded in its schema (a larger one used to
reach the database: a 500 on PostgreSQL), `false` is not an id, and every refusal is documented
in the shape it is sent."""

from __future__ import annotations

import pytest

from models.enums import Role

TOO_BIG_ID = 2**31


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/agencies/{TOO_BIG_ID}",
        f"/api/v1/customers/{TOO_BIG_ID}",
        f"/api/v1/entries?campaign_id={TOO_BIG_ID}",
        f"/api/v1/calls?customer_id={TOO_BIG_ID}",
        f"/api/v1/calls?offset={2**63}",
        "/api/v1/agencies/0",
    ],
)
async def test_ids_and_offsets_out_of_range_are_422(api, as_role, path) -> None:
    answer = await api.get(path, headers=await as_role(Role.ADMIN))
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], list)  # FastAPI's own refusal, as documented


async def test_false_is_not_an_id(api, as_role, agency) -> None:
    headers = await as_role(Role.ADMIN)
    answer = await api.post(
        "/api/v1/exports", headers=headers, json={"agency_id": agency.id, "entry_ids": [False]}
    )
    assert answer.status_code == 422
    assert "não true/false" in answer.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_installment_amount", "1e20"), ("amount_max", "1000000000.01")],
)
async def test_amounts_are_bounded(api, as_role, field, value) -> None:
    condition = {
        "description": "Condição",
        "billing_method_generate": "boleto",
        "options": [{"installments": 1}],
        field: value,
    }
    answer = await api.post("/api/v1/conditions", headers=await as_role(Role.ADMIN), json=condition)
    assert answer.status_code == 422, answer.text
    assert [field] == answer.json()["detail"][0]["loc"][-1:]


async def test_our_own_422_is_documented_in_its_shape(api, as_role) -> None:
    """InvalidInput answers {"detail": "<text>"}; the OpenAPI of the operation says so."""
    answer = await api.put(
        "/api/v1/contact-windows/XX",
        headers=await as_role(Role.ADMIN),
        json={"weekday_start": "08:00", "weekday_end": "20:00"},
    )
    assert answer.status_code == 422 and isinstance(answer.json()["detail"], str)
    spec = (await api.get("/openapi.json")).json()
    documented = spec["paths"]["/api/v1/contact-windows/{state}"]["put"]["responses"]["422"]
    shapes = documented["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/ErrorOut"} in shapes
    assert spec["components"]["schemas"]["ErrorOut"]["properties"]["detail"]["type"] == "string"


async def test_fastapis_own_refusals_are_in_portuguese_with_the_field(api, as_role) -> None:
    headers = await as_role(Role.ADMIN)
    answer = await api.get("/api/v1/calls?limit=9999", headers=headers)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["query", "limit"] and error["msg"] == "limit: deve ser no máximo 500"
    missing = await api.post("/api/v1/conditions", headers=headers, json={"description": "x"})
    assert "options: obrigatório" in [e["msg"] for e in missing.json()["detail"]]
