"""Configured items (catalogs, and the rows conditions, rules and users build on): their audited
create, update and delete, and whether one may be deleted: never while history points to it.

The rows that point to an item are found from the models' own foreign keys, so a new history
table is counted without touching this module; the parts an item owns (a condition's options,
a rule's filters: ON DELETE CASCADE) go with it and are not "uses"."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.fields.base import OnDelete
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import User
from negotiation import audit
from negotiation.errors import Conflict, NotFound
from negotiation.permissions import Permission, ensure

# How a use is named in the refusal: (one, many), by table.
NOUNS: dict[str, tuple[str, str]] = {
    "campaign_entry": ("entrada de campanha", "entradas de campanha"),
    "entry_result": ("resultado registrado", "resultados registrados"),
    "receivable": ("conta a receber", "contas a receber"),
    "campaign": ("campanha", "campanhas"),
    "rule_run": ("execução de regra", "execuções de regra"),
    "agreement": ("acordo", "acordos"),
    "user": ("usuário", "usuários"),
    "contact_attempt": ("tentativa de contato", "tentativas de contato"),
    "call": ("ligação", "ligações"),
    "contact_refusal": ("contato recusado", "contatos recusados"),
}


async def uses(item: Model, using_db: BaseDBAsyncClient | None = None) -> list[tuple[str, int]]:
    """(table, how many rows) for every table whose rows point to `item`, by relation name."""
    found = []
    for name in sorted(item._meta.backward_fk_fields | item._meta.backward_o2o_fields):
        relation = item._meta.fields_map[name]
        related: type[Model] = relation.related_model
        forward = related._meta.fields_map[relation.relation_field.removesuffix("_id")]
        if forward.on_delete == OnDelete.CASCADE:
            continue  # a part of the item, not a use of it
        query = related.filter(**{relation.relation_field: item.pk})
        if using_db is not None:
            query = query.using_db(using_db)
        count = await query.count()
        if count:
            found.append((related._meta.db_table, count))
    return found


def _counted(table: str, count: int) -> str:
    one, many = NOUNS.get(table, (table, table))
    return f"{count} {one if count == 1 else many}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " e " + parts[-1]


def in_use_message(item: Model, found: list[tuple[str, int]]) -> str:
    """The refusal, e.g. «Negativado Serasa» está em uso em 1 entrada de campanha e 3 contas a
    receber: desative em vez de excluir (without the counts when they are not known)."""
    name = getattr(item, "name", None) or getattr(item, "description", None) or f"nº {item.pk}"
    where = f" em {_joined([_counted(t, n) for t, n in found])}" if found else ""
    return f"«{name}» está em uso{where}: desative em vez de excluir"


async def ensure_unused(item: Model, using_db: BaseDBAsyncClient | None = None) -> None:
    """Refuse (Conflict, 409) to delete an item history points to, saying where it is used."""
    found = await uses(item, using_db)
    if found:
        raise Conflict(in_use_message(item, found))


# --- the audited writes of every configured item (catalogs, and what conditions, rules and
# users build on) -----------------------------------------------------------------------------


async def existing(model: type[Model], item_id: int, label: str) -> Model:
    """The row, or NotFound saying which one ("condição 7 não existe")."""
    item = await model.get_or_none(id=item_id)
    if item is None:
        raise NotFound(f"{label} {item_id} não existe")
    return item


async def delete(item: Model, by: User, before: dict | None = None) -> None:
    """Delete a row and write the audit entry (with what it was) in one transaction. A row
    that history points to is refused (Conflict, saying where it is used), never deleted."""
    ensure(by, Permission.CONFIGURE)
    try:
        async with in_transaction() as conn:
            await ensure_unused(item, conn)
            await audit.record(
                user=by,
                action="delete",
                entity=item._meta.db_table,
                entity_id=item.id,
                before=before if before is not None else audit.snapshot(item),
                using_db=conn,
            )
            await item.delete(using_db=conn)
    except IntegrityError:
        # Put to use by someone else between the check and the delete: the database's
        # ON DELETE RESTRICT said no, and the transaction wrote nothing.
        raise Conflict(in_use_message(item, [])) from None


async def create(model: type[Model], values: dict, by: User) -> Model:
    """Create a row and write the audit entry in one transaction."""
    ensure(by, Permission.CONFIGURE)
    async with in_transaction() as conn:
        item = await model.create(using_db=conn, **values)
        await audit.record(
            user=by,
            action="create",
            entity=model._meta.db_table,
            entity_id=item.id,
            after=audit.snapshot(item),
            using_db=conn,
        )
    return item


async def update(item: Model, values: dict, by: User) -> Model:
    """Change a row and write the audit entry (before and after) in one transaction."""
    ensure(by, Permission.CONFIGURE)
    before = audit.snapshot(item)
    async with in_transaction() as conn:
        item.update_from_dict(values)
        await item.save(using_db=conn)
        await audit.record(
            user=by,
            action="update",
            entity=item._meta.db_table,
            entity_id=item.id,
            before=before,
            after=audit.snapshot(item),
            using_db=conn,
        )
    return item
