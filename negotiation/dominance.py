"""Which offers are worth showing: none that another offer beats on every count.

Pure and generic over the items, so the offers service applies it once for every channel
(chat, voice, the console's entry page and the API) and the property tests can run it on
plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Terms:
    """What a debtor compares between two offers.

    `down_payment` is the least the offer asks up front (zero when it has none); `installments`
    counts every payment, the down payment included.
    """

    total: Decimal
    down_payment: Decimal
    installments: int

    def dominates(self, other: Terms) -> bool:
        """Whether `self` is at least as good as `other` on every count and better on one.

        An offer A is dominated by an offer B when B.total <= A.total, B.down_payment <=
        A.down_payment and B.installments >= A.installments, with at least one of the three
        strict: B costs no more, asks no more up front and spreads the debt over at least as
        many payments (so no payment of B needs to be larger than A's). Identical terms do
        not dominate each other; `undominated` keeps one of them.
        """
        at_least_as_good = (
            self.total <= other.total
            and self.down_payment <= other.down_payment
            and self.installments >= other.installments
        )
        return at_least_as_good and self != other


def undominated(items: Sequence[T], terms: Callable[[T], Terms]) -> list[T]:
    """The items no other item dominates, one of each set of identical terms (the first in
    `items`' order: the caller orders by its preference), in `items`' order.

    Every item left out is dominated by, or identical to, an item kept; the cheapest total is
    always kept (nothing can cost less, and among equal totals the best survives).
    """
    described = [(item, terms(item)) for item in items]
    kept: list[T] = []
    seen: set[Terms] = set()
    for item, mine in described:
        if mine in seen:
            continue
        if any(other.dominates(mine) for _, other in described):
            continue
        seen.add(mine)
        kept.append(item)
    return kept
