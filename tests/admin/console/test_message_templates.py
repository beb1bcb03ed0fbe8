"""Modelos de mensagem in the console: list, create with errors in pt-BR, the live preview
fragment with the SMS segment count, and the rule form's template choice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import ActionSend, CollectionAction, MessageTemplate
from models.enums import ActionKind, ActionSendStatus, EntryState, Role
from negotiation.message_templates import seed_defaults
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_entry, make_rule


def _form(token: str, **extra) -> dict:
    data = {
        "csrf_token": token,
        "channel": "sms",
        "name": "Curto",
        "subject": "",
        "text": "{primeiro_nome}, regularize {total}",
        "html": "",
        "active": "on",
    }
    data.update(extra)
    return data


async def test_list_and_create_with_preview(browser, sign_in):
    await seed_defaults()
    token = await sign_in(Role.ADMIN)
    listed = await browser.get("/console/message-templates")
    assert listed.status_code == 200
    assert "Aviso de débito por SMS" in listed.text and "Modelos de mensagem" in listed.text

    bad = await browser.post("/console/message-templates", data=_form(token, text="Oi {apelido}"))
    assert bad.status_code == 422
    assert "variável desconhecida {apelido}" in bad.text

    made = await browser.post("/console/message-templates", data=_form(token))
    assert made.status_code == 303
    page = await browser.get(made.headers["location"])
    assert "Maria, regularize R$ 289,70" in page.text  # the preview, server-side
    assert await MessageTemplate.filter(name="Curto").exists()


async def test_preview_fragment_counts_sms_segments(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    gsm = await browser.post("/console/message-templates/preview", data=_form(token))
    assert gsm.status_code == 200
    assert "GSM-7: 1 parte de SMS" in gsm.text and "CNPJ 11.222.333/0001-81" in gsm.text
    accented = await browser.post(
        "/console/message-templates/preview", data=_form(token, text="ação " * 10)
    )
    assert "UCS-2: 2 partes de SMS" in accented.text
    wrong = await browser.post("/console/message-templates/preview", data=_form(token, text="{x}"))
    assert "variável desconhecida {x}" in wrong.text
    empty = await browser.post("/console/message-templates/preview", data=_form(token, text=""))
    # The reason in words, without the form's field name in front of it.
    assert "pré-visualizar: escreva o texto da mensagem" in empty.text


async def test_preview_needs_the_csrf_token(browser, sign_in):
    await sign_in(Role.ADMIN)
    answer = await browser.post("/console/message-templates/preview", data=_form("nope"))
    assert answer.status_code in (400, 403)


async def test_the_rule_form_offers_the_templates(browser, sign_in):
    await seed_defaults()
    await sign_in(Role.ADMIN)
    form = await browser.get("/console/rules/new")
    assert form.status_code == 200
    assert "Aviso de débito por e-mail" in form.text and "Padrão do canal" in form.text


async def test_the_entry_page_shows_the_rule_messages_and_why_not(browser, sign_in):
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 1), "50.00")
    rule = await make_rule()
    action = await CollectionAction.create(rule=rule, kind=ActionKind.SMS)
    entry = await make_entry(rule, customer, EntryState.PENDING)
    await ActionSend.create(
        action=action,
        customer=customer,
        entry=entry,
        channel="sms",
        status=ActionSendStatus.POSTPONED,
        reason="domingo: sem contato",
        retry_at=datetime(2026, 11, 30, 11, tzinfo=UTC),
    )
    await sign_in(Role.ADMIN)
    shown = await browser.get(f"/console/entries/{entry.id}")
    assert shown.status_code == 200
    assert "Mensagens automáticas da régua" in shown.text
    assert "Adiada" in shown.text and "domingo: sem contato" in shown.text
    assert "30/11/2026 08:00" in shown.text


async def test_the_rule_form_refuses_a_template_of_another_channel(browser, sign_in):
    await seed_defaults()
    token = await sign_in(Role.ADMIN)
    sms = await MessageTemplate.get(channel="sms")
    data = {
        "csrf_token": token,
        "description": "Atrasados",
        "general": "on",
        "priority": "0",
        "minutes_per_call": "5",
        "filters-0-field": "days_late",
        "filters-0-operator": "ge",
        "filters-0-value": "30",
        "actions-0-kind": "email",
        "actions-0-days_late": "30",
        "actions-0-message_template_id": str(sms.id),
        "actions-0-active": "on",
    }
    refused = await browser.post("/console/rules", data=data)
    assert refused.status_code == 422
    assert (
        "ação 1: o modelo" in refused.text and "não serve para uma ação de e-mail" in refused.text
    )
    saved = await browser.post("/console/rules", data={**data, "actions-0-kind": "sms"})
    assert saved.status_code == 303
    assert await CollectionAction.filter(message_template_id=sms.id, kind="sms").exists()


async def test_a_template_in_use_is_not_deleted_and_the_form_says_why(browser, sign_in):
    await seed_defaults()
    token = await sign_in(Role.ADMIN)
    template = await MessageTemplate.get(channel="sms")
    rule = await make_rule()
    await CollectionAction.create(
        rule=rule, kind=ActionKind.SMS, days_late=30, message_template=template
    )

    refused = await browser.post(
        f"/console/message-templates/{template.id}/delete", data={"csrf_token": token}
    )
    assert refused.status_code == 409
    assert template.name in refused.text and template.text[:20] in refused.text  # the form
    assert await MessageTemplate.filter(id=template.id).exists()
