"""Field shorthands so every amount and percentage is stored the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields

from models import clock


def money(**kwargs: Any) -> fields.DecimalField:
    """An amount in reais: up to 999,999,999,999.99, two places."""
    return fields.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def percent(**kwargs: Any) -> fields.DecimalField:
    """A percentage 0–100 with up to four decimals (0.0333 % a day is a real ISP setting)."""
    return fields.DecimalField(max_digits=7, decimal_places=4, **kwargs)


class Timestamp(fields.DatetimeField):
    """A DatetimeField whose `auto_now` / `auto_now_add` stamps come from `models.clock`.

    Tortoise stamps them with its own `timezone.now()`, a second reader of the wall clock
    that the tests could not set; this is the same logic with the one clock. The column is
    the same as DatetimeField's, so no migration changes.
    """

    def to_db_value(self, value: Any, instance: Any) -> Any:
        if hasattr(instance, "_saved_in_db") and (
            self.auto_now
            or (self.auto_now_add and getattr(instance, self.model_field_name) is None)
        ):
            stamp: datetime = clock.now()
            setattr(instance, self.model_field_name, self.to_python_value(stamp))
            return stamp
        return super().to_db_value(value, instance)


# CHECK expressions. SQLite keeps a Decimal as text, and text compares greater than any
# number there, so every comparison casts; CAST(... AS NUMERIC) is a no-op on PostgreSQL.
def num(column: str) -> str:
    return f"CAST({column} AS NUMERIC)"


def within_percent(*columns: str) -> str:
    return " AND ".join(f"{num(c)} BETWEEN 0 AND 100" for c in columns)


def ordered(low: str, high: str) -> str:
    """Both bounds set means low <= high; an unset bound is open."""
    return f"{low} IS NULL OR {high} IS NULL OR {num(low)} <= {num(high)}"


def positive(*columns: str, allow_zero: bool = False) -> str:
    op = ">=" if allow_zero else ">"
    return " AND ".join(f"{num(c)} {op} 0" for c in columns)
