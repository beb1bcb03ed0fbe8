"""Console pages show codes by their pt-BR names (negotiation/labels.py), never the codes."""

from __future__ import annotations

import pytest

from models import Call, Customer, Receivable
from models.enums import CallDirection, CallStatus, ContactOutcome, Role
from negotiation import audit
from tests.admin.console.test_campaigns import build_call_list


@pytest.fixture
async def call_list(db, users):
    return await build_call_list()


async def test_the_audit_page_names_actions_and_entities(browser, sign_in, users):
    admin = users[Role.ADMIN]
    await audit.record(user=admin, action="claim", entity="conversation", entity_id=7)
    await audit.record(user=admin, action="start", entity="campaign_entry", entity_id=8)
    await audit.record(user=admin, action="opt_out", entity="customer", entity_id=9)
    await sign_in(Role.ADMIN)
    html = (await browser.get("/console/audit")).text
    for name in (
        "<td>Conversa assumida</td>",
        "<td>Conversa</td>",
        "<td>Início do atendimento</td>",
        "<td>Entrada de campanha</td>",
        "<td>Pedido para não ser contatado</td>",
        "<td>Cliente</td>",
    ):
        assert name in html
    for code in ("claim", "campaign_entry", "opt_out", "conversation"):
        assert f"<td>{code}</td>" not in html
        assert f">{code}</option>" not in html  # the filters' options are named too
    assert '<option value="campaign_entry">Entrada de campanha</option>' in html
    assert "· Administrador</span>" in html  # the signed-in user's role, in the header


async def test_the_entry_page_names_statuses_methods_and_calls(browser, sign_in, call_list):
    entry = call_list["entries"][0]
    await Customer.filter(id=entry.customer_id).update(status="suspended")
    await Receivable.filter(customer_id=entry.customer_id).update(billing_method="cartao")
    await Call.create(
        direction=CallDirection.OUTBOUND,
        status=CallStatus.NO_ANSWER,
        outcome=ContactOutcome.VOICEMAIL,
        customer_id=entry.customer_id,
        entry=entry,
        to_number="+5519999990000",
    )
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    for name in ("<td>Suspenso", "<td>Cartão</td>", "<td>Em aberto</td>", ">Aguardando</span>"):
        assert name in html
    for name in ("<td>Saída</td>", "<td>Não atendeu</td>", "<td>Caixa postal</td>"):
        assert name in html
    for code in ("suspended", "cartao", "no-answer", "voicemail", "open"):
        assert f"<td>{code}" not in html
    assert "· Supervisor</span>" in html
