"""The results report: the results recorded in a period, who recorded them, as the CSV file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from models import Agency, Call, CollectionStatus, EntryResult, ResultType
from models.enums import ContactOutcome, ResultKind, Role
from negotiation import catalog
from negotiation.campaigns import record_result
from negotiation.errors import Conflict, InvalidInput, PermissionDenied
from negotiation.results_report import Period, period, result_rows, results_csv
from tests.factories import make_customer, make_entry, make_result
from tests.negotiation.rule_factories import make_user
from tests.negotiation.test_call_outcomes import SID, placed_call, status

SP = ZoneInfo("America/Sao_Paulo")
DAY = period("2026-11-27", "2026-11-27")


async def csv_rows(user, chosen: Period) -> list[list[str]]:
    text = "".join([chunk async for chunk in results_csv(user, chosen, SP, batch=2)])
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


async def all_rows(user, chosen: Period, batch: int = 500):
    return [row async for rows in result_rows(user, chosen, SP, batch=batch) for row in rows]


async def test_an_attendants_result_is_a_row_with_who_when_and_what(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    attendant = await make_user(role=Role.ATTENDANT, full_name="Maria Souza")
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    serasa = await CollectionStatus.create(name="Negativado")
    customer = await make_customer(name="João da Silva", document="52998224725")
    entry = await make_entry(customer)
    at = datetime(2026, 11, 27, 13, 5, tzinfo=UTC)  # 10:05 in São Paulo
    await record_result(
        attendant,
        entry.id,
        result_type_id=result.id,
        collection_status_id=serasa.id,
        notes="pediu para ligar depois",
        now=at,
    )
    [header, row] = await csv_rows(supervisor, DAY)
    assert header[:3] == ["data_hora", "responsavel", "cliente"]
    data = dict(zip(header, row, strict=True))
    assert data["data_hora"] == "27/11/2026 10:05"
    assert data["responsavel"] == "Maria Souza"
    assert data["cliente"] == "João da Silva"
    assert data["cpf_cnpj"] == "529.982.247-25"
    assert data["resultado"] == "Sem acordo"
    assert data["status_cobranca"] == "Negativado"
    assert data["tipo_contato"] == "Ligação"
    assert data["regua"].startswith("Régua") and data["campanha"].startswith("Campanha")
    assert data["observacao"] == "pediu para ligar depois"
    assert data["acordo"] == data["valor_acordo"] == data["parcelas"] == ""


async def test_an_agency_result_names_the_agency(db, agency_user):
    supervisor = await make_user(role=Role.SUPERVISOR)
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    entry = await make_entry(state="exported", agency_id=agency_user.agency_id)
    await record_result(
        agency_user, entry.id, result_type_id=result.id, now=datetime(2026, 11, 27, 15, tzinfo=UTC)
    )
    [row] = await all_rows(supervisor, DAY)
    assert row.who == "Escritório Alfa"


async def test_every_result_of_an_entry_is_a_row_of_its_own(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    attendant = await make_user(role=Role.ATTENDANT)
    busy = await ResultType.create(name="Não atende", kind=ResultKind.UNREACHABLE)
    done = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    entry = await make_entry()
    for result, hour in ((busy, 12), (done, 14)):
        at = datetime(2026, 11, 27, hour, tzinfo=UTC)
        await record_result(attendant, entry.id, result_type_id=result.id, now=at)
    assert await EntryResult.filter(entry_id=entry.id).count() == 2
    rows = await all_rows(supervisor, DAY)
    assert [(r.result, r.at.hour) for r in rows] == [("Não atende", 12), ("Sem acordo", 14)]


@pytest.fixture
async def agency_user(db):
    agency = await Agency.create(name="Escritório Alfa")
    return await make_user(role=Role.AGENCY, agency=agency)


async def test_the_robots_call_is_recorded_as_the_robot(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    await ResultType.create(name="Conversou", kind=ResultKind.NO_NEGOTIATION)
    call = await placed_call()  # Monday 23/11/2026 14:00 in São Paulo
    await Call.filter(id=call.id).update(outcome=ContactOutcome.CONVERSATION)
    assert await status(SID, "completed")
    [row] = await all_rows(supervisor, period("2026-11-23", "2026-11-23"))
    assert row.who == "Robô"
    assert row.result == "Conversou"
    assert row.phone == call.to_number and row.phone
    assert row.at.astimezone(SP).hour == 14


async def test_the_period_is_cut_at_midnight_in_sao_paulo(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    late = await make_customer(name="Antes da meia-noite")
    early = await make_customer(name="Meia-noite")
    await make_result(late, at=datetime(2026, 11, 27, 2, 59, tzinfo=UTC), result_type=result)
    await make_result(early, at=datetime(2026, 11, 27, 3, tzinfo=UTC), result_type=result)
    # 02:59 UTC is 23:59 of the 26th in São Paulo; 03:00 UTC is the 27th's midnight.
    assert [r.customer for r in await all_rows(supervisor, DAY)] == ["Meia-noite"]
    before = await all_rows(supervisor, period("2026-11-26", "2026-11-26"))
    assert [r.customer for r in before] == ["Antes da meia-noite"]
    assert before[0].at.astimezone(SP).strftime("%d/%m %H:%M") == "26/11 23:59"
    end = datetime(2026, 11, 28, 3, tzinfo=UTC)  # the 28th's midnight: not in the 27th
    await make_result(at=end, result_type=result)
    assert len(await all_rows(supervisor, DAY)) == 1


async def test_batches_cover_every_row_once_in_order(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    at = datetime(2026, 11, 27, 12, tzinfo=UTC)
    names = [f"Cliente {n}" for n in range(5)]
    for name in names:  # in id order
        await make_result(await make_customer(name=name), at=at, result_type=result)
    rows = await csv_rows(supervisor, DAY)  # batches of 2, every row at the same instant
    assert [r[2] for r in rows[1:]] == names


async def test_a_hostile_name_does_not_run_in_a_spreadsheet(db):
    supervisor = await make_user(role=Role.SUPERVISOR)
    result = await ResultType.create(name="Sem acordo", kind=ResultKind.NO_NEGOTIATION)
    customer = await make_customer(name='=HYPERLINK("http://mal.example";"x")')
    await make_result(
        customer,
        at=datetime(2026, 11, 27, 12, tzinfo=UTC),
        result_type=result,
        notes="@SUM(1+1)",
    )
    [_, row] = await csv_rows(supervisor, DAY)
    assert row[2] == "'" + customer.name
    assert row[11] == "'@SUM(1+1)"


async def test_only_those_allowed_get_the_report(db):
    attendant = await make_user(role=Role.ATTENDANT)
    with pytest.raises(PermissionDenied):
        await all_rows(attendant, DAY)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, "2026-11-27"),
        ("2026-11-27", ""),
        ("27/11/2026", "2026-11-27"),
        ("2026-11-28", "2026-11-27"),
        ("2025-01-01", "2026-11-27"),
    ],
)
def test_a_bad_period_is_refused_in_portuguese(start, end):
    with pytest.raises(InvalidInput, match=r"data|período"):
        period(start, end)


def test_a_year_is_allowed():
    assert period("2025-11-27", "2026-11-27").filename == "resultados_2025-11-27_2026-11-27.csv"


async def test_a_result_type_a_past_result_names_cannot_be_deleted(db):
    admin = await make_user(role=Role.ADMIN)
    old = await ResultType.create(name="Não atende", kind=ResultKind.UNREACHABLE)
    await make_result(at=datetime(2026, 11, 27, 12, tzinfo=UTC), result_type=old)
    with pytest.raises(Conflict, match="«Não atende» está em uso em 1 resultado registrado"):
        await catalog.delete(old, admin)
    assert await ResultType.exists(id=old.id)
