"""Field shorthands so every amount and percentage is stored the same way."""

from __future__ import annotations

from typing import Any

from tortoise import fields


def money(**kwargs: Any) -> fields.DecimalField:
    """An amount in reais: up to 999,999,999,999.99, two places."""
    return fields.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def percent(**kwargs: Any) -> fields.DecimalField:
    """A percentage 0–100 with up to four decimals (0.0333 % a day is a real ISP setting)."""
    return fields.DecimalField(max_digits=7, decimal_places=4, **kwargs)


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
