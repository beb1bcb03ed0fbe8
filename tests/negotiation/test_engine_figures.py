"""The derived figures of a negotiation: the gross debt and each offer's discount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from negotiation.engine import Bill, ConditionTerms, OptionTerms, negotiate

AS_OF = date(2026, 3, 10)


def _negotiation(debt_discount: str = "0"):
    condition = ConditionTerms(
        fine_pct=D("2"),
        interest_pct=D("1"),
        days_to_first_due=5,
        options=(
            OptionTerms(installments=1, days_between=0, debt_discount_pct=D(debt_discount)),
            OptionTerms(installments=3, days_between=30),
        ),
    )
    bills = [Bill("a", date(2026, 1, 9), D("100.00"))]  # 60 days late
    return negotiate(bills, condition, AS_OF)


def test_gross_is_principal_fine_and_interest() -> None:
    result = _negotiation()
    assert result.gross == result.principal + result.fine + result.interest
    assert result.gross == D("104.00")  # 100 + 2% fine + 1%/month for 2 months


def test_late_charges_are_fine_and_interest() -> None:
    result = _negotiation()
    assert result.late_charges == result.fine + result.interest == D("4.00")
    assert result.principal + result.late_charges == result.gross


def test_discount_is_what_an_offer_takes_off_the_gross_debt() -> None:
    result = _negotiation(debt_discount="10")
    one_shot, three = result.offers
    assert result.discount_on(one_shot) == result.gross - one_shot.total > 0
    assert result.discount_on(three) == D("0")  # never negative
