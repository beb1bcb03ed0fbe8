"""Usuários and Auditoria in the console."""

from __future__ import annotations

from admin.passwords import verify_password
from models import AuditLog, ConsoleSession, User
from models.enums import Role
from negotiation import audit


async def test_the_admin_creates_an_agency_user_and_the_agency_is_required(
    browser, sign_in, agency
):
    token = await sign_in(Role.ADMIN)
    html = (await browser.get("/console/users")).text
    assert "O que cada perfil pode fazer" in html and "Gerenciar usuários" in html
    assert "Escritório de cobrança" in html and 'for="user-agency"' in html
    form = {
        "csrf_token": token,
        "username": "cobra.bem",
        "full_name": "Cobra Bem",
        "email": "ops@cobrabem.com.br",
        "role": "agency",
        "password": "uma-senha-boa",
        "active": "on",
    }
    missing = await browser.post("/console/users/new", data=form)
    assert missing.status_code == 422
    assert 'id="user-agency-error">escolha o escritório' in missing.text
    assert 'value="cobra.bem"' in missing.text  # what was typed is kept
    assert not await User.exists(username="cobra.bem")

    short = await browser.post(
        "/console/users/new", data=form | {"agency_id": str(agency.id), "password": "curta"}
    )
    assert short.status_code == 422 and "ao menos 8 caracteres" in short.text
    assert not await User.exists(username="cobra.bem")

    answer = await browser.post("/console/users/new", data=form | {"agency_id": str(agency.id)})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/users?ok=created"
    created = await User.get(username="cobra.bem")
    assert created.role == Role.AGENCY and created.agency_id == agency.id
    assert verify_password("uma-senha-boa", created.password_hash)
    listed = (await browser.get("/console/users?ok=created")).text
    assert "Criado." in listed and "cobra.bem" in listed

    again = await browser.post("/console/users/new", data=form | {"agency_id": str(agency.id)})
    assert again.status_code == 422 and "já existe um usuário" in again.text
    assert await User.filter(username="cobra.bem").count() == 1


async def test_the_admin_edits_role_and_active_and_resets_a_password(browser, sign_in, users):
    token = await sign_in(Role.ADMIN)
    attendant = users[Role.ATTENDANT]
    await ConsoleSession.create(
        key_hash="x" * 64, user=attendant, csrf_token="t", expires_at=attendant.created_at
    )
    page = await browser.get(f"/console/users/{attendant.id}")
    assert page.status_code == 200 and "Salvar" in page.text
    answer = await browser.post(
        f"/console/users/{attendant.id}",
        data={
            "csrf_token": token,
            "role": "supervisor",
            "password": "nova-senha-123",
            "active": "on",
        },
    )
    assert answer.status_code == 303
    await attendant.refresh_from_db()
    assert attendant.role == Role.SUPERVISOR and attendant.active
    assert verify_password("nova-senha-123", attendant.password_hash)
    assert not await ConsoleSession.exists(user_id=attendant.id)  # the reset signs them out
    entry = await AuditLog.get(entity="user", entity_id=str(attendant.id), action="update")
    assert entry.before["role"] == "attendant" and entry.after["role"] == "supervisor"
    assert entry.after["password_hash"] == "***" and entry.after["password_reset"] is True

    answer = await browser.post(
        f"/console/users/{attendant.id}", data={"csrf_token": token, "role": "agency"}
    )
    assert answer.status_code == 422 and "escolha o escritório" in answer.text
    await attendant.refresh_from_db()
    assert attendant.role == Role.SUPERVISOR and attendant.active

    answer = await browser.post(
        f"/console/users/{attendant.id}", data={"csrf_token": token, "role": "supervisor"}
    )
    assert answer.status_code == 303
    await attendant.refresh_from_db()
    assert not attendant.active

    me = users[Role.ADMIN]
    answer = await browser.post(
        f"/console/users/{me.id}", data={"csrf_token": token, "role": "admin"}
    )
    assert answer.status_code == 422 and "próprio perfil" in answer.text
    await me.refresh_from_db()
    assert me.active


async def test_only_the_admin_manages_users(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    assert "/console/users" not in (await browser.get("/console")).text
    assert (await browser.get("/console/users")).status_code == 403
    answer = await browser.post(
        "/console/users/new",
        data={"csrf_token": token, "username": "intruso", "role": "admin", "password": "12345678"},
    )
    assert answer.status_code == 403 and not await User.exists(username="intruso")


async def test_a_user_form_without_csrf_is_refused(browser, sign_in):
    await sign_in(Role.ADMIN)
    answer = await browser.post(
        "/console/users/new",
        data={"username": "semtoken", "role": "attendant", "password": "12345678", "active": "on"},
    )
    assert answer.status_code == 403 and not await User.exists(username="semtoken")


async def test_the_audit_page_lists_the_changes_just_made_with_their_user(browser, sign_in):
    token = await sign_in(Role.SUPERVISOR)
    await browser.post(
        "/console/catalog/statuses/new",
        data={"csrf_token": token, "name": "Negativado", "allows_receipt": "on", "active": "on"},
    )
    html = (await browser.get("/console/audit")).text
    assert "Status de cobrança" in html and "Criação" in html and "supervisor" in html
    assert "<details>" in html and "&#34;allows_receipt&#34;: true" in html
    assert "&#34;name&#34;: &#34;Negativado&#34;" in html

    filtered = (await browser.get("/console/audit?entity=user")).text
    assert "Negativado" not in filtered and "Nenhum registro" in filtered
    bad = await browser.get("/console/audit?since=ontem")
    assert bad.status_code == 422 and "data inválida" in bad.text


async def test_the_audit_log_pages_by_fifty_newest_first(browser, sign_in, users):
    await sign_in(Role.SUPERVISOR)
    for n in range(120):
        await audit.record(user=users[Role.ADMIN], action="update", entity="agency", entity_id=n)
    await audit.record(user=None, actor="telegram", action="create", entity="agreement")
    first = (await browser.get("/console/audit?action=update")).text
    assert "120 registros" in first and "Página 1 de 3" in first
    assert first.count("<tr>") == 51  # header + 50
    assert "<td>119</td>" in first and "<td>69</td>" not in first
    assert 'href="/console/audit?action=update&amp;page=2"' in first
    third = (await browser.get("/console/audit?action=update&page=3")).text
    assert "Página 3 de 3" in third and third.count("<tr>") == 21 and "<td>0</td>" in third
    assert "Próxima" not in third and "Anterior" in third
    mine = (await browser.get(f"/console/audit?user={users[Role.ADMIN].id}&since=2000-01-01")).text
    assert "120 registros" in mine
    assert "telegram" in (await browser.get("/console/audit?entity=agreement")).text


async def test_the_audit_needs_view_audit(browser, sign_in):
    await sign_in(Role.ATTENDANT)
    assert "/console/audit" not in (await browser.get("/console")).text
    assert (await browser.get("/console/audit")).status_code == 403
