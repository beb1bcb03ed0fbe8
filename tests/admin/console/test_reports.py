"""Relatórios in the console: the period form and the results file it downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from models import ResultType
from models.enums import ResultKind, Role
from tests.factories import make_customer, make_result


async def test_the_supervisor_picks_a_period_and_downloads_the_file(browser, sign_in, users):
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    customer = await make_customer(name="Carla Dias")
    await make_result(
        customer,
        at=datetime(2026, 11, 25, 14, tzinfo=UTC),
        user=users[Role.SUPERVISOR],
        result_type=result,
    )
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get("/console/reports")).text
    assert 'href="/console/reports" aria-current="page">Relatórios' in html
    # The last seven days by default, today (27/11/2026 in São Paulo) included.
    assert 'name="from" value="2026-11-21"' in html and 'name="to" value="2026-11-27"' in html
    assert 'action="/console/reports/results.csv"' in html
    assert "<script>" not in html and not re.search(r"<script(?![^>]*src=)", html)

    answer = await browser.get(
        "/console/reports/results.csv", params={"from": "2026-11-21", "to": "2026-11-27"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        'filename="resultados_2026-11-21_2026-11-27.csv"' in answer.headers["content-disposition"]
    )
    _, row = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert row[:3] == ["25/11/2026 11:00", users[Role.SUPERVISOR].username, "Carla Dias"]


async def test_a_bad_period_shows_the_form_again_with_the_reason(browser, sign_in):
    await sign_in(Role.ADMIN)
    answer = await browser.get(
        "/console/reports/results.csv", params={"from": "2026-11-28", "to": "2026-11-27"}
    )
    assert answer.status_code == 422
    assert "a data final é anterior à inicial" in answer.text
    assert 'name="from" value="2026-11-28"' in answer.text


@pytest.mark.parametrize("role", [Role.ATTENDANT, Role.AGENCY])
async def test_attendants_and_agencies_neither_see_nor_open_it(browser, sign_in, role):
    await sign_in(role)
    assert 'href="/console/reports"' not in (await browser.get("/console")).text
    assert (await browser.get("/console/reports")).status_code == 403
    answer = await browser.get(
        "/console/reports/results.csv", params={"from": "2026-11-27", "to": "2026-11-27"}
    )
    assert answer.status_code == 403
