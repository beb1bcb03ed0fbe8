"""History keeps its references: a catalog item or a rule that history rows point to can no
longer be deleted under them (ON DELETE SET NULL / CASCADE become RESTRICT).

Written by hand. Tortoise 1.1's AlterField rebuilds a SQLite table with foreign keys ON and
inside the migration's transaction: the DROP TABLE of the rebuild then runs the ON DELETE
actions of the tables that point to it (calls and contact attempts would lose their entry)
and the table's indexes, partial unique ones included, are gone. So the fields change in the
migration state only, and one RunPython changes the database the safe way of each dialect:
- SQLite: the documented 12-step table rebuild, with foreign keys OFF (which needs a
  non-atomic migration: the pragma is a no-op inside a transaction), the table's own CREATE
  statement with only the ON DELETE clause changed, every row copied as is, its indexes
  recreated from their own SQL, and `PRAGMA foreign_key_check` before committing;
- PostgreSQL: each foreign key constraint dropped and added again, in one transaction.
"""

import re

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.migration_ops import StateOnlyAlterField

# (table, column, referenced table, action before, field, model, target model, related_name,
#  null)
CHANGES = [
    ("campaign_entry", "result_type_id", "result_type", "SET NULL", "result_type", "CampaignEntry", "ResultType", "entries", True),
    ("campaign_entry", "collection_status_id", "collection_status", "SET NULL", "collection_status", "CampaignEntry", "CollectionStatus", "entries", True),
    ("campaign_entry", "agency_id", "agency", "SET NULL", "agency", "CampaignEntry", "Agency", "entries", True),
    ("campaign_entry", "rule_id", "collection_rule", "CASCADE", "rule", "CampaignEntry", "CollectionRule", "entries", False),
    ("receivable", "collection_status_id", "collection_status", "SET NULL", "collection_status", "Receivable", "CollectionStatus", "receivables", True),
    ("campaign", "contact_type_id", "contact_type", "SET NULL", "contact_type", "Campaign", "ContactType", "campaigns", True),
    ("campaign", "rule_id", "collection_rule", "CASCADE", "rule", "Campaign", "CollectionRule", "campaigns", False),
    ("rule_run", "rule_id", "collection_rule", "CASCADE", "rule", "RuleRun", "CollectionRule", "runs", False),
]


def _field(change):
    _, column, _, _, _, _, target, related_name, null = change
    return fields.ForeignKeyField(
        f"models.{target}", source_field=column, null=null, db_constraint=True, to_field="id",
        related_name=related_name, on_delete=OnDelete.RESTRICT,
    )


async def _sqlite(client, actions: dict[tuple[str, str], tuple[str, str]]) -> None:
    # execute_query, not execute_script: Python's executescript() commits first.
    run = client.execute_query
    tables = sorted({table for table, _ in actions})
    await run("PRAGMA foreign_keys=OFF")
    try:
        await run("BEGIN")
        try:
            for table in tables:
                rows = await client.execute_query_dict(
                    "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", [table]
                )
                sql = rows[0]["sql"]
                for (t, column), (old, new) in actions.items():
                    if t != table:
                        continue
                    clause = re.compile(
                        rf'("{column}" [^,]*? REFERENCES "\w+" \("id"\) ON DELETE ){old}\b'
                    )
                    sql, found = clause.subn(rf"\g<1>{new}", sql)
                    if found != 1:
                        raise RuntimeError(f"{table}.{column}: ON DELETE {old} not found")
                extras = await client.execute_query_dict(
                    "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
                    " AND tbl_name=? AND sql IS NOT NULL",
                    [table],
                )
                await run(sql.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "new__{table}"', 1))
                await run(f'INSERT INTO "new__{table}" SELECT * FROM "{table}"')
                await run(f'DROP TABLE "{table}"')
                await run(f'ALTER TABLE "new__{table}" RENAME TO "{table}"')
                for extra in extras:
                    await run(extra["sql"])
            broken = await client.execute_query_dict("PRAGMA foreign_key_check")
            if broken:
                raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
        except BaseException:
            await run("ROLLBACK")
            raise
        await run("COMMIT")
    finally:
        await run("PRAGMA foreign_keys=ON")


async def _postgres(client, actions: dict[tuple[str, str], tuple[str, str]]) -> None:
    statements = []
    for (table, column), (_, new) in actions.items():
        rows = await client.execute_query_dict(
            "SELECT c.conname, r.relname AS target FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]"
            " WHERE c.contype = 'f' AND t.relname = $1 AND a.attname = $2"
            " AND t.relnamespace = current_schema()::regnamespace",
            [table, column],
        )
        if len(rows) != 1:
            raise RuntimeError(f"{table}.{column}: {len(rows)} foreign keys")
        name, target = rows[0]["conname"], rows[0]["target"]
        statements.append(
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}"'
            f' FOREIGN KEY ("{column}") REFERENCES "{target}" ("id") ON DELETE {new}'
        )
    # One script is one implicit transaction in PostgreSQL: all of it or none.
    await client.execute_script(";\n".join(statements))


def _on_delete(backwards: bool):
    async def run(apps, schema_editor) -> None:
        actions = {
            (c[0], c[1]): (("RESTRICT", c[3]) if backwards else (c[3], "RESTRICT"))
            for c in CHANGES
        }
        if schema_editor.DIALECT == "sqlite":
            await _sqlite(schema_editor.client, actions)
        else:
            await _postgres(schema_editor.client, actions)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0005_calls_and_sessions")]

    initial = False
    # PRAGMA foreign_keys=OFF only works outside a transaction; each dialect's code makes its
    # own transaction.
    atomic = False

    operations = [
        *[StateOnlyAlterField(model_name=c[5], name=c[4], field=_field(c)) for c in CHANGES],
        ops.RunPython(_on_delete(backwards=False), _on_delete(backwards=True), atomic=False),
    ]
