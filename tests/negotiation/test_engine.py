"""DESIGN.md §3, rule by rule, with hand-computed cases (the arithmetic is next to each value)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from negotiation.engine import (
    Bill,
    ConditionTerms,
    OptionTerms,
    build_offer,
    charges_for,
    days_late,
    down_payment_for,
    due_dates,
    included_bills,
    is_payable,
    largest_down_payment,
    minimum_down_payment,
    negotiate,
    option_total,
    schedule_for,
    split_equally,
)
from negotiation.money import less_percent, percent_of, round_cents

AS_OF = date(2026, 3, 10)
ONE_SHOT = OptionTerms(installments=1, days_between=0)


def bill(
    bill_id: str,
    late: int,
    amount: str,
    *,
    method: str | None = "boleto",
    status: str = "open",
    as_of: date = AS_OF,
) -> Bill:
    """A bill `late` days late on `as_of` (negative: due in the future)."""
    return Bill(
        id=bill_id,
        due_date=as_of - timedelta(days=late),
        amount=D(amount),
        billing_method=method,
        status=status,
    )


def condition(
    options: tuple[OptionTerms, ...] = (ONE_SHOT,),
    *,
    fine_pct: str = "0",
    interest_pct: str = "0",
    days_to_first_due: int = 0,
    **kwargs,
) -> ConditionTerms:
    return ConditionTerms(
        fine_pct=D(fine_pct),
        interest_pct=D(interest_pct),
        days_to_first_due=days_to_first_due,
        options=options,
        **kwargs,
    )


def amounts(schedule) -> list[D]:
    return [p.amount for p in schedule]


# --------------------------------------------------------------------------------------------
# §3.1 included receivables


def test_days_late_counts_calendar_days_from_due_date() -> None:
    # 2026-03-10 - 2026-02-28 = 10 days (2026 is not a leap year: Feb has 28 days)
    assert days_late(Bill("a", date(2026, 2, 28), D("1.00")), AS_OF) == 10
    # due today: 0 days late; due tomorrow: -1
    assert days_late(Bill("b", AS_OF, D("1.00")), AS_OF) == 0
    assert days_late(Bill("c", date(2026, 3, 11), D("1.00")), AS_OF) == -1


def test_only_open_bills_at_least_one_day_late_are_included() -> None:
    bills = [
        bill("late1", 1, "10.00"),  # open, 1 day late: included
        bill("today", 0, "20.00"),  # due today: 0 days late, NOT included
        bill("future", -5, "30.00"),  # not due yet
        bill("paid", 40, "40.00", status="paid"),
        bill("negotiated", 40, "50.00", status="negotiated"),
        bill("cancelled", 40, "60.00", status="cancelled"),
        bill("late30", 30, "70.00"),  # open, 30 days late: included
    ]
    assert [b.id for b in included_bills(bills, AS_OF)] == ["late1", "late30"]

    result = negotiate(bills, condition(), AS_OF)
    assert result.receivable_ids == ["late1", "late30"]
    assert result.principal == D("80.00")  # 10.00 + 70.00 (the excluded 20+30+40+50+60 ignored)
    assert result.max_days_late == 30  # max(1, 30); the 40-day paid bills do not count
    assert [c.days_late for c in result.charges] == [1, 30]


def test_bill_due_today_alone_is_not_eligible() -> None:
    result = negotiate([bill("today", 0, "20.00")], condition(), AS_OF)
    assert result.receivable_ids == []
    assert result.eligible is False
    assert result.offers == ()


def test_billing_method_filter_keeps_only_that_method() -> None:
    bills = [
        bill("b1", 10, "10.00", method="boleto"),
        bill("p1", 10, "20.00", method="pix"),
        bill("n1", 10, "40.00", method=None),
        bill("p2", 5, "80.00", method="pix"),
    ]
    assert [b.id for b in included_bills(bills, AS_OF, "pix")] == ["p1", "p2"]
    assert [b.id for b in included_bills(bills, AS_OF)] == ["b1", "p1", "n1", "p2"]

    result = negotiate(bills, condition(billing_method_filter="pix"), AS_OF)
    assert result.receivable_ids == ["p1", "p2"]
    assert result.principal == D("100.00")  # 20.00 + 80.00
    assert result.max_days_late == 10

    unfiltered = negotiate(bills, condition(), AS_OF)
    assert unfiltered.principal == D("150.00")  # 10 + 20 + 40 + 80


def test_billing_method_filter_that_matches_nothing_is_not_eligible() -> None:
    result = negotiate([bill("b1", 10, "10.00")], condition(billing_method_filter="card"), AS_OF)
    assert result.eligible is False
    assert result.receivable_ids == []
    assert result.offers == ()


# --------------------------------------------------------------------------------------------
# §3.2 eligibility, bounds inclusive

# principal = 60.00 + 40.00 = 100.00 ; largest days_late = max(4, 10) = 10
BOUNDS_BILLS = [bill("a", 4, "60.00"), bill("b", 10, "40.00")]


@pytest.mark.parametrize(
    ("bounds", "eligible"),
    [
        ({}, True),
        ({"amount_min": D("100.00")}, True),  # 100.00 >= 100.00: at the bound
        ({"amount_min": D("100.01")}, False),  # one cent above the principal
        ({"amount_max": D("100.00")}, True),  # 100.00 <= 100.00
        ({"amount_max": D("99.99")}, False),  # one cent below the principal
        ({"amount_min": D("100.00"), "amount_max": D("100.00")}, True),
        ({"overdue_days_min": 10}, True),  # largest days_late 10 >= 10
        ({"overdue_days_min": 11}, False),  # one day beyond
        ({"overdue_days_max": 10}, True),  # 10 <= 10
        ({"overdue_days_max": 9}, False),  # one day beyond
        ({"overdue_days_min": 10, "overdue_days_max": 10}, True),
        # the LARGEST days_late is checked, not the smallest (4): min 5 is still met
        ({"overdue_days_min": 5}, True),
        ({"active": False}, False),
    ],
)
def test_eligibility_bounds_are_inclusive(bounds: dict, eligible: bool) -> None:
    result = negotiate(BOUNDS_BILLS, condition(**bounds), AS_OF)
    assert result.principal == D("100.00")
    assert result.max_days_late == 10
    assert result.eligible is eligible
    if eligible:
        assert result.reason is None
        assert len(result.offers) == 1
    else:
        assert result.reason
        assert result.offers == ()


def test_amount_bounds_use_only_included_bills() -> None:
    # included: 60.00 (paid 500.00 and due-today 500.00 are not part of the principal)
    bills = [
        bill("a", 4, "60.00"),
        bill("paid", 4, "500.00", status="paid"),
        bill("today", 0, "500.00"),
    ]
    result = negotiate(bills, condition(amount_max=D("60.00")), AS_OF)
    assert result.principal == D("60.00")
    assert result.eligible is True


def test_nothing_included_is_not_eligible_even_without_bounds() -> None:
    result = negotiate([], condition(), AS_OF)
    assert result.eligible is False
    assert result.principal == D("0.00")
    assert result.fine == D("0.00")
    assert result.interest == D("0.00")
    assert result.max_days_late is None
    assert result.offers == ()


def test_inactive_condition_gives_no_offers() -> None:
    result = negotiate([bill("a", 30, "100.00")], condition(active=False), AS_OF)
    assert result.eligible is False
    assert result.offers == ()
    # the breakdown is still computed: 100.00 principal
    assert result.principal == D("100.00")


# --------------------------------------------------------------------------------------------
# §3.3 fine and interest, per receivable, rounded half-up BEFORE summing


def test_half_up_rounding_at_half_a_cent() -> None:
    assert round_cents(D("0.005")) == D("0.01")  # half-even would give 0.00
    assert round_cents(D("0.025")) == D("0.03")  # half-even would give 0.02
    assert round_cents(D("0.0049999")) == D("0.00")
    assert round_cents(D("2.5974")) == D("2.60")
    # 2% of 1.25 = 0.025 -> 0.03 (half-up, not 0.02)
    assert percent_of(D("1.25"), D("2")) == D("0.03")
    # 1.25 * (100 - 98) / 100 = 0.025 -> 0.03
    assert less_percent(D("1.25"), D("98")) == D("0.03")


def test_fine_is_rounded_per_bill_before_summing() -> None:
    # fine 2%: each bill 0.25 * 2 / 100 = 0.005 -> 0.01 ; sum = 0.01 + 0.01 = 0.02
    # (rounding the sum instead: 0.50 * 2 / 100 = 0.01 -> 0.01, which would be wrong)
    bills = [bill("a", 5, "0.25"), bill("b", 5, "0.25")]
    result = negotiate(bills, condition(fine_pct="2"), AS_OF)
    assert [c.fine for c in result.charges] == [D("0.01"), D("0.01")]
    assert result.fine == D("0.02")


def test_interest_is_rounded_per_bill_before_summing() -> None:
    # interest 1%/month, 15 days late: each 1.00 * 1/100 * 15/30 = 0.005 -> 0.01 ; sum 0.02
    # (rounding the sum instead: 2.00 * 1/100 * 15/30 = 0.01)
    bills = [bill("a", 15, "1.00"), bill("b", 15, "1.00")]
    result = negotiate(bills, condition(interest_pct="1"), AS_OF)
    assert [c.interest for c in result.charges] == [D("0.01"), D("0.01")]
    assert result.interest == D("0.02")


@pytest.mark.parametrize(
    ("amount", "pct", "late", "expected"),
    [
        ("1000.00", "1", 30, "10.00"),  # 1000 * 1/100 * 30/30 = 10.00
        ("1000.00", "1", 45, "15.00"),  # 1000 * 1/100 * 45/30 = 15.00
        ("1000.00", "1", 31, "10.33"),  # 1000 * 1/100 * 31/30 = 10.3333.. -> 10.33
        ("1000.00", "1", 1, "0.33"),  # 1000 * 1/100 * 1/30 = 0.3333.. -> 0.33
        ("100.00", "1", 20, "0.67"),  # 100 * 1/100 * 20/30 = 0.6666.. -> 0.67
        ("99.90", "1", 78, "2.60"),  # 99.90 * 0.01 * 2.6 = 2.5974 -> 2.60
        ("10.00", "0.5", 30, "0.05"),  # 10 * 0.5/100 * 1 = 0.05
        ("3.00", "1", 5, "0.01"),  # 3 * 1/100 * 5/30 = 0.005 -> 0.01 (half-up)
        ("250.00", "2.5", 90, "18.75"),  # 250 * 0.025 * 3 = 18.75
        ("100.00", "0", 300, "0.00"),
    ],
)
def test_interest_is_simple_monthly_pro_rata_by_day(
    amount: str, pct: str, late: int, expected: str
) -> None:
    c = charges_for(bill("x", late, amount), condition(interest_pct=pct), AS_OF)
    assert c.days_late == late
    assert c.interest == D(expected)


@pytest.mark.parametrize(
    ("amount", "pct", "expected"),
    [
        ("99.90", "2", "2.00"),  # 99.90 * 2/100 = 1.998 -> 2.00
        ("1.25", "2", "0.03"),  # 0.025 -> 0.03
        ("0.25", "2", "0.01"),  # 0.005 -> 0.01
        ("0.24", "2", "0.00"),  # 0.0048 -> 0.00
        ("123.45", "10", "12.35"),  # 12.345 -> 12.35
        ("100.00", "0", "0.00"),
    ],
)
def test_fine_is_a_flat_percentage_rounded_half_up(amount: str, pct: str, expected: str) -> None:
    c = charges_for(bill("x", 100, amount), condition(fine_pct=pct), AS_OF)
    assert c.fine == D(expected)


def test_fine_does_not_depend_on_days_late() -> None:
    # 2% of 50.00 = 1.00 whether 1 or 300 days late
    cond = condition(fine_pct="2")
    assert charges_for(bill("x", 1, "50.00"), cond, AS_OF).fine == D("1.00")
    assert charges_for(bill("x", 300, "50.00"), cond, AS_OF).fine == D("1.00")


def test_breakdown_sums_the_per_bill_values() -> None:
    # fine 2%, interest 1%/month
    # a: 150.00, 45 days: fine 3.00 ; interest 150 * 0.01 * 1.5 = 2.25
    # b: 80.50, 20 days: fine 1.61 ; interest 80.50 * 0.01 * 20/30 = 0.53666.. -> 0.54
    bills = [bill("a", 45, "150.00"), bill("b", 20, "80.50")]
    result = negotiate(bills, condition(fine_pct="2", interest_pct="1"), AS_OF)
    assert result.principal == D("230.50")  # 150.00 + 80.50
    assert result.fine == D("4.61")  # 3.00 + 1.61
    assert result.interest == D("2.79")  # 2.25 + 0.54
    assert result.max_days_late == 45


# --------------------------------------------------------------------------------------------
# §3.4 interest discount, then debt discount, each rounded


def test_interest_discount_then_debt_discount_each_rounded() -> None:
    # interest_after = 0.05 * (1 - 50/100) = 0.025 -> 0.03
    # total = (10.00 + 0.00 + 0.03) * (1 - 10/100) = 10.03 * 0.9 = 9.027 -> 9.03
    # (without rounding interest_after first: 10.025 * 0.9 = 9.0225 -> 9.02)
    opt = OptionTerms(
        installments=1, days_between=0, interest_discount_pct=D("50"), debt_discount_pct=D("10")
    )
    assert option_total(D("10.00"), D("0.00"), D("0.05"), opt) == (D("0.03"), D("9.03"))


def test_discounts_through_negotiate() -> None:
    # one bill 10.00, 30 days late, interest 0.5%/month: 10 * 0.005 * 30/30 = 0.05
    opt = OptionTerms(
        installments=1, days_between=0, interest_discount_pct=D("50"), debt_discount_pct=D("10")
    )
    result = negotiate([bill("a", 30, "10.00")], condition((opt,), interest_pct="0.5"), AS_OF)
    assert result.interest == D("0.05")
    (offer,) = result.offers
    assert offer.interest == D("0.03")  # 0.025 -> 0.03
    assert offer.total == D("9.03")  # 10.03 * 0.9 = 9.027 -> 9.03
    assert amounts(offer.schedule) == [D("9.03")]


@pytest.mark.parametrize(
    ("interest_disc", "debt_disc", "interest_after", "total"),
    [
        # principal 99.90, fine 2.00, interest 2.60 (the issue's example)
        ("100", "10", "0.00", "91.71"),  # (99.90 + 2.00 + 0) * 0.9 = 91.71
        ("50", "0", "1.30", "103.20"),  # 2.60 * 0.5 = 1.30 ; 99.90 + 2.00 + 1.30
        ("0", "0", "2.60", "104.50"),  # 99.90 + 2.00 + 2.60
        ("0", "100", "2.60", "0.00"),  # everything forgiven
        # 2.60 * (100 - 33.33) / 100 = 2.60 * 0.6667 = 1.73342 -> 1.73
        # (99.90 + 2.00 + 1.73) * (100 - 3.5) / 100 = 103.63 * 0.965 = 100.00295 -> 100.00
        ("33.33", "3.5", "1.73", "100.00"),
    ],
)
def test_option_total_examples(
    interest_disc: str, debt_disc: str, interest_after: str, total: str
) -> None:
    opt = OptionTerms(
        installments=1,
        days_between=0,
        interest_discount_pct=D(interest_disc),
        debt_discount_pct=D(debt_disc),
    )
    assert option_total(D("99.90"), D("2.00"), D("2.60"), opt) == (D(interest_after), D(total))


# --------------------------------------------------------------------------------------------
# §3.5 schedule: split with leftover cents on the first share


@pytest.mark.parametrize(
    ("amount", "parts", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),  # 33.333.. -> 33.33 ; 100 - 2*33.33 = 33.34
        ("10.00", 4, ["2.50", "2.50", "2.50", "2.50"]),  # exact
        ("1.00", 7, ["0.16"] + ["0.14"] * 6),  # 0.1428.. -> 0.14 ; 1.00 - 6*0.14 = 0.16
        ("0.05", 3, ["0.03", "0.01", "0.01"]),  # 0.0166.. -> 0.01 ; 0.05 - 0.02 = 0.03
        ("103.20", 3, ["34.40", "34.40", "34.40"]),
        ("73.15", 3, ["24.39", "24.38", "24.38"]),  # 24.3833 -> 24.38 ; 73.15 - 48.76 = 24.39
        ("99.99", 1, ["99.99"]),
        ("0.02", 3, ["0.02", "0.00", "0.00"]),  # 0.0066 -> 0.00 ; all 2 cents on the first
    ],
)
def test_split_equally_leftover_on_first_share(amount: str, parts: int, expected: list) -> None:
    shares = split_equally(D(amount), parts)
    assert shares == [D(x) for x in expected]
    assert sum(shares) == D(amount)
    assert all(s.as_tuple().exponent == -2 for s in shares)


def test_schedule_without_down_payment_splits_total_over_all_payments() -> None:
    # 100.00 in 3: 33.34, 33.33, 33.33
    opt = OptionTerms(installments=3, days_between=30)
    offer = build_offer(0, opt, condition((opt,)), AS_OF, D("100.00"), D("0.00"), D("0.00"))
    assert offer.down_payment is None
    assert amounts(offer.schedule) == [D("33.34"), D("33.33"), D("33.33")]
    assert [p.number for p in offer.schedule] == [1, 2, 3]


# --------------------------------------------------------------------------------------------
# §3.5 down payment

DOWN_10 = OptionTerms(installments=4, days_between=30, min_down_payment_pct=D("10"))
# every down-payment case below: total 100.05 (principal 100.05, no fine, no interest)
TOTAL = D("100.05")


def offer_with_down(requested: D | None, option: OptionTerms = DOWN_10):
    return build_offer(
        0, option, condition((option,)), AS_OF, TOTAL, D("0.00"), D("0.00"), requested
    )


def test_minimum_down_payment_rounded_half_up_and_rest_split_leftover_on_payment_2() -> None:
    # down = 100.05 * 10 / 100 = 10.005 -> 10.01 (half-up)
    # rest = 100.05 - 10.01 = 90.04 over 3: 30.0133 -> 30.01 ; 90.04 - 60.02 = 30.02 on payment 2
    assert minimum_down_payment(TOTAL, DOWN_10) == D("10.01")
    offer = offer_with_down(None)
    assert offer.down_payment == D("10.01")
    assert amounts(offer.schedule) == [D("10.01"), D("30.02"), D("30.01"), D("30.01")]
    assert sum(amounts(offer.schedule)) == TOTAL


def test_issue_example_down_payment() -> None:
    # total 104.50, 30%: 31.35 ; rest 73.15 over 3: 24.39, 24.38, 24.38
    opt = OptionTerms(installments=4, days_between=20, min_down_payment_pct=D("30"))
    offer = build_offer(0, opt, condition((opt,)), AS_OF, D("99.90"), D("2.00"), D("2.60"))
    assert offer.total == D("104.50")
    assert offer.down_payment == D("31.35")
    assert amounts(offer.schedule) == [D("31.35"), D("24.39"), D("24.38"), D("24.38")]


def test_larger_requested_down_payment_is_used() -> None:
    # down 50.00 ; rest 50.05 over 3: 16.6833 -> 16.68 ; 50.05 - 33.36 = 16.69 on payment 2
    offer = offer_with_down(D("50.00"))
    assert offer.down_payment == D("50.00")
    assert amounts(offer.schedule) == [D("50.00"), D("16.69"), D("16.68"), D("16.68")]


def test_requested_down_payment_below_minimum_is_ignored() -> None:
    # 5.00 < minimum 10.01: the minimum is used
    offer = offer_with_down(D("5.00"))
    assert offer.down_payment == D("10.01")
    assert amounts(offer.schedule) == [D("10.01"), D("30.02"), D("30.01"), D("30.01")]
    assert down_payment_for(TOTAL, DOWN_10, D("0.00")) == D("10.01")


def test_requested_down_payment_equal_to_minimum() -> None:
    assert down_payment_for(TOTAL, DOWN_10, D("10.01")) == D("10.01")
    # one cent more is used: 10.02 ; rest 90.03 / 3 = 30.01 each
    offer = offer_with_down(D("10.02"))
    assert amounts(offer.schedule) == [D("10.02"), D("30.01"), D("30.01"), D("30.01")]


def test_requested_down_payment_above_total_is_capped_at_total() -> None:
    assert down_payment_for(TOTAL, DOWN_10, D("200.00")) == TOTAL
    offer = offer_with_down(D("200.00"))
    assert offer.down_payment == D("100.05")
    # the rest (100.05 - 100.05 = 0.00) is split over the other payments
    assert amounts(offer.schedule) == [D("100.05"), D("0.00"), D("0.00"), D("0.00")]
    assert sum(amounts(offer.schedule)) == TOTAL


def test_single_installment_option_has_no_down_payment_even_with_minimum_pct() -> None:
    opt = OptionTerms(installments=1, days_between=0, min_down_payment_pct=D("30"))
    assert opt.has_down_payment is False
    assert minimum_down_payment(TOTAL, opt) is None
    offer = offer_with_down(D("50.00"), opt)  # the request is ignored as well
    assert offer.down_payment is None
    assert amounts(offer.schedule) == [TOTAL]


def test_option_without_minimum_pct_ignores_requested_down_payment() -> None:
    # 100.05 in 3: 33.35 each ; the requested 50.00 does not apply
    opt = OptionTerms(installments=3, days_between=30)
    offer = offer_with_down(D("50.00"), opt)
    assert offer.down_payment is None
    assert amounts(offer.schedule) == [D("33.35"), D("33.35"), D("33.35")]


def test_requested_down_payment_through_negotiate_applies_only_to_options_with_minimum() -> None:
    # principal 100.05 ; option 0: 1x ; option 1: 3x without down ; option 2: 4x min 10%
    opts = (ONE_SHOT, OptionTerms(installments=3, days_between=30), DOWN_10)
    result = negotiate([bill("a", 10, "100.05")], condition(opts), AS_OF, D("40.05"))
    assert [o.down_payment for o in result.offers] == [None, None, D("40.05")]
    # 100.05 - 40.05 = 60.00 over 3: 20.00 each
    assert amounts(result.offers[2].schedule) == [D("40.05"), D("20.00"), D("20.00"), D("20.00")]
    assert amounts(result.offers[1].schedule) == [D("33.35")] * 3


# --------------------------------------------------------------------------------------------
# §3.5 due dates


def test_due_dates_first_then_every_days_between() -> None:
    # 2026-01-30 + 3 = 2026-02-02 ; + 30 = 2026-03-04 (Feb 2026 has 28 days) ; + 30 = 2026-04-03
    opt = OptionTerms(installments=3, days_between=30)
    assert due_dates(date(2026, 1, 30), 3, opt) == [
        date(2026, 2, 2),
        date(2026, 3, 4),
        date(2026, 4, 3),
    ]


def test_due_dates_of_the_issue_example() -> None:
    # as_of 2026-11-27 + 3 = 2026-11-30 ; + 20 = 2026-12-20 ; + 20 = 2027-01-09 ; + 20 = 01-29
    opt = OptionTerms(installments=4, days_between=20)
    assert due_dates(date(2026, 11, 27), 3, opt) == [
        date(2026, 11, 30),
        date(2026, 12, 20),
        date(2027, 1, 9),
        date(2027, 1, 29),
    ]


def test_due_dates_with_zero_days() -> None:
    # days_to_first_due 0: payment 1 is due on as_of ; days_between 0: all on the same day
    opt = OptionTerms(installments=3, days_between=0)
    assert due_dates(AS_OF, 0, opt) == [AS_OF, AS_OF, AS_OF]


def test_schedule_carries_dates_and_numbers() -> None:
    # down payment 10% of 100.00 = 10.00 ; 90.00 / 2 = 45.00 each
    opt = OptionTerms(installments=3, days_between=15, min_down_payment_pct=D("10"))
    result = negotiate([bill("a", 10, "100.00")], condition((opt,), days_to_first_due=5), AS_OF)
    (offer,) = result.offers
    # 2026-03-10 + 5 = 03-15 ; + 15 = 03-30 ; + 15 = 04-14
    assert [(p.number, p.due_date, p.amount) for p in offer.schedule] == [
        (1, date(2026, 3, 15), D("10.00")),
        (2, date(2026, 3, 30), D("45.00")),
        (3, date(2026, 4, 14), D("45.00")),
    ]


def test_schedule_for_directly() -> None:
    dates = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    # no down: 10.00 / 3 = 3.33 ; 10.00 - 6.66 = 3.34 first
    assert amounts(schedule_for(D("10.00"), None, dates)) == [D("3.34"), D("3.33"), D("3.33")]
    # down 1.00: 9.00 / 2 = 4.50 each
    assert amounts(schedule_for(D("10.00"), D("1.00"), dates)) == [
        D("1.00"),
        D("4.50"),
        D("4.50"),
    ]


# --------------------------------------------------------------------------------------------
# §3.6 min_installment_amount


def test_min_installment_amount_leaves_out_options_below_it() -> None:
    # principal = total = 100.00 everywhere (no fine, no interest, no discount)
    opts = (
        ONE_SHOT,  # 0: [100.00] -> kept
        OptionTerms(installments=4, days_between=30),  # 1: [25.00]*4 -> exactly the minimum: kept
        OptionTerms(installments=5, days_between=30),  # 2: [20.00]*5 -> below: left out
        # 3: down 10% = 10.00, then 45.00, 45.00 -> down payment 10.00 below 25.00: left out
        OptionTerms(installments=3, days_between=30, min_down_payment_pct=D("10")),
        # 4: down 25% = 25.00, then 75.00 -> kept (down payment exactly at the minimum)
        OptionTerms(installments=2, days_between=30, min_down_payment_pct=D("25")),
        # 5: 100.00 in 3 = 33.34, 33.33, 33.33 -> smallest 33.33 >= 25.00: kept
        OptionTerms(installments=3, days_between=30),
    )
    cond = condition(opts, min_installment_amount=D("25.00"))
    result = negotiate([bill("a", 10, "100.00")], cond, AS_OF)
    assert result.eligible is True
    assert [o.option_index for o in result.offers] == [0, 1, 4, 5]
    assert amounts(result.offers[1].schedule) == [D("25.00")] * 4
    assert amounts(result.offers[2].schedule) == [D("25.00"), D("75.00")]


def test_min_installment_amount_compares_the_smallest_share_not_the_first() -> None:
    # 100.00 in 3 = 33.34, 33.33, 33.33: smallest 33.33 < 33.34 -> left out ; 33.33 -> kept
    opt = OptionTerms(installments=3, days_between=30)
    bills = [bill("a", 10, "100.00")]
    assert (
        negotiate(bills, condition((opt,), min_installment_amount=D("33.34")), AS_OF).offers == ()
    )
    kept = negotiate(bills, condition((opt,), min_installment_amount=D("33.33")), AS_OF).offers
    assert len(kept) == 1


def test_without_min_installment_amount_every_option_is_offered() -> None:
    opts = tuple(OptionTerms(installments=n, days_between=30) for n in (1, 10, 60))
    result = negotiate([bill("a", 10, "1.00")], condition(opts), AS_OF)
    assert [o.option_index for o in result.offers] == [0, 1, 2]


def test_all_options_left_out_gives_eligible_with_no_offers() -> None:
    opt = OptionTerms(installments=2, days_between=30)  # 5.00 / 2 = 2.50 < 3.00
    cond = condition((opt,), min_installment_amount=D("3.00"))
    result = negotiate([bill("a", 10, "5.00")], cond, AS_OF)
    assert result.eligible is True
    assert result.offers == ()


# --------------------------------------------------------------------------------------------
# largest_down_payment


def test_largest_down_payment_leaves_one_cent_per_later_payment() -> None:
    # 100.05 - 0.01 * (4 - 1) = 100.02
    offer = offer_with_down(None)
    assert largest_down_payment(offer) == D("100.02")
    # asking for it gives 100.02, 0.01, 0.01, 0.01
    largest = offer_with_down(D("100.02"))
    assert amounts(largest.schedule) == [D("100.02"), D("0.01"), D("0.01"), D("0.01")]


def test_largest_down_payment_is_none_without_down_payment() -> None:
    opt = OptionTerms(installments=3, days_between=30)
    assert largest_down_payment(offer_with_down(None, opt)) is None
    one = OptionTerms(installments=1, days_between=0, min_down_payment_pct=D("50"))
    assert largest_down_payment(offer_with_down(None, one)) is None


def test_largest_down_payment_two_installments() -> None:
    # 100.05 - 0.01 * 1 = 100.04
    opt = OptionTerms(installments=2, days_between=30, min_down_payment_pct=D("1"))
    assert largest_down_payment(offer_with_down(None, opt)) == D("100.04")


# --------------------------------------------------------------------------------------------
# the issue's worked example end to end through the engine


def test_issue_example_through_the_engine() -> None:
    as_of = date(2026, 11, 27)
    # 2026-09-10 -> 2026-11-27: 20 (rest of Sep) + 31 (Oct) + 27 (Nov) = 78 days late
    bills = [Bill("r1", date(2026, 9, 10), D("99.90"), "boleto")]
    opts = (
        OptionTerms(1, 0, interest_discount_pct=D("100"), debt_discount_pct=D("10")),
        OptionTerms(3, 30, interest_discount_pct=D("50")),
        OptionTerms(4, 20, min_down_payment_pct=D("30")),
    )
    cond = condition(
        opts,
        fine_pct="2",
        interest_pct="1",
        days_to_first_due=3,
        amount_min=D("0.00"),
        amount_max=D("99999.99"),
        overdue_days_min=1,
        overdue_days_max=9999,
    )
    result = negotiate(bills, cond, as_of)
    assert result.eligible is True
    assert result.max_days_late == 78
    assert result.fine == D("2.00")  # 99.90 * 2% = 1.998 -> 2.00
    assert result.interest == D("2.60")  # 99.90 * 1% * 78/30 = 2.5974 -> 2.60
    totals = [(o.interest, o.total, o.down_payment) for o in result.offers]
    assert totals == [
        (D("0.00"), D("91.71"), None),  # (99.90 + 2.00) * 0.9 = 91.71
        (D("1.30"), D("103.20"), None),  # 99.90 + 2.00 + 1.30
        (D("2.60"), D("104.50"), D("31.35")),  # 104.50 * 30% = 31.35
    ]
    assert amounts(result.offers[1].schedule) == [D("34.40")] * 3
    assert [p.due_date for p in result.offers[1].schedule] == [
        date(2026, 11, 30),
        date(2026, 12, 30),
        date(2027, 1, 29),
    ]


# --------------------------------------------------------------------------------------------
# is_payable: §3 allows a R$ 0,00 payment in corner cases; channels must not offer those


def test_is_payable_false_for_the_zero_payment_corner_cases() -> None:
    # 0.02 in 3: 0.02, 0.00, 0.00 (a tiny total split in many parts)
    tiny = OptionTerms(installments=3, days_between=30)
    offer = build_offer(0, tiny, condition((tiny,)), AS_OF, D("0.02"), D("0"), D("0"))
    assert amounts(offer.schedule) == [D("0.02"), D("0.00"), D("0.00")]
    assert is_payable(offer) is False

    # minimum down payment rounds to zero: 0.02 * 0.01 / 100 = 0.000002 -> 0.00 ; then 0.02
    small = OptionTerms(installments=2, days_between=30, min_down_payment_pct=D("0.01"))
    offer = build_offer(0, small, condition((small,)), AS_OF, D("0.02"), D("0"), D("0"))
    assert amounts(offer.schedule) == [D("0.00"), D("0.02")]
    assert is_payable(offer) is False

    # a 100 % minimum down payment is the whole total: 100.05, then 0.00 and 0.00
    whole = OptionTerms(installments=3, days_between=30, min_down_payment_pct=D("100"))
    offer = offer_with_down(None, whole)
    assert amounts(offer.schedule) == [D("100.05"), D("0.00"), D("0.00")]
    assert is_payable(offer) is False
    # ... where largest_down_payment (100.05 - 0.02 = 100.03) is below the minimum
    assert largest_down_payment(offer) == D("100.03")

    # a requested down payment of the whole total
    assert is_payable(offer_with_down(D("100.05"))) is False


def test_is_payable_true_when_every_payment_has_a_cent() -> None:
    assert is_payable(offer_with_down(None)) is True  # 10.01, 30.02, 30.01, 30.01
    assert is_payable(offer_with_down(D("100.02"))) is True  # 100.02, 0.01, 0.01, 0.01
