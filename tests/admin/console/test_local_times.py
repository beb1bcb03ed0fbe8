"""Every moment on a console page is read in the ISP's zone (Settings.tz), through the one
formatter (negotiation.rendering.local_time / the `when` filter): at 22:05 of 01/12 in São
Paulo, UTC already says 02/12, and the attendants must see 01/12 22:05."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest

from models import CampaignEntry, CollectionRule, RuleRun, clock
from models.enums import Channel, EntryState, Role, RunStatus
from negotiation import conversations as conv
from quita.settings import Settings
from tests.admin.console.conftest import csrf_of, negotiate
from tests.admin.console.test_campaigns import build_call_list

LATE_EVENING = datetime(2026, 12, 2, 1, 5, tzinfo=UTC)  # 01/12/2026 22:05 in São Paulo
SHOWN = "01/12/2026 22:05"


@pytest.fixture(autouse=True)
def _late_evening() -> None:
    clock.travel(LATE_EVENING, tick=False)


async def test_audit_log_and_last_login(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    await browser.post(
        "/console/catalog/statuses/new",
        data={"csrf_token": token, "name": "Negativado", "active": "on"},
    )
    audit = (await browser.get("/console/audit")).text
    assert "Negativado" in audit and f"{SHOWN}:00" in audit
    users = (await browser.get("/console/users")).text
    assert f">{SHOWN}</td>" in users  # the admin's own last login, just now


async def test_inbox_and_conversation(browser, sign_in):
    conversation = await conv.open_for(Channel.TELEGRAM, "4242")
    await conv.record(
        conversation, "in", "debtor", "quero falar com alguém", channel_message_id="1"
    )
    await conv.escalate(conversation, LATE_EVENING, Settings(secret_key="k" * 40))
    await sign_in(Role.ATTENDANT)
    inbox = (await browser.get("/console/inbox")).text
    assert "<td>01/12 22:05</td>" in inbox
    page = (await browser.get(f"/console/conversations/{conversation.id}")).text
    assert "pediu atendente em 01/12 22:05" in page
    assert '<time datetime="2026-12-02T01:05:00+00:00">01/12 22:05</time>' in page


async def test_entry_agreement_and_statement(browser, sign_in, users, agency):
    call_list = await build_call_list()
    entry = call_list["entries"][0]
    await CampaignEntry.filter(id=entry.id).update(
        agency_id=agency.id, exported_at=LATE_EVENING, state=EntryState.EXPORTED
    )
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    assert f"<td>{SHOWN}</td>" in html  # Ligar em
    assert f"desde {SHOWN}" in html
    statement = (await browser.get(f"/console/customers/{entry.customer_id}")).text
    assert f"desde {SHOWN}" in statement

    other = call_list["entries"][1]
    token = csrf_of(html)
    await browser.post(f"/console/entries/{other.id}/start", data={"csrf_token": token})
    offers = (await browser.get(f"/console/entries/{other.id}")).text
    form = await negotiate(
        browser,
        other.id,
        {
            "csrf_token": token,
            "condition_id": _first(offers, "condition_id"),
            "option_id": _first(offers, "option_id"),
        },
    )
    assert form.status_code == 303, form.text
    agreement = (await browser.get(form.headers["location"])).text
    assert f"<td>{SHOWN}</td>" in agreement  # Feito em
    customer = (await browser.get(f"/console/customers/{other.customer_id}")).text
    assert f">{SHOWN}</td>" in customer  # the agreement in the statement
    # The boleto made then is dated that day too (Data do documento), with its due date 3 days on.
    pay_url = re.search(r'href="(https?://[^"]+/p/[^"]+)"', agreement).group(1)
    pdf = await browser.get(urlsplit(pay_url).path + "/boleto/1.pdf")
    text = _pdf_text(pdf.content)
    assert "01/12/2026" in text and "04/12/2026" in text and "02/12/2026" not in text


async def test_rule_runs(browser, sign_in, users):
    rule = await CollectionRule.create(description="Régua da noite", active=True)
    run = await RuleRun.create(
        rule=rule, status=RunStatus.FINISHED, finished_at=LATE_EVENING + timedelta(seconds=42)
    )
    await sign_in(Role.SUPERVISOR)
    page = (await browser.get(f"/console/runs/{run.id}")).text
    assert "Iniciada em 01/12/2026 às 22:05:00; concluída em 01/12/2026 às 22:05:42" in page
    form = (await browser.get(f"/console/rules/{rule.id}")).text
    assert f"<td>{SHOWN}</td>" in form


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _first(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="(\d+)"', html).group(1)


async def test_the_downloaded_export_is_named_with_the_local_time(browser, sign_in, users, agency):
    call_list = await build_call_list()
    token = await sign_in(Role.SUPERVISOR)
    answer = await browser.post(
        "/console/campaigns/export",
        data={
            "csrf_token": token,
            "agency_id": agency.id,
            "entry_ids": [call_list["entries"][0].id],
        },
    )
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert f'filename="ligacoes-{agency.id}-20261201-220500.csv"' in disposition
