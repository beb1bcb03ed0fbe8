"""Cadastros in the console: statuses, result types, contact types and agencies."""

from __future__ import annotations

from models import (
    Agency,
    AuditLog,
    CampaignEntry,
    CollectionStatus,
    ContactType,
    Receivable,
    ResultType,
)
from models.enums import ContactKind, ResultKind, Role
from tests.admin.test_catalog_in_use import _history


async def test_a_status_with_permite_gerar_recibo_is_created_edited_and_deleted(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    html = (await browser.get("/console/catalog")).text
    assert 'for="new-statuses-allows_receipt"' in html and "Permite Gerar Recibo" in html
    assert "Adicionar" in html

    answer = await browser.post(
        "/console/catalog/statuses/new",
        data={"csrf_token": token, "name": "Negativado", "allows_receipt": "on", "active": "on"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/catalog?ok=created#statuses"
    status = await CollectionStatus.get(name="Negativado")
    assert status.allows_receipt and status.active
    listed = (await browser.get("/console/catalog?ok=created")).text
    assert "Criado." in listed and "Negativado" in listed

    edit = await browser.get(f"/console/catalog/statuses/{status.id}")
    assert edit.status_code == 200 and "Salvar" in edit.text and 'value="Negativado"' in edit.text
    answer = await browser.post(
        f"/console/catalog/statuses/{status.id}",
        data={"csrf_token": token, "name": "Negativado Serasa"},  # both boxes unchecked
    )
    assert answer.status_code == 303
    await status.refresh_from_db()
    assert status.name == "Negativado Serasa" and not status.allows_receipt and not status.active

    unconfirmed = await browser.post(
        f"/console/catalog/statuses/{status.id}/delete", data={"csrf_token": token}
    )
    assert unconfirmed.status_code == 422 and "marque a confirmação" in unconfirmed.text
    assert await CollectionStatus.exists(id=status.id)
    answer = await browser.post(
        f"/console/catalog/statuses/{status.id}/delete",
        data={"csrf_token": token, "confirm": "on"},
    )
    assert answer.status_code == 303 and not await CollectionStatus.exists(id=status.id)
    actions = await AuditLog.filter(entity="collection_status").values_list("action", flat=True)
    assert sorted(actions) == ["create", "delete", "update"]
    assert (
        await AuditLog.filter(entity="collection_status", user__username="supervisor").count() == 3
    )


async def test_result_and_contact_types_keep_their_kind(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    answer = await browser.post(
        "/console/catalog/result-types/new",
        data={"csrf_token": token, "name": "Promessa", "kind": "negotiated", "active": "on"},
    )
    assert answer.status_code == 303
    result = await ResultType.get(name="Promessa")
    assert result.kind == ResultKind.NEGOTIATED
    answer = await browser.post(
        f"/console/catalog/result-types/{result.id}",
        data={"csrf_token": token, "name": "Promessa", "kind": "reschedule", "active": "on"},
    )
    assert answer.status_code == 303
    await result.refresh_from_db()
    assert result.kind == ResultKind.RESCHEDULE
    assert "Reagendamento" in (await browser.get("/console/catalog")).text

    answer = await browser.post(
        "/console/catalog/contact-types/new",
        data={"csrf_token": token, "name": "Zap", "kind": "telegram", "active": "on"},
    )
    assert answer.status_code == 303
    contact = await ContactType.get(name="Zap")
    assert contact.kind == ContactKind.TELEGRAM
    bad = await browser.post(
        f"/console/catalog/contact-types/{contact.id}",
        data={"csrf_token": token, "name": "Zap", "kind": "pombo"},
    )
    assert bad.status_code == 422 and "escolha uma das opções" in bad.text
    await contact.refresh_from_db()
    assert contact.kind == ContactKind.TELEGRAM
    answer = await browser.post(
        f"/console/catalog/contact-types/{contact.id}/delete",
        data={"csrf_token": token, "confirm": "on"},
    )
    assert answer.status_code == 303 and not await ContactType.exists(id=contact.id)
    answer = await browser.post(
        f"/console/catalog/result-types/{result.id}/delete",
        data={"csrf_token": token, "confirm": "on"},
    )
    assert answer.status_code == 303 and not await ResultType.exists(id=result.id)


async def test_an_agency_is_created_edited_and_refused_when_invalid(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    answer = await browser.post(
        "/console/catalog/agencies/new",
        data={
            "csrf_token": token,
            "name": "Cobra Bem",
            "cnpj": "11.222.333/0001-81",
            "email": "contato@cobrabem.com.br",
            "phone": "",
            "contact_name": "Maria",
            "active": "on",
        },
    )
    assert answer.status_code == 303, answer.text
    agency = await Agency.get(name="Cobra Bem")
    assert agency.cnpj == "11222333000181" and agency.phone is None
    bad = await browser.post(
        f"/console/catalog/agencies/{agency.id}",
        data={"csrf_token": token, "name": "Cobra Bem", "cnpj": "123", "email": "sem-arroba"},
    )
    assert bad.status_code == 422
    assert bad.text.count('class="field-error"') == 2  # cnpj and e-mail, each next to its field
    await agency.refresh_from_db()
    assert agency.email == "contato@cobrabem.com.br" and agency.active


async def test_a_duplicate_name_is_shown_next_to_the_field_and_nothing_is_written(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    await CollectionStatus.create(name="Negativado")
    other = await CollectionStatus.create(name="Protestado")
    before = await AuditLog.all().count()
    answer = await browser.post(
        "/console/catalog/statuses/new",
        data={"csrf_token": token, "name": "Negativado", "active": "on"},
    )
    assert answer.status_code == 422
    assert 'id="new-statuses-name-error">já existe um cadastro com este nome' in answer.text
    assert await CollectionStatus.filter(name="Negativado").count() == 1
    answer = await browser.post(
        f"/console/catalog/statuses/{other.id}",
        data={"csrf_token": token, "name": "Negativado", "active": "on"},
    )
    assert answer.status_code == 422 and "já existe um cadastro com este nome" in answer.text
    await other.refresh_from_db()
    assert other.name == "Protestado"
    empty = await browser.post(
        "/console/catalog/result-types/new", data={"csrf_token": token, "name": " "}
    )
    assert empty.status_code == 422 and "obrigatório" in empty.text
    assert await AuditLog.all().count() == before


async def test_an_agency_in_use_cannot_be_deleted(browser, sign_in, agency):
    token = await sign_in(Role.ADMIN)  # the agency user belongs to `agency`
    answer = await browser.post(
        f"/console/catalog/agencies/{agency.id}/delete",
        data={"csrf_token": token, "confirm": "on"},
    )
    assert answer.status_code == 409 and "está em uso" in answer.text
    assert await Agency.exists(id=agency.id)


async def test_an_attendant_neither_sees_nor_opens_the_catalog(browser, sign_in):
    token = await sign_in(Role.ATTENDANT)
    assert "/console/catalog" not in (await browser.get("/console")).text
    assert (await browser.get("/console/catalog")).status_code == 403
    answer = await browser.post(
        "/console/catalog/statuses/new", data={"csrf_token": token, "name": "X"}
    )
    assert answer.status_code == 403 and not await CollectionStatus.exists(name="X")


async def test_a_form_without_the_csrf_token_is_refused(browser, sign_in):
    await sign_in(Role.ADMIN)
    answer = await browser.post("/console/catalog/statuses/new", data={"name": "Sem token"})
    assert answer.status_code == 403 and not await CollectionStatus.exists(name="Sem token")
    assert (await browser.get("/console/catalog/pets")).status_code == 404


async def test_a_status_in_use_is_not_deleted_and_deactivation_is_offered(browser, sign_in):
    story = await _history()
    status = story["status"]
    token = await sign_in(Role.SUPERVISOR)
    answer = await browser.post(
        f"/console/catalog/statuses/{status.id}/delete",
        data={"csrf_token": token, "confirm": "on"},
    )
    assert answer.status_code == 409
    assert (
        "Não excluído: «Negativado Serasa» está em uso em 1 entrada de campanha e 3 contas a"
        " receber: desative em vez de excluir." in answer.text
    )
    assert f'action="/console/catalog/statuses/{status.id}/deactivate"' in answer.text
    assert "Desativar «Negativado Serasa»" in answer.text
    assert "Excluído." not in answer.text
    assert await AuditLog.filter(action="delete").count() == 0

    answer = await browser.post(
        f"/console/catalog/statuses/{status.id}/deactivate", data={"csrf_token": token}
    )
    assert answer.status_code == 303
    await status.refresh_from_db()
    assert not status.active
    # Still on the history, no longer offered for a new result.
    assert await Receivable.filter(collection_status_id=status.id).count() == 3
    entry = await CampaignEntry.get(id=story["entry"].id)
    assert entry.collection_status_id == status.id
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    offered = html.split('id="r-status"')[1].split("</select>")[0]
    assert "Negativado Serasa" in html and "Negativado Serasa" not in offered
