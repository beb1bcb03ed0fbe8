"""Condições de pagamento in the console: list, form with options, validation, delete."""

from __future__ import annotations

from decimal import Decimal

from models import AuditLog, InstallmentOption, PaymentCondition
from models.enums import AgreementStatus, Role
from tests.factories import SEED_OPTIONS, make_condition, make_customer
from tests.negotiation.rule_factories import make_agreement


def _form(token: str, **extra) -> dict:
    data = {
        "csrf_token": token,
        "description": "Campanha de novembro",
        "active": "on",
        "amount_min": "100,00",
        "amount_max": "12.345,67",
        "overdue_days_min": "30",
        "overdue_days_max": "365",
        "fine_pct": "2",
        "interest_pct": "1",
        "days_to_first_due": "3",
        "min_installment_amount": "",
        "billing_method_filter": "",
        "billing_method_generate": "boleto",
        "tolerance_days": "5",
        "break_action": "cancel",
        "misses_to_cancel": "2",
        # à vista with discounts, 3x without down payment, 4x with 30 % down
        "options-0-installments": "1",
        "options-0-days_between": "0",
        "options-0-interest_discount_pct": "100",
        "options-0-debt_discount_pct": "10",
        "options-0-min_down_payment_pct": "",
        "options-1-installments": "3",
        "options-1-days_between": "30",
        "options-1-interest_discount_pct": "50",
        "options-1-debt_discount_pct": "",
        "options-1-min_down_payment_pct": "",
        "options-2-installments": "4",
        "options-2-days_between": "30",
        "options-2-interest_discount_pct": "",
        "options-2-debt_discount_pct": "",
        "options-2-min_down_payment_pct": "30",
        # the extra rows the form always shows, left empty
        "options-3-installments": "",
        "options-3-days_between": "",
        "options-4-installments": "",
    }
    data.update(extra)
    return data


async def test_create_a_condition_with_three_options_and_see_it_listed(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    form = await browser.get("/console/conditions/new")
    assert form.status_code == 200
    html = form.text
    for label in ("Descrição", "Parcelas", "Entrada mínima (%)", "Multa (%)"):
        assert label in html
    assert 'for="options-0-installments"' in html and 'for="options-2-installments"' in html
    assert "Adicionar parcelamento" in html and ">Salvar<" in html
    assert 'name="csrf_token"' in html

    saved = await browser.post("/console/conditions", data=_form(token))
    assert saved.status_code == 303, saved.text
    condition = await PaymentCondition.get(description="Campanha de novembro")
    assert saved.headers["location"] == f"/console/conditions/{condition.id}?ok=created"
    assert condition.amount_max == Decimal("12345.67")
    options = await InstallmentOption.filter(condition=condition).order_by("position")
    assert [(o.installments, o.days_between) for o in options] == [(1, 0), (3, 30), (4, 30)]
    assert options[2].min_down_payment_pct == Decimal("30")
    assert options[0].debt_discount_pct == Decimal("10")

    listed = (await browser.get("/console/conditions")).text
    assert "Campanha de novembro" in listed
    assert "R$\xa012.345,67" in listed and "R$\xa0100,00" in listed
    assert "2,00 %" in listed
    assert "À vista" in listed and "3x a cada 30 dias" in listed
    assert "entrada mínima 30,00 %" in listed and "desconto na dívida 10,00 %" in listed

    audit = await AuditLog.filter(entity="payment_condition", entity_id=str(condition.id))
    assert [a.action for a in audit] == ["create"]


async def test_edit_shows_the_saved_values_and_saves_changes(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    condition = await make_condition(SEED_OPTIONS, description="Seed")
    page = (await browser.get(f"/console/conditions/{condition.id}")).text
    assert 'value="Seed"' in page and 'name="options-2-min_down_payment_pct" value="30"' in page
    changed = _form(token, description="Seed revista", **{"options-2-installments": ""})
    changed.pop("options-2-days_between")
    changed.pop("options-2-min_down_payment_pct")
    answer = await browser.post(f"/console/conditions/{condition.id}", data=changed)
    assert answer.status_code == 303
    assert "ok=saved" in answer.headers["location"]
    await condition.refresh_from_db()
    assert condition.description == "Seed revista"
    assert await InstallmentOption.filter(condition=condition).count() == 2
    assert await AuditLog.filter(entity="payment_condition", action="update").count() == 1


async def test_a_bad_form_says_what_is_wrong_next_to_the_field_and_writes_nothing(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    bad = await browser.post(
        "/console/conditions",
        data=_form(token, **{"options-1-installments": "0", "fine_pct": "120"}),
    )
    assert bad.status_code == 422
    html = bad.text
    assert 'id="options-1-installments-error">deve ser no mínimo 1<' in html
    assert 'id="fine_pct-error">deve ser no máximo 100<' in html
    assert 'value="Campanha de novembro"' in html  # what was typed is kept
    assert await PaymentCondition.all().count() == 0

    spread = await browser.post(
        "/console/conditions", data=_form(token, **{"options-1-days_between": "0"})
    )
    assert spread.status_code == 422
    assert 'id="options-1-days_between-error">parcelas precisam de dias' in spread.text

    only_empty = {k: v for k, v in _form(token).items() if not k.startswith("options-")}
    none = await browser.post("/console/conditions", data=only_empty)
    assert none.status_code == 422
    assert 'id="options-error">informe ao menos um parcelamento<' in none.text

    bounds = await browser.post("/console/conditions", data=_form(token, amount_min="99999"))
    assert bounds.status_code == 422
    assert 'id="amount_min-error">o mínimo é maior que o máximo<' in bounds.text
    assert await PaymentCondition.all().count() == 0
    assert await AuditLog.all().count() == 0


async def test_missing_csrf_is_refused(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    form = _form(token)
    form.pop("csrf_token")
    answer = await browser.post("/console/conditions", data=form)
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert await PaymentCondition.all().count() == 0


async def test_an_attendant_neither_sees_nor_opens_conditions(browser, sign_in):
    token = await sign_in(Role.ATTENDANT)
    assert "/console/conditions" not in (await browser.get("/console")).text
    assert (await browser.get("/console/conditions")).status_code == 403
    assert (await browser.get("/console/conditions/new")).status_code == 403
    answer = await browser.post("/console/conditions", data=_form(token))
    assert answer.status_code == 403
    assert await PaymentCondition.all().count() == 0


async def test_delete_is_audited(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    condition = await make_condition(description="Para excluir")
    answer = await browser.post(
        f"/console/conditions/{condition.id}/delete", data={"csrf_token": token}
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("ok=deleted")
    assert not await PaymentCondition.exists(id=condition.id)
    assert await AuditLog.filter(entity="payment_condition", action="delete").count() == 1
    assert "Excluído." in (await browser.get(answer.headers["location"])).text
    missing = await browser.get(f"/console/conditions/{condition.id}")
    assert missing.status_code == 404


async def test_a_condition_in_use_is_not_deleted(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    agreement = await make_agreement(await make_customer(), AgreementStatus.ACTIVE)
    condition_id = agreement.condition_id
    answer = await browser.post(
        f"/console/conditions/{condition_id}/delete", data={"csrf_token": token}
    )
    assert answer.status_code == 409
    assert "está em uso em 1 acordo: desative em vez de excluir" in answer.text
    assert "<title>Conflito" in answer.text
    assert await PaymentCondition.exists(id=condition_id)
    assert await AuditLog.filter(action="delete").count() == 0
