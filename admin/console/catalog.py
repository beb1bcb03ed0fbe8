"""Cadastros: Status de cobrança, tipos de resultado, tipos de contato e escritórios.

One page with a section per catalog (sortable table and an add form), an edit page per row
and a confirmed delete. The pages validate with the API's own schemas and save through the
audited create/update/delete the catalog endpoints use too (negotiation.catalog), so every rule
lives in one place: uniqueness is the database's, "still in use" is
negotiation.catalog's (and the database's RESTRICT behind it), and a page only turns their
refusal into a message next to the field, offering deactivation for an item in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from admin import schemas as s
from admin.console.conditions import field_errors
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page
from models import Agency, CollectionStatus, ContactType, ResultType
from models.enums import ContactKind, ResultKind
from negotiation import catalog
from negotiation.errors import Conflict, InvalidInput, NotFound
from negotiation.labels import choices
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
Configure = Page(Permission.CONFIGURE)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str = "text"  # text | checkbox | select
    choices: dict[str, str] | None = None
    required: bool = False


@dataclass(frozen=True)
class Kind:
    slug: str  # in the console's URLs
    api_path: str  # the admin API's catalog path
    model: type[Model]
    schema: type[BaseModel]
    title: str  # section heading
    label: str  # one of them, for messages
    fields: tuple[Field, ...]
    unique: tuple[str, ...]  # fields the database keeps unique (for the duplicate message)


_NAME = Field("name", "Nome", required=True)
_ACTIVE = Field("active", "Ativo", "checkbox")
KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind(
            "statuses",
            "/collection-statuses",
            CollectionStatus,
            s.CollectionStatusIn,
            "Status de cobrança",
            "status de cobrança",
            (_NAME, Field("allows_receipt", "Permite Gerar Recibo", "checkbox"), _ACTIVE),
            ("name",),
        ),
        Kind(
            "result-types",
            "/result-types",
            ResultType,
            s.ResultTypeIn,
            "Tipos de resultado",
            "tipo de resultado",
            (_NAME, Field("kind", "Natureza", "select", choices(ResultKind)), _ACTIVE),
            ("name",),
        ),
        Kind(
            "contact-types",
            "/contact-types",
            ContactType,
            s.ContactTypeIn,
            "Tipos de contato",
            "tipo de contato",
            (_NAME, Field("kind", "Canal", "select", choices(ContactKind)), _ACTIVE),
            ("name",),
        ),
        Kind(
            "agencies",
            "/agencies",
            Agency,
            s.AgencyIn,
            "Escritórios de cobrança",
            "escritório",
            (
                _NAME,
                Field("cnpj", "CNPJ"),
                Field("email", "E-mail"),
                Field("phone", "Telefone"),
                Field("contact_name", "Contato"),
                _ACTIVE,
            ),
            ("name", "cnpj"),
        ),
    )
}
_DUPLICATE = {"name": "já existe um cadastro com este nome", "cnpj": "este CNPJ já está cadastrado"}


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFound(f"cadastro «{slug}» não existe")
    return kind


def _data_of(kind: Kind, form: Any) -> dict[str, Any]:
    """The form as the schema's dict: checkboxes as booleans, empty optional texts as None."""
    data: dict[str, Any] = {}
    for f in kind.fields:
        if f.type == "checkbox":
            data[f.name] = form.get(f.name) == "on"
        else:
            value = str(form.get(f.name, "")).strip()
            data[f.name] = value if value or f.required else None
            if data[f.name] is None and f.type == "select":
                del data[f.name]  # the schema's default
    return data


def _shown(kind: Kind, item: Model | dict | None) -> dict[str, Any]:
    if item is None:
        return {f.name: (f.name == "active") if f.type == "checkbox" else "" for f in kind.fields}
    get = item.get if isinstance(item, dict) else lambda n, d=None: getattr(item, n, d)
    shown = {}
    for f in kind.fields:
        value = get(f.name, None)
        shown[f.name] = bool(value) if f.type == "checkbox" else ("" if value is None else value)
        if hasattr(shown[f.name], "value"):
            shown[f.name] = shown[f.name].value
    return shown


async def _duplicates(kind: Kind, data: dict, item_id: int | None) -> dict[str, str]:
    """After the database refused a write: which unique field is taken (none: still in use)."""
    errors = {}
    for name in kind.unique:
        if data.get(name) is None:
            continue
        query = kind.model.filter(**{name: data[name]})
        if item_id is not None:
            query = query.exclude(id=item_id)
        if await query.exists():
            errors[name] = _DUPLICATE[name]
    return errors or {"__all__": "conflito com dados existentes; nada foi salvo"}


async def _save(kind: Kind, form: Any, signed: Signed, item_id: int | None) -> dict[str, str]:
    """Validate and write through the service; the errors by field ({} when saved)."""
    data = _data_of(kind, form)
    try:
        body = kind.schema.model_validate(data)
        if item_id is None:
            await catalog.create(kind.model, body.model_dump(), signed.user)
        else:
            item = await catalog.existing(kind.model, item_id, kind.label)
            await catalog.update(item, body.model_dump(), signed.user)
    except (ValidationError, InvalidInput) as exc:
        return field_errors(exc)
    except IntegrityError:
        return await _duplicates(kind, data, item_id)
    return {}


async def _sections(failed: str | None = None, values: dict | None = None, errors=None):
    sections = []
    for kind in KINDS.values():
        mine = kind.slug == failed
        sections.append(
            {
                "kind": kind,
                "items": [_shown(kind, i) | {"id": i.id} for i in await kind.model.all()],
                "values": values if mine else _shown(kind, None),
                "errors": (errors or {}) if mine else {},
            }
        )
    return sections


@router.get("/catalog")
async def catalog_page(request: Request, signed: Configure):
    return page(request, signed, "console/catalog.html.j2", sections=await _sections())


@router.post("/catalog/{slug}/new")
async def create_item(slug: str, request: Request, signed: Configure):
    kind = _kind(slug)
    form = await request.form()
    errors = await _save(kind, form, signed, None)
    if errors:
        values = _shown(kind, _data_of(kind, form))
        sections = await _sections(slug, values, errors)
        return page(request, signed, "console/catalog.html.j2", status_code=422, sections=sections)
    return RedirectResponse(f"/console/catalog?ok=created#{slug}", status_code=303)


def _edit_page(request, signed, kind, item_id, values, errors=None, status_code=200):
    return page(
        request,
        signed,
        "console/catalog_edit.html.j2",
        status_code=status_code,
        kind=kind,
        item_id=item_id,
        values=values,
        errors=errors or {},
    )


@router.get("/catalog/{slug}/{item_id}")
async def edit_item(slug: str, item_id: int, request: Request, signed: Configure):
    kind = _kind(slug)
    item = await catalog.existing(kind.model, item_id, kind.label)
    return _edit_page(request, signed, kind, item_id, _shown(kind, item))


@router.post("/catalog/{slug}/{item_id}")
async def update_item(slug: str, item_id: int, request: Request, signed: Configure):
    kind = _kind(slug)
    await catalog.existing(kind.model, item_id, kind.label)  # 404 before reading the form
    form = await request.form()
    errors = await _save(kind, form, signed, item_id)
    if errors:
        values = _shown(kind, _data_of(kind, form))
        return _edit_page(request, signed, kind, item_id, values, errors, 422)
    return RedirectResponse(f"/console/catalog?ok=saved#{slug}", status_code=303)


@router.post("/catalog/{slug}/{item_id}/delete")
async def delete_item(slug: str, item_id: int, request: Request, signed: Configure):
    kind = _kind(slug)
    item = await catalog.existing(kind.model, item_id, kind.label)
    form = await request.form()
    if form.get("confirm") != "on":
        errors = {"confirm": "marque a confirmação para excluir"}
        return _edit_page(request, signed, kind, item_id, _shown(kind, item), errors, 422)
    try:
        await catalog.delete(item, signed.user)
    except Conflict as exc:
        # In use: say where, and offer what is allowed instead (deactivating it).
        errors = {"in_use": str(exc)}
        return _edit_page(request, signed, kind, item_id, _shown(kind, item), errors, 409)
    return RedirectResponse(f"/console/catalog?ok=deleted#{slug}", status_code=303)


@router.post("/catalog/{slug}/{item_id}/deactivate")
async def deactivate_item(slug: str, item_id: int, signed: Configure):
    """Inactive items are not offered for new use and stay on the history that names them."""
    kind = _kind(slug)
    item = await catalog.existing(kind.model, item_id, kind.label)
    if item.active:
        await catalog.update(item, {"active": False}, signed.user)
    return RedirectResponse(f"/console/catalog?ok=saved#{slug}", status_code=303)
