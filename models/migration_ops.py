"""Migration operations of our own, for what Tortoise 1.1's own would do unsafely."""

from __future__ import annotations

from tortoise.migrations import operations as ops


class StateOnlyAlterField(ops.AlterField):
    """AlterField for the migration state only. Tortoise's AlterField rebuilds a SQLite table
    with foreign keys ON inside the migration's transaction, so the rebuild's DROP TABLE runs
    the ON DELETE actions of the tables that point to it and drops its indexes. Use this when
    the column does not change (or when a RunPython step changes it the safe way)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None
