"""Rewrite a freshly generated initial migration so it works on SQLite and PostgreSQL.

Tortoise 1.1's CreateModel does not emit Meta CHECK constraints, and on SQLite adding one
rebuilds the table and drops its indexes. So: create the tables bare, add the CHECKs, then
the unique constraints and indexes, then the partial unique indexes (raw SQL, both dialects).
Run once after `tortoise makemigrations` for an initial migration; later migrations are small
and written by the autodetector.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PARTIAL_UNIQUE = [
    ("uq_condition_default", "payment_condition", '"is_default"', "is_default"),
    (
        "uq_entry_open_per_rule",
        "campaign_entry",
        '"rule_id", "customer_id"',
        "state IN ('pending', 'scheduled', 'in_progress', 'exported')",
    ),
]


def _option(options: str, key: str) -> tuple[str, str]:
    """Cut `'key': value, ` out of an options dict literal; returns (value, rest)."""
    start = options.find(f"'{key}': ")
    if start < 0:
        return "", options
    i = start + len(key) + 4
    depth = 0
    for j in range(i, len(options)):
        ch = options[j]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            return options[i:j], options[:start] + options[j + 2 :]
    raise ValueError(key)


def _items(literal: str) -> list[str]:
    """Top-level items of a list/tuple literal."""
    body = literal.strip()[1:-1]
    items, depth, cur, quote = [], 0, "", None
    for ch in body:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            if cur.strip():
                items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return items


def main(path: str) -> None:
    text = Path(path).read_text()
    after: list[str] = []
    checks: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        name, options = match.group(1), match.group(2)
        for key in ("constraints", "unique_together", "indexes"):
            value, options = _option(options, key)
            for item in _items(value) if value else []:
                if key == "constraints":
                    checks.append(
                        f"        ops.AddConstraint(model_name='{name}', constraint={item}),"
                    )
                elif key == "unique_together":
                    fields = item
                    after.append(
                        f"        ops.AddConstraint(model_name='{name}', "
                        f"constraint=UniqueConstraint(fields={fields})),"
                    )
                else:
                    after.append(f"        ops.AddIndex(model_name='{name}', index={item}),")
        return match.group(0).replace(match.group(2), options)

    text = re.sub(
        r"ops\.CreateModel\(\s*name='(\w+)',.*?options=(\{.*?\}),\n", rewrite, text, flags=re.S
    )
    partial = []
    for index, table, columns, where in PARTIAL_UNIQUE:
        create = f'CREATE UNIQUE INDEX "{index}" ON "{table}" ({columns}) WHERE {where}'
        drop = f'DROP INDEX "{index}"'
        partial.append(f"        ops.RunSQL({create!r}, reverse_sql={drop!r}),")
    tail = text.rstrip().rfind("]")
    text = (
        text[:tail]
        + "        # CHECKs first: on SQLite each rebuilds its empty, unindexed table.\n"
        + "\n".join(checks)
        + "\n        # Then unique constraints and indexes, which a rebuild would have dropped.\n"
        + "\n".join(after)
        + "\n        # Partial unique indexes: plain SQL that SQLite and PostgreSQL both accept.\n"
        + "\n".join(partial)
        + "\n"
        + text[tail:]
    )
    if "UniqueConstraint" not in text.split("class Migration")[0]:
        text = text.replace(
            "from tortoise.migrations.constraints import CheckConstraint",
            "from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint",
        )
    header = '"""Initial schema: generated, then reordered by tools/fix_initial_migration.py."""'
    Path(path).write_text(header + "\n\n" + text)


if __name__ == "__main__":
    main(sys.argv[1])
