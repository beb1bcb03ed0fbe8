"""Usuários e perfis: list, create (through the API's own create_user), edit role, agency,
active and password; and what each role may do (negotiation.permissions, in pt-BR).

Creation goes through admin.api.users.create_user and UserIn. The API has no update yet, so
`update_user` below is the one audited update; its input is UserIn with the password optional,
so the "agency only for the agency role" rule stays UserIn's (and the database's).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import Field, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from admin.api import users as api
from admin.api.crud import get_or_404
from admin.console.conditions import field_errors
from admin.console.render import page
from admin.console.session import Signed, allowed
from admin.passwords import hash_password
from admin.schemas import UserIn
from models import Agency, ConsoleSession, User
from models.enums import Role
from negotiation import audit
from negotiation.errors import InvalidInput
from negotiation.permissions import ROLE_PERMISSIONS, Permission

router = APIRouter(prefix="/console")
manage = allowed(Permission.MANAGE_USERS)

ROLES = {
    Role.ADMIN.value: "Administrador",
    Role.SUPERVISOR.value: "Supervisor",
    Role.ATTENDANT.value: "Atendente",
    Role.AGENCY.value: "Escritório de cobrança",
}
PERMISSIONS = {
    Permission.CONFIGURE: "Configurar condições, réguas e cadastros",
    Permission.RUN_RULES: "Executar réguas de cobrança",
    Permission.VIEW_CAMPAIGNS: "Ver campanhas de ligação",
    Permission.VIEW_CUSTOMER: "Abrir o cadastro do cliente",
    Permission.NEGOTIATE: "Negociar e fazer acordos",
    Permission.RECORD_RESULTS: "Registrar resultados de contato",
    Permission.EXPORT_TO_AGENCY: "Exportar para escritório de cobrança",
    Permission.MANAGE_USERS: "Gerenciar usuários",
    Permission.VIEW_AUDIT: "Ver a auditoria",
    Permission.IMPORT_DATA: "Importar dados",
    Permission.RECORD_PAYMENTS: "Registrar pagamentos",
    Permission.HANDLE_CONVERSATIONS: "Atender conversas",
}
# The minimum is UserIn's: the page only says it in words.
PASSWORD_MIN: int = next(
    m.min_length for m in UserIn.model_fields["password"].metadata if hasattr(m, "min_length")
)
_PASSWORD_SHORT = f"a senha precisa de ao menos {PASSWORD_MIN} caracteres"


class UserEdit(UserIn):
    """What the edit page changes: UserIn (and its agency rule), the password optional."""

    password: Annotated[  # type: ignore[assignment]
        str | None, Field(min_length=PASSWORD_MIN, max_length=200)
    ] = None


async def update_user(user_id: int, data: UserEdit, *, by: User) -> User:
    """Change a user's name, e-mail, role, agency, active flag and (when given) password, with
    the audit entry. A password reset or deactivation ends their console sessions."""
    user = await get_or_404(User, user_id, "usuário")
    if user.id == by.id and (not data.active or data.role != user.role):
        raise InvalidInput("role: você não pode mudar o próprio perfil nem se desativar")
    if data.agency_id is not None and not await Agency.exists(id=data.agency_id):
        raise InvalidInput(f"agency_id: escritório {data.agency_id} não existe")
    before = audit.snapshot(user, password_hash="***")
    changes = data.model_dump(exclude={"username", "password"})
    async with in_transaction() as conn:
        user.update_from_dict(changes)
        if data.password:
            user.password_hash = hash_password(data.password)
        await user.save(using_db=conn)
        if data.password or not data.active:
            await ConsoleSession.filter(user_id=user.id).using_db(conn).delete()
        await audit.record(
            user=by,
            action="update",
            entity="user",
            entity_id=user.id,
            before=before,
            after=audit.snapshot(user, password_hash="***", password_reset=bool(data.password)),
            using_db=conn,
        )
    return user


def _form_data(form: Any, username: str | None = None) -> dict[str, Any]:
    text = {k: str(form.get(k, "")).strip() for k in ("username", "full_name", "email", "role")}
    agency = str(form.get("agency_id", "")).strip()
    return {
        "username": username if username is not None else text["username"],
        "full_name": text["full_name"],
        "email": text["email"] or None,
        "role": text["role"],
        "agency_id": agency or None,
        "password": str(form.get("password", "")) or None,
        "active": form.get("active") == "on",
    }


def _errors(exc: ValidationError | InvalidInput, data: dict) -> dict[str, str]:
    errors = field_errors(exc)
    if "password" in errors and data.get("password"):
        errors["password"] = (
            _PASSWORD_SHORT if len(data["password"]) < PASSWORD_MIN else errors["password"]
        )
    if errors.get("agency_id", "").startswith("obrigatório para o perfil agency"):
        errors["agency_id"] = (
            "escolha o escritório: obrigatório para o perfil Escritório de cobrança, e só para ele"
        )
    return errors


async def _list_page(request, signed, values=None, errors=None, status_code=200):
    users = await User.all().select_related("agency")
    return page(
        request,
        signed,
        "console/users.html.j2",
        status_code=status_code,
        users=users,
        agencies=await Agency.all(),
        roles=ROLES,
        permissions=PERMISSIONS,
        role_permissions={r.value: ROLE_PERMISSIONS[r] for r in Role},
        values=values or {"active": True, "role": Role.ATTENDANT.value},
        errors=errors or {},
        password_min=PASSWORD_MIN,
    )


@router.get("/users")
async def users_page(request: Request, signed: Signed = manage):
    return await _list_page(request, signed)


@router.post("/users/new")
async def create_user(request: Request, signed: Signed = manage):
    data = _form_data(await request.form())
    try:
        await api.create_user(UserIn.model_validate(data), user=signed.user)
    except (ValidationError, InvalidInput) as exc:
        errors = _errors(exc, data)
    except IntegrityError:
        errors = {"username": "já existe um usuário com este nome de usuário"}
    else:
        return RedirectResponse("/console/users?ok=created", status_code=303)
    shown = {k: ("" if v is None else v) for k, v in data.items() if k != "password"}
    return await _list_page(request, signed, shown, errors, 422)


def _edit_page(request, signed, user, values, errors=None, status_code=200):
    return page(
        request,
        signed,
        "console/users_edit.html.j2",
        status_code=status_code,
        edited=user,
        values=values,
        errors=errors or {},
        roles=ROLES,
        agencies=values.pop("_agencies"),
        password_min=PASSWORD_MIN,
    )


@router.get("/users/{user_id}")
async def edit_user(user_id: int, request: Request, signed: Signed = manage):
    user = await get_or_404(User, user_id, "usuário")
    values = {
        "full_name": user.full_name,
        "email": user.email or "",
        "role": user.role.value if hasattr(user.role, "value") else user.role,
        "agency_id": user.agency_id or "",
        "active": user.active,
        "_agencies": await Agency.all(),
    }
    return _edit_page(request, signed, user, values)


@router.post("/users/{user_id}")
async def save_user(user_id: int, request: Request, signed: Signed = manage):
    user = await get_or_404(User, user_id, "usuário")
    data = _form_data(await request.form(), username=user.username)
    try:
        await update_user(user_id, UserEdit.model_validate(data), by=signed.user)
    except (ValidationError, InvalidInput) as exc:
        shown = {k: ("" if v is None else v) for k, v in data.items() if k != "password"}
        shown["_agencies"] = await Agency.all()
        return _edit_page(request, signed, user, shown, _errors(exc, data), 422)
    return RedirectResponse("/console/users?ok=saved", status_code=303)
