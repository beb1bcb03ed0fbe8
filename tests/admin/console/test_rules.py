"""Réguas de cobrança in the console: filter builder, preview, Executar and the run page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from models import AuditLog, Campaign, CampaignEntry, CollectionRule, RuleFilter, RuleRun
from models.clock import today_in
from models.enums import Role
from tests.factories import make_condition, make_customer, make_receivable


@pytest.fixture
async def debtors(db):
    today = today_in("America/Sao_Paulo")
    for n, (city, days, amount) in enumerate(
        [
            ("Campinas", 45, "99.90"),
            ("Campinas", 60, "199.90"),
            ("Campinas", 10, "79.90"),
            ("Recife", 90, "99.90"),
        ]
    ):
        customer = await make_customer(name=f"Devedor {n}", city=city)
        await make_receivable(customer, today - timedelta(days=days), amount)
        await make_receivable(customer, today - timedelta(days=days - 30), amount)


def _form(token: str, **extra) -> dict:
    data = {
        "csrf_token": token,
        "description": "Campinas, 30 dias ou mais",
        "active": "on",
        "general": "on",
        "priority": "10",
        "minutes_per_call": "5",
        "notes": "",
        "amount_min": "",
        "amount_max": "",
        "filters-0-field": "city",
        "filters-0-operator": "in",
        "filters-0-value": "Campinas, Jundiaí",
        "filters-0-value2": "",
        "filters-1-field": "days_late",
        "filters-1-operator": "ge",
        "filters-1-value": "30",
        "filters-1-value2": "",
        "filters-2-field": "",
        "filters-2-operator": "eq",
        "filters-2-value": "",
        "actions-0-kind": "sms",
        "actions-0-days_late": "30",
        "actions-0-template": "",
        "actions-0-active": "on",
        "actions-1-kind": "",
        "actions-1-active": "on",
    }
    data.update(extra)
    return data


async def test_the_rule_form_has_the_filter_builder(browser, sign_in):
    await sign_in(Role.SUPERVISOR)
    default = await make_condition(description="Padrão da casa", is_default=True)
    other = await make_condition(description="Parcelado")
    html = (await browser.get("/console/rules/new")).text
    assert "Adicionar Filtro" in html and ">Salvar<" in html
    for label in ("Campo", "Operador", "Valor", "Valores de Cobrança", "Minutos por ligação"):
        assert label in html
    assert 'for="filters-0-field"' in html and 'for="filters-0-value"' in html
    assert f'value="{other.id}"' in html and f'value="{default.id}"' not in html


async def test_build_preview_run_and_watch_it_finish(browser, sign_in, debtors):
    token = await sign_in(Role.SUPERVISOR)
    condition = await make_condition(description="Parcelado")
    form = _form(token, condition_ids=str(condition.id))
    saved = await browser.post("/console/rules", data=form)
    assert saved.status_code == 303, saved.text
    rule = await CollectionRule.get(description="Campinas, 30 dias ou mais")
    assert saved.headers["location"] == f"/console/rules/{rule.id}?ok=created"
    filters = await RuleFilter.filter(rule=rule).order_by("position")
    assert [(f.field, f.operator, f.value) for f in filters] == [
        ("city", "in", ["Campinas", "Jundiaí"]),
        ("days_late", "ge", 30),
    ]
    assert [c.id for c in await rule.conditions.all()] == [condition.id]
    assert await AuditLog.filter(entity="collection_rule", action="create").count() == 1

    page = (await browser.get(saved.headers["location"])).text
    assert 'value="Campinas, Jundiaí"' in page and "Pré-visualizar" in page
    assert "Executar" in page and "Criado." in page
    listed = (await browser.get("/console/rules")).text
    assert "Cidade está em (lista) Campinas, Jundiaí" in listed

    preview = await browser.post(f"/console/rules/{rule.id}/preview", data={"csrf_token": token})
    assert preview.status_code == 200
    assert 'id="preview-customers">2<' in preview.text
    assert 'id="preview-receivables">3<' in preview.text
    assert "R$\xa0499,70" in preview.text  # 99,90 + 199,90 × 2 (bills 30+ days late)
    assert await CampaignEntry.all().count() == 0 and await RuleRun.all().count() == 0

    started = await browser.post(f"/console/rules/{rule.id}/run", data={"csrf_token": token})
    assert started.status_code == 303
    match = re.fullmatch(r"/console/runs/(\d+)\?ok=started", started.headers["location"])
    run_id = int(match.group(1))

    for _ in range(50):
        status = (await browser.get(f"/console/runs/{run_id}/status.json")).json()
        if status["status"] != "running":
            break
    assert status["status"] == "finished" and status["progress"] == 100
    assert status["customers"] == 2 and Decimal(status["amount"]) == Decimal("499.70")
    assert "Início da execução" in status["log"] and "Fim:" in status["log"]
    campaign = await Campaign.get(run_id=run_id)
    assert status["campaign_id"] == campaign.id
    assert await CampaignEntry.filter(campaign=campaign).count() == 2

    shown = await browser.get(f"/console/runs/{run_id}")
    assert shown.status_code == 200
    html = shown.text
    assert "Concluída" in html and 'value="100"' in html
    assert f'href="/console/campaigns/{campaign.id}"' in html
    assert "Início da execução" in html and "http-equiv" not in html
    rule_page = (await browser.get(f"/console/rules/{rule.id}")).text
    assert f'href="/console/runs/{run_id}"' in rule_page and "Concluída" in rule_page
    assert await AuditLog.filter(entity="collection_rule").count() == 1  # runs write no rule


async def test_a_running_run_refreshes_itself(browser, sign_in, users):
    await sign_in(Role.SUPERVISOR)
    rule = await CollectionRule.create(description="Longa")
    run = await RuleRun.create(rule=rule, started_by=users[Role.SUPERVISOR], status="running")
    html = (await browser.get(f"/console/runs/{run.id}")).text
    assert "Em execução" in html and 'http-equiv="refresh"' in html
    assert f"/console/runs/{run.id}/status.json" in html


async def test_a_bad_rule_says_what_is_wrong_next_to_the_filter(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    default = await make_condition(description="Padrão", is_default=True)
    bad = await browser.post(
        "/console/rules",
        data=_form(token, **{"filters-1-value": "trinta", "minutes_per_call": "0"}),
    )
    assert bad.status_code == 422
    assert 'id="filters-1-error">filtro (dias de atraso ≥): informe um número inteiro' in bad.text
    assert 'id="minutes_per_call-error">deve ser no mínimo 1<' in bad.text
    assert 'value="trinta"' in bad.text

    between = await browser.post(
        "/console/rules",
        data=_form(
            token,
            **{"filters-1-operator": "between", "filters-1-value": "60", "filters-1-value2": "30"},
        ),
    )
    assert between.status_code == 422
    assert "o primeiro valor deve ser menor ou igual ao segundo" in between.text

    linked = await browser.post("/console/rules", data=_form(token, condition_ids=default.id))
    assert linked.status_code == 422
    assert 'id="condition_ids-error">a condição padrão não pode ser ligada' in linked.text

    empty = {k: v for k, v in _form(token).items() if not k.startswith("filters-")}
    refused = await browser.post("/console/rules", data=empty)
    assert refused.status_code == 422
    assert 'id="active-error">uma regra ativa precisa de ao menos um filtro' in refused.text
    assert await CollectionRule.all().count() == 0 and await AuditLog.all().count() == 0


async def test_between_values_and_amount_limits_round_trip(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    form = _form(
        token,
        amount_min="50,00",
        amount_max="1.500,00",
        **{
            "filters-1-field": "due_date",
            "filters-1-operator": "between",
            "filters-1-value": "01/10/2026",
            "filters-1-value2": "31/10/2026",
        },
    )
    saved = await browser.post("/console/rules", data=form)
    assert saved.status_code == 303, saved.text
    rule = await CollectionRule.get()
    assert (rule.amount_min, rule.amount_max) == (Decimal("50.00"), Decimal("1500.00"))
    stored = await RuleFilter.get(rule=rule, position=1)
    assert stored.value == ["2026-10-01", "2026-10-31"]
    page = (await browser.get(f"/console/rules/{rule.id}")).text
    assert 'value="2026-10-01"' in page and 'value="2026-10-31"' in page
    assert 'value="1500,00"' in page

    edited = await browser.post(f"/console/rules/{rule.id}", data={**form, "priority": "99"})
    assert edited.status_code == 303
    await rule.refresh_from_db()
    assert rule.priority == 99
    assert await AuditLog.filter(entity="collection_rule", action="update").count() == 1


async def test_permissions_and_csrf(browser, sign_in):
    token = await sign_in(Role.ATTENDANT)
    assert "/console/rules" not in (await browser.get("/console")).text
    assert (await browser.get("/console/rules")).status_code == 403
    assert (await browser.post("/console/rules", data=_form(token))).status_code == 403
    rule = await CollectionRule.create(description="X", active=True)
    refused = await browser.post(f"/console/rules/{rule.id}/run", data={"csrf_token": token})
    assert refused.status_code == 403
    assert await RuleRun.all().count() == 0

    token = await sign_in(Role.SUPERVISOR)
    no_csrf = await browser.post(f"/console/rules/{rule.id}/run", data={})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    assert await RuleRun.all().count() == 0
