"""Whether a configured item (catalog item, rule, condition) may be deleted: never while history
points to it. The rows that point to it are found from the models' own foreign keys, so a new
history table is counted without touching this module; the parts an item owns (a condition's
options, a rule's filters: ON DELETE CASCADE) go with it and are not "uses"."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.base import OnDelete
from tortoise.models import Model

from negotiation.errors import Conflict

# How a use is named in the refusal: (one, many), by table.
NOUNS: dict[str, tuple[str, str]] = {
    "campaign_entry": ("entrada de campanha", "entradas de campanha"),
    "receivable": ("conta a receber", "contas a receber"),
    "campaign": ("campanha", "campanhas"),
    "rule_run": ("execução de regra", "execuções de regra"),
    "agreement": ("acordo", "acordos"),
    "user": ("usuário", "usuários"),
    "contact_attempt": ("tentativa de contato", "tentativas de contato"),
    "call": ("ligação", "ligações"),
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
