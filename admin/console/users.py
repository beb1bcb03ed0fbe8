"""Usuários e perfis: list, create, edit role, agency, active and password; and what each role
may do (negotiation.permissions, in pt-BR).

Creation validates with the API's UserIn and edits with UserEdit (UserIn, password optional),
so the "agency only for the agency role" rule stays the schema's (and the database's); both
save through negotiation.users, the service the API calls.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from tortoise.exceptions import IntegrityError

from admin.console.conditions import field_errors
from admin.console.render import page
from admin.deps import Page
from admin.schemas.users import PASSWORD_MIN, UserEdit, UserIn
from models import Agency, User
from models.enums import Role
from negotiation import catalog
from negotiation import users as service
from negotiation.errors import InvalidInput
from negotiation.labels import choices
from negotiation.permissions import ROLE_PERMISSIONS, Permission

router = APIRouter(prefix="/console")
Manage = Page(Permission.MANAGE_USERS)

ROLES = choices(Role)
PERMISSIONS = choices(Permission)
_PASSWORD_SHORT = f"a senha precisa de ao menos {PASSWORD_MIN} caracteres"


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
async def users_page(request: Request, signed: Manage):
    return await _list_page(request, signed)


@router.post("/users/new")
async def create_user(request: Request, signed: Manage):
    data = _form_data(await request.form())
    try:
        await service.create_user(signed.user, UserIn.model_validate(data).model_dump())
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
async def edit_user(user_id: int, request: Request, signed: Manage):
    user = await catalog.existing(User, user_id, "usuário")
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
async def save_user(user_id: int, request: Request, signed: Manage):
    user = await catalog.existing(User, user_id, "usuário")
    data = _form_data(await request.form(), username=user.username)
    try:
        edit = UserEdit.model_validate(data).model_dump()
        await service.update_user(signed.user, user_id, edit)
    except (ValidationError, InvalidInput) as exc:
        shown = {k: ("" if v is None else v) for k, v in data.items() if k != "password"}
        shown["_agencies"] = await Agency.all()
        return _edit_page(request, signed, user, shown, _errors(exc, data), 422)
    return RedirectResponse("/console/users?ok=saved", status_code=303)
