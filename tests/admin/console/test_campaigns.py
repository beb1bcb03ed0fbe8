"""The campaign pages: the filtered call list with paging, and the export to an agency."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from models import (
    AuditLog,
    Campaign,
    CampaignEntry,
    CollectionRule,
    CollectionStatus,
    ContactType,
    ResultType,
    clock,
)
from models.clock import today_in
from models.enums import EntryState, ResultKind, Role
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable


@pytest.fixture
async def call_list(db, users):
    return await build_call_list()


async def build_call_list() -> dict:
    """A campaign of six debtors, as a rule run would leave it (as tests/admin/test_campaigns)."""
    today = today_in("America/Sao_Paulo")
    await make_condition(SEED_OPTIONS, is_default=True)
    rule = await CollectionRule.create(description="Teste", active=True)
    campaign = await Campaign.create(rule=rule, description="Teste")
    start = clock.now()
    entries = []
    for n in range(6):
        customer = await make_customer(name=f"Devedor {n}", email=f"devedor{n}@example.com")
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
        "campaign": campaign,
        "entries": entries,
        "reschedule": await ResultType.create(name="Reagendar", kind=ResultKind.RESCHEDULE),
        "negotiated": await ResultType.create(name="Negociado", kind=ResultKind.NEGOTIATED),
        "nothing": await ResultType.create(name="Sem negociação", kind=ResultKind.NO_NEGOTIATION),
        "receipt": await CollectionStatus.create(name="Acordo", allows_receipt=True),
        "no_receipt": await CollectionStatus.create(name="Em negociação", allows_receipt=False),
    }


def entry_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/console/entries/(\d+)"', html)]


async def test_the_list_shows_the_entries_with_money_and_dates(browser, sign_in, call_list):
    await sign_in(Role.ATTENDANT)
    answer = await browser.get("/console/campaigns")
    assert answer.status_code == 200
    html = answer.text
    assert entry_links(html) == [e.id for e in call_list["entries"]]
    assert "Devedor 0" in html and "R$\xa099,90" in html
    oldest = call_list["entries"][0].oldest_due_date
    assert oldest.strftime("%d/%m/%Y") in html
    assert 'class="badge pending">Aguardando' in html
    assert '<label for="f-state">' in html
    # An attendant may not export: the button is not shown, the page refused.
    assert "/console/campaigns/export" not in html
    assert (await browser.get("/console/campaigns/export")).status_code == 403


async def test_filters_narrow_the_list(browser, sign_in, call_list):
    await sign_in(Role.SUPERVISOR)
    phone = await ContactType.create(name="Telefone")
    other_rule = await CollectionRule.create(description="Outra", active=True)
    other = await Campaign.create(
        rule=other_rule, description="Inativa", active=False, contact_type=phone
    )
    customer = await make_customer(name="Fora do filtro")
    moved = await CampaignEntry.create(
        campaign=other,
        rule=other_rule,
        customer=customer,
        position=1,
        total_debt="10.00",
        receivables_count=1,
        oldest_due_date=call_list["entries"][0].oldest_due_date,
        call_at=clock.now() + timedelta(days=3),
        state=EntryState.SCHEDULED,
    )
    everything = await browser.get("/console/campaigns")
    assert len(entry_links(everything.text)) == 7
    inactive = await browser.get("/console/campaigns?active=0")
    assert entry_links(inactive.text) == [moved.id]
    by_type = await browser.get(f"/console/campaigns?contact_type_id={phone.id}")
    assert entry_links(by_type.text) == [moved.id]
    scheduled = await browser.get("/console/campaigns?state=scheduled")
    assert entry_links(scheduled.text) == [moved.id]
    day = (clock.now() + timedelta(days=3)).astimezone(today_tz()).date()
    on_day = await browser.get(f"/console/campaigns?day={day.isoformat()}")
    assert entry_links(on_day.text) == [moved.id]
    one = await browser.get(f"/console/campaigns/{call_list['campaign'].id}")
    assert entry_links(one.text) == [e.id for e in call_list["entries"]]
    bad = await browser.get("/console/campaigns?day=amanha")
    assert bad.status_code == 422 and "data inválida" in bad.text


def today_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Sao_Paulo")


async def test_the_list_pages_by_fifty(browser, sign_in, call_list):
    campaign = call_list["campaign"]
    when = clock.now() + timedelta(hours=1)
    for n in range(50):
        customer = await make_customer(name=f"Extra {n}")
        await CampaignEntry.create(
            campaign=campaign,
            rule_id=campaign.rule_id,
            customer=customer,
            position=10 + n,
            total_debt="50.00",
            receivables_count=1,
            oldest_due_date=call_list["entries"][0].oldest_due_date,
            call_at=when,
        )
    await sign_in(Role.ATTENDANT)
    first = await browser.get("/console/campaigns?state=pending")
    assert len(entry_links(first.text)) == 50
    assert 'href="?state=pending&amp;page=2"' in first.text
    second = await browser.get("/console/campaigns?state=pending&page=2")
    assert len(entry_links(second.text)) == 6
    assert "Próxima" not in second.text and "Anterior" in second.text


async def test_export_five_entries_and_download_the_file(browser, sign_in, call_list, agency):
    token = await sign_in(Role.SUPERVISOR)
    form = await browser.get("/console/campaigns/export")
    assert form.status_code == 200
    assert f'<option value="{agency.id}"' in form.text
    assert form.text.count('name="entry_ids"') == 6
    ids = [e.id for e in call_list["entries"][:5]]

    missing = await browser.post(
        "/console/campaigns/export", data={"csrf_token": token, "entry_ids": ids}
    )
    assert missing.status_code == 422 and "escolha o escritório" in missing.text
    assert await CampaignEntry.filter(state=EntryState.EXPORTED).count() == 0

    answer = await browser.post(
        "/console/campaigns/export",
        data={"csrf_token": token, "agency_id": agency.id, "entry_ids": ids},
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
    assert (await AuditLog.get(action="export")).actor == "supervisor"

    # Exported entries leave the form; sending them again is refused next to the list.
    again = await browser.get("/console/campaigns/export")
    assert again.text.count('name="entry_ids"') == 1
    twice = await browser.post(
        "/console/campaigns/export",
        data={"csrf_token": token, "agency_id": agency.id, "entry_ids": ids},
    )
    assert twice.status_code == 422 and "já foram exportadas" in twice.text

    listed = await browser.get(f"/console/campaigns?agency_id={agency.id}")
    assert entry_links(listed.text) == ids and agency.name in listed.text


async def test_export_needs_the_csrf_token(browser, sign_in, call_list, agency):
    await sign_in(Role.SUPERVISOR)
    answer = await browser.post(
        "/console/campaigns/export",
        data={"agency_id": agency.id, "entry_ids": [call_list["entries"][0].id]},
    )
    assert answer.status_code == 403
    assert await CampaignEntry.filter(state=EntryState.EXPORTED).count() == 0


async def test_the_downloaded_file_writes_hostile_cells_as_text(
    browser, sign_in, call_list, agency
):
    from tests.admin.test_campaigns import assert_no_live_formula, make_hostile

    await make_hostile(call_list["entries"])
    token = await sign_in(Role.SUPERVISOR)
    ids = [e.id for e in call_list["entries"][:2]]
    answer = await browser.post(
        "/console/campaigns/export",
        data={"csrf_token": token, "agency_id": agency.id, "entry_ids": ids},
    )
    assert answer.status_code == 200, answer.text
    assert_no_live_formula(
        list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    )
