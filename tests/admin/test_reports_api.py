"""GET /api/v1/reports/results.csv: the results of a period as the file a supervisor downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from models import ResultType
from models.enums import AgreementStatus, ResultKind, Role
from tests.factories import make_customer, make_result
from tests.negotiation.rule_factories import make_agreement

URL = "/api/v1/reports/results.csv"


async def negotiated_entry(users) -> None:
    result = await ResultType.create(name="Acordo fechado", kind=ResultKind.NEGOTIATED)
    customer = await make_customer(name="Ana Lima", document="11222333000181")
    agreement = await make_agreement(customer, AgreementStatus.ACTIVE)
    agreement.total, agreement.installments_count = Decimal("1234.56"), 3
    await agreement.save()
    await make_result(
        customer,
        at=datetime(2026, 11, 26, 20, 30, tzinfo=UTC),  # 17:30 in São Paulo
        user=users[Role.ATTENDANT],
        result_type=result,
        agreement=agreement,
    )


async def test_the_file_is_a_portuguese_spreadsheet(api, as_role, users):
    await negotiated_entry(users)
    answer = await api.get(
        URL,
        params={"from": "2026-11-20", "to": "2026-11-27"},
        headers=await as_role(Role.SUPERVISOR),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        answer.headers["content-disposition"]
        == 'attachment; filename="resultados_2026-11-20_2026-11-27.csv"'
    )
    assert answer.content.startswith("\ufeff".encode())
    text = answer.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[0] == "data_hora" and len(header) == len(row) == 15
    data = dict(zip(header, row, strict=True))
    assert data["data_hora"] == "26/11/2026 17:30"
    assert data["responsavel"] == users[Role.ATTENDANT].username
    assert data["cpf_cnpj"] == "11.222.333/0001-81"
    assert data["resultado"] == "Acordo fechado"
    assert data["canal"] == "Linha de comando"
    assert (data["valor_acordo"], data["parcelas"]) == ("1.234,56", "3")
    assert data["acordo"].isdigit()
    assert text.splitlines()[1].count(";") == 14


async def test_an_empty_period_is_the_header_alone(api, as_role):
    answer = await api.get(
        URL, params={"from": "2026-11-27", "to": "2026-11-27"}, headers=await as_role(Role.ADMIN)
    )
    assert answer.status_code == 200
    assert answer.content.decode("utf-8-sig").count("\n") == 1


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"to": "2026-11-27"}, "informe a data inicial"),
        ({"from": "2026-11-27"}, "informe a data final"),
        ({"from": "2026-13-01", "to": "2026-11-27"}, "data inicial inválida"),
        ({"from": "2026-11-28", "to": "2026-11-27"}, "anterior à inicial"),
        ({"from": "2025-01-01", "to": "2026-11-27"}, "mais de 366 dias"),
    ],
)
async def test_a_bad_period_is_422_in_portuguese(api, as_role, params, reason):
    answer = await api.get(URL, params=params, headers=await as_role(Role.SUPERVISOR))
    assert answer.status_code == 422
    assert reason in answer.json()["detail"]


@pytest.mark.parametrize("role", [Role.ATTENDANT, Role.AGENCY])
async def test_attendants_and_agencies_are_refused(api, as_role, role):
    params = {"from": "2026-11-27", "to": "2026-11-27"}
    answer = await api.get(URL, params=params, headers=await as_role(role))
    assert answer.status_code == 403


async def test_a_stranger_is_refused(api):
    answer = await api.get(URL, params={"from": "2026-11-27", "to": "2026-11-27"})
    assert answer.status_code == 401
