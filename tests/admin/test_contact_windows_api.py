"""Janelas e feriados over the API: every state with its zone and window, edits with pt-BR
4xx on bad input, holidays added and removed, the entry's last refusal and the dashboard's
contacts per rule and channel."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models import AuditLog, ContactWindow, Holiday
from models.enums import Channel, ContactActor, EntryState, Role
from negotiation import contact_policy
from quita.settings import Settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_entry, make_rule


async def test_every_state_is_listed_with_its_zone_and_effective_window(api, as_role):
    # Read where it is edited (the console's windows page): not by an attendant.
    refused = await api.get("/api/v1/contact-windows", headers=await as_role(Role.ATTENDANT))
    assert refused.status_code == 403
    answer = await api.get("/api/v1/contact-windows", headers=await as_role(Role.SUPERVISOR))
    assert answer.status_code == 200
    shown = {w["state"]: w for w in answer.json()}
    assert len(shown) == 27
    assert shown["AM"]["zone"] == "America/Manaus"
    assert (shown["AM"]["weekday_start"], shown["AM"]["saturday_start"]) == ("08:00:00", None)
    assert (shown["RJ"]["weekday_start"], shown["RJ"]["weekday_end"]) == ("09:00:00", "19:00:00")
    assert shown["SP"]["saturday_end"] == "14:00:00" and not shown["SP"]["custom"]


async def test_a_window_is_set_and_reset(api, as_role):
    headers = await as_role(Role.SUPERVISOR)
    body = {"weekday_start": "09:30", "weekday_end": "18:00", "saturday_start": "09:00"}
    body["saturday_end"] = "12:00"
    answer = await api.put("/api/v1/contact-windows/ba", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["state"], shown["custom"], shown["weekday_start"]) == ("BA", True, "09:30:00")
    assert shown["default"]["weekday_start"] == "08:00:00"
    assert await ContactWindow.filter(state="BA").exists()

    answer = await api.delete("/api/v1/contact-windows/BA", headers=headers)
    assert answer.status_code == 200 and not answer.json()["custom"]
    assert not await ContactWindow.exists()
    assert await AuditLog.filter(entity="contact_window").count() == 2


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/contact-windows/ZZ", {"weekday_start": "08:00", "weekday_end": "18:00"}, "UF inválida"),
        (
            "/contact-windows/SP",
            {"weekday_start": "18:00", "weekday_end": "08:00"},
            "o fim deve ser depois do início",
        ),
        ("/contact-windows/SP", {"weekday_start": "8 horas", "weekday_end": "18:00"}, "inválido"),
        ("/contact-windows/SP", {"weekday_end": "18:00"}, "informe o horário"),
    ],
)
async def test_bad_windows_are_422_in_portuguese(api, as_role, path, body, words):
    answer = await api.put(f"/api/v1{path}", json=body, headers=await as_role(Role.ADMIN))
    assert answer.status_code == 422
    assert words in answer.json()["detail"]
    assert not await ContactWindow.exists() and not await AuditLog.exists()


async def test_holidays_are_added_listed_and_removed(api, as_role):
    headers = await as_role(Role.ADMIN)
    body = {"day": "20/01/2027", "state": "rj", "city": "Rio de Janeiro", "name": "São Sebastião"}
    answer = await api.post("/api/v1/holidays", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert (made["day"], made["state"], made["city"]) == ("2027-01-20", "RJ", "Rio de Janeiro")

    again = await api.post(
        "/api/v1/holidays", json=body | {"city": "RIO DE JANEIRO"}, headers=headers
    )
    assert again.status_code == 409 and "já existe um feriado" in again.json()["detail"]

    listed = await api.get("/api/v1/holidays?state=RJ", headers=headers)
    assert [h["name"] for h in listed.json()] == ["São Sebastião"]
    bad = await api.get("/api/v1/holidays?since=ontem", headers=headers)
    assert bad.status_code == 422 and "data inválida" in bad.json()["detail"]

    gone = await api.delete(f"/api/v1/holidays/{made['id']}", headers=headers)
    assert gone.status_code == 204 and not await Holiday.exists()
    missing = await api.delete(f"/api/v1/holidays/{made['id']}", headers=headers)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"day": "2027-02-30", "state": "SP", "name": "X"}, "data inválida"),
        ({"day": "2027-02-03", "state": "XY", "name": "X"}, "UF inválida"),
        ({"day": "2027-02-03", "state": "SP", "name": ""}, "informe o nome"),
    ],
)
async def test_bad_holidays_are_422_in_portuguese(api, as_role, body, words):
    answer = await api.post("/api/v1/holidays", json=body, headers=await as_role(Role.ADMIN))
    assert answer.status_code == 422 and words in answer.json()["detail"]
    assert not await Holiday.exists()


async def test_only_who_configures_may_edit(api, as_role):
    headers = await as_role(Role.ATTENDANT)
    body = {"weekday_start": "08:00", "weekday_end": "18:00"}
    assert (
        await api.put("/api/v1/contact-windows/SP", json=body, headers=headers)
    ).status_code == 403
    holiday = {"day": "2027-02-03", "state": "SP", "name": "X"}
    assert (await api.post("/api/v1/holidays", json=holiday, headers=headers)).status_code == 403


async def test_the_entry_and_the_dashboard_show_why_not(api, as_role, users):
    debtor = await make_customer(state="AM", city="Manaus")
    await make_receivable(debtor, date(2026, 10, 10), "50.00")
    rule = await make_rule(description="Régua AM")
    entry = await make_entry(rule, debtor, EntryState.PENDING)
    early = datetime(2026, 12, 2, 8, 45, tzinfo=ZoneInfo("America/Sao_Paulo"))
    settings = Settings(secret_key="test", database_url="sqlite://:memory:")
    await contact_policy.decide(
        debtor, Channel.VOICE, early, settings, kind="call", actor=ContactActor.ROBOT,
        entry_id=entry.id,
    )  # fmt: skip

    seen = await api.get(f"/api/v1/entries/{entry.id}", headers=await as_role(Role.ADMIN))
    refusal = seen.json()["last_refusal"]
    assert refusal["reason"] == "outside_window"
    assert refusal["reason_label"] == "Fora do horário permitido"
    assert refusal["retry_at"] is not None and refusal["rule_id"] == rule.id

    figures = (await api.get("/api/v1/dashboard", headers=await as_role(Role.ADMIN))).json()
    [row] = figures["contacts"]
    assert (row["rule"], row["channel"], row["refused"]) == ("Régua AM", "voice", 1)
    assert row["refused_by_reason"] == {"outside_window": 1}
    agency = (await api.get("/api/v1/dashboard", headers=await as_role(Role.AGENCY))).json()
    assert agency["contacts"] == []  # not exported to the agency
