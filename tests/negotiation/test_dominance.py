"""Which offers are shown: none dominated by another, one of each set of identical terms,
the cheapest always. Properties over any list of offers, and the cases that made the rule."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from negotiation.dominance import Terms, undominated

money = st.decimals(min_value=D("0.00"), max_value=D("500.00"), places=2)
terms = st.builds(Terms, total=money, down_payment=money, installments=st.integers(1, 12))
# Few distinct values, so ties and identical offers are common.
tied = st.builds(
    Terms,
    total=st.sampled_from([D("100.00"), D("110.00"), D("120.00")]),
    down_payment=st.sampled_from([D("0"), D("30.00"), D("40.00")]),
    installments=st.sampled_from([1, 2, 3, 6]),
)
offers = st.lists(st.one_of(terms, tied), max_size=12)


def _shown(items: list[Terms]) -> list[Terms]:
    return undominated(items, lambda t: t)


@given(offers)
def test_no_shown_offer_is_dominated_by_another_shown(items: list[Terms]) -> None:
    kept = _shown(items)
    assert not any(a.dominates(b) for a in kept for b in kept)
    assert len(set(kept)) == len(kept)  # identical offers: one kept


@given(offers)
def test_every_dropped_offer_is_dominated_by_or_identical_to_a_shown_one(
    items: list[Terms],
) -> None:
    kept = _shown(items)
    for item in items:
        assert item in kept or any(k.dominates(item) for k in kept)


@given(offers)
def test_the_cheapest_total_is_always_kept(items: list[Terms]) -> None:
    kept = _shown(items)
    if items:
        assert min(t.total for t in kept) == min(t.total for t in items)


@given(offers)
def test_shown_offers_keep_the_given_order(items: list[Terms]) -> None:
    kept = _shown(items)
    positions = [items.index(k) for k in kept]
    assert positions == sorted(positions)


def test_a_plan_with_a_down_payment_costing_the_same_as_one_without_is_dominated() -> None:
    six = Terms(D("240.00"), D("0"), 6)
    six_with_down = Terms(D("240.00"), D("96.00"), 6)
    four_with_down = Terms(D("240.00"), D("72.00"), 4)
    assert _shown([six_with_down, four_with_down, six]) == [six]


def test_more_payments_for_the_same_total_dominate_fewer() -> None:
    two, three = Terms(D("230.00"), D("0"), 2), Terms(D("230.00"), D("0"), 3)
    assert three.dominates(two) and not two.dominates(three)
    assert _shown([two, three]) == [three]


def test_a_cheaper_plan_is_kept_even_with_fewer_payments_or_a_down_payment() -> None:
    cash = Terms(D("200.00"), D("0"), 1)
    with_down = Terms(D("210.00"), D("63.00"), 4)
    plain = Terms(D("230.00"), D("0"), 3)
    assert _shown([cash, with_down, plain]) == [cash, with_down, plain]


def test_identical_offers_keep_the_first() -> None:
    first, second = Terms(D("99.90"), D("0"), 3), Terms(D("99.90"), D("0"), 3)
    kept = undominated(["a", "b"], {"a": first, "b": second}.__getitem__)
    assert kept == ["a"]
    assert not first.dominates(second)
