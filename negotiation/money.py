"""Money helpers: `Decimal`, two places, half-up (DESIGN.md §3)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Intermediate products such as amount * pct * days are exact well within 40 digits, so
# the only rounding that ever happens is the explicit half-up (or down) to the cent.
_WIDE = Context(prec=40)


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_cents(value: Decimal) -> Decimal:
    """Round down to the cent (used for equal shares; the leftover cents go elsewhere)."""
    return value.quantize(CENT, rounding=ROUND_DOWN)


def ratio(value: Decimal, numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """`value * numerator / denominator` with one division at the end, in wide precision."""
    with localcontext(_WIDE):
        return (value * numerator) / denominator


def percent_of(value: Decimal, pct: Decimal) -> Decimal:
    """`value * pct / 100`, rounded half-up to the cent."""
    return round_cents(ratio(value, pct, HUNDRED))


def less_percent(value: Decimal, pct: Decimal) -> Decimal:
    """`value * (1 - pct / 100)`, rounded half-up to the cent."""
    return round_cents(ratio(value, HUNDRED - pct, HUNDRED))
