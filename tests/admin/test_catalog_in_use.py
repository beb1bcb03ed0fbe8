"""Catalog items (and rules) that history points to are never deleted: 409 saying where they
are used, nothing changed; an unused one is deleted. On SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from tortoise.exceptions import IntegrityError

from models import (
    Agency,
    AuditLog,
    Campaign,
    CampaignEntry,
    CollectionRule,
    CollectionStatus,
    ContactType,
    Receivable,
    ResultType,
    RuleRun,
    User,
    clock,
)
from models.clock import today_in
from models.enums import EntryState, ResultKind, Role
from quita.app import create_app
from quita.settings import Settings
from tests.admin.conftest import _HASH, PASSWORD
from tests.factories import make_customer, make_receivable


@pytest.fixture
async def admin_api(each_db) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The real app on each database, with a signed-in admin."""
    app = create_app(
        Settings(database_url=each_db, secret_key="a-test-secret-of-at-least-32-bytes-long")
    )
    await User.create(username="admin", role=Role.ADMIN, password_hash=_HASH)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        yield client, {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _history() -> dict:
    """Entry 8's story: a worked entry exported to an agency, its three bills marked
    "Negativado Serasa" (a status that allows receipts)."""
    today = today_in("America/Sao_Paulo")
    status = await CollectionStatus.create(name="Negativado Serasa", allows_receipt=True)
    result = await ResultType.create(name="Sem negociação", kind=ResultKind.NO_NEGOTIATION)
    contact = await ContactType.create(name="Ligação do robô")
    agency = await Agency.create(name="Cobra Bem")
    rule = await CollectionRule.create(description="Atraso 30+", active=True)
    run = await RuleRun.create(rule=rule)
    campaign = await Campaign.create(
        rule=rule, run=run, description="Atraso 30+", contact_type=contact
    )
    customer = await make_customer()
    bills = [
        await make_receivable(customer, today - timedelta(days=40 + n), "129.90") for n in range(3)
    ]
    await Receivable.filter(id__in=[b.id for b in bills]).update(collection_status=status)
    entry = await CampaignEntry.create(
        campaign=campaign,
        rule=rule,
        customer=customer,
        position=1,
        total_debt="389.70",
        receivables_count=3,
        oldest_due_date=today - timedelta(days=42),
        call_at=clock.now(),
        state=EntryState.EXPORTED,
        result_type=result,
        collection_status=status,
        agency=agency,
    )
    return {
        "status": status,
        "result": result,
        "contact": contact,
        "agency": agency,
        "rule": rule,
        "entry": entry,
        "bills": bills,
    }


async def _references(story: dict) -> tuple:
    entry = await CampaignEntry.get(id=story["entry"].id)
    campaign = await Campaign.get(id=entry.campaign_id)
    bills = await Receivable.filter(id__in=[b.id for b in story["bills"]]).order_by("id")
    return (
        entry.result_type_id,
        entry.collection_status_id,
        entry.agency_id,
        entry.rule_id,
        campaign.contact_type_id,
        await RuleRun.filter(rule_id=story["rule"].id).count(),
        [b.collection_status_id for b in bills],
    )


async def test_an_item_in_use_is_refused_with_where_it_is_used(admin_api):
    client, headers = admin_api
    story = await _history()
    before = await _references(story)
    expected = {
        f"/api/v1/collection-statuses/{story['status'].id}": (
            "«Negativado Serasa» está em uso em 1 entrada de campanha e 3 contas a receber:"
            " desative em vez de excluir"
        ),
        f"/api/v1/result-types/{story['result'].id}": (
            "«Sem negociação» está em uso em 1 entrada de campanha: desative em vez de excluir"
        ),
        f"/api/v1/contact-types/{story['contact'].id}": (
            "«Ligação do robô» está em uso em 1 campanha: desative em vez de excluir"
        ),
        f"/api/v1/agencies/{story['agency'].id}": (
            "«Cobra Bem» está em uso em 1 entrada de campanha: desative em vez de excluir"
        ),
        f"/api/v1/rules/{story['rule'].id}": (
            "«Atraso 30+» está em uso em 1 campanha, 1 entrada de campanha e 1 execução de regra:"
            " desative em vez de excluir"
        ),
    }
    for path, detail in expected.items():
        answer = await client.delete(path, headers=headers)
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["detail"] == detail
        assert (await client.get(path, headers=headers)).status_code == 200
    assert await _references(story) == before  # nothing lost its reference
    assert await AuditLog.filter(action="delete").count() == 0

    # What is allowed instead: deactivate. The history keeps naming it.
    path = f"/api/v1/collection-statuses/{story['status'].id}"
    body = {"name": "Negativado Serasa", "allows_receipt": True, "active": False}
    assert (await client.put(path, headers=headers, json=body)).json()["active"] is False
    assert await _references(story) == before


async def test_an_unused_item_is_deleted(admin_api):
    client, headers = admin_api
    await _history()  # in use elsewhere: the unused ones below are not
    unused = [
        f"/api/v1/collection-statuses/{(await CollectionStatus.create(name='Protestado')).id}",
        f"/api/v1/result-types/{(await ResultType.create(name='Caixa postal')).id}",
        f"/api/v1/contact-types/{(await ContactType.create(name='Carta')).id}",
        f"/api/v1/agencies/{(await Agency.create(name='Sem listas')).id}",
        f"/api/v1/rules/{(await CollectionRule.create(description='Nunca rodou')).id}",
    ]
    for path in unused:
        answer = await client.delete(path, headers=headers)
        assert answer.status_code == 204, (path, answer.text)
        assert (await client.get(path, headers=headers)).status_code == 404
    assert await AuditLog.filter(action="delete").count() == 5


async def test_the_database_itself_refuses_to_delete_what_history_points_to(each_db):
    """ON DELETE RESTRICT (migration 0006): even a delete that skips the service loses
    nothing."""
    story = await _history()
    before = await _references(story)
    for item in ("status", "result", "contact", "agency", "rule"):
        with pytest.raises(IntegrityError):
            await story[item].delete()
    assert await _references(story) == before
