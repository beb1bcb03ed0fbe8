"""Customer search: customer.search_name (the name without accents, in lower case; see
models.customers.search_key), filled for the rows already there, and the indexes the search
needs.

- Both databases: a B-tree on search_name (the results are ordered by it).
- PostgreSQL: a `pg_trgm` GIN index on search_name, so `LIKE '%fragment%'` uses an index. When
  the server cannot load pg_trgm (the extension is not installed or not allowed), a
  `varchar_pattern_ops` B-tree takes its place, which serves prefix searches (`LIKE 'joao%'`).
- SQLite has neither: a fragment search reads the narrow search_name index, not the table.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

BATCH = 1000


async def _backfill(apps, schema_editor) -> None:
    # Plain SQL: the models are not set up while migrations run.
    from models.customers import search_key

    client = schema_editor.client
    mark = "?" if schema_editor.DIALECT == "sqlite" else "$1"
    last = 0
    while True:
        rows = await client.execute_query_dict(
            f'SELECT "id", "name" FROM "customer" WHERE "id" > {mark} ORDER BY "id" LIMIT {BATCH}',
            [last],
        )
        if not rows:
            break
        if schema_editor.DIALECT == "sqlite":
            sql = 'UPDATE "customer" SET "search_name" = ? WHERE "id" = ?'
        else:
            sql = 'UPDATE "customer" SET "search_name" = $1 WHERE "id" = $2'
        await client.execute_many(sql, [[search_key(r["name"]), r["id"]] for r in rows])
        last = rows[-1]["id"]


async def _fragment_index(apps, schema_editor) -> None:
    if schema_editor.DIALECT == "sqlite":
        return
    client = schema_editor.client
    available = await client.execute_query_dict(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    )
    if available:
        try:
            await client.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # not allowed to this role: fall back to the prefix index below
            available = []
    if available:
        await client.execute_script(
            'CREATE INDEX "idx_customer_search_trgm" ON "customer"'
            ' USING gin ("search_name" gin_trgm_ops)'
        )
    else:
        await client.execute_script(
            'CREATE INDEX "idx_customer_search_prefix" ON "customer"'
            ' ("search_name" varchar_pattern_ops)'
        )


async def _drop_fragment_index(apps, schema_editor) -> None:
    if schema_editor.DIALECT != "sqlite":
        await schema_editor.client.execute_script(
            'DROP INDEX IF EXISTS "idx_customer_search_trgm";'
            ' DROP INDEX IF EXISTS "idx_customer_search_prefix"'
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0016_reports")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Customer",
            name="search_name",
            field=fields.CharField(max_length=160, default="", db_default=""),
        ),
        ops.RunPython(_backfill, ops.RunPython.noop),
        ops.AddIndex(model_name="Customer", index=Index(fields=["search_name"])),
        ops.RunPython(_fragment_index, _drop_fragment_index),
    ]
