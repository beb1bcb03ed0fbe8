"""Turn stored rows into the engine's plain terms (the only bridge from models/ to the math)."""

from __future__ import annotations

from collections.abc import Iterable

from models import InstallmentOption, PaymentCondition, Receivable
from negotiation.engine import Bill, ConditionTerms, OptionTerms


def bill_of(receivable: Receivable) -> Bill:
    return Bill(
        id=str(receivable.id),
        due_date=receivable.due_date,
        amount=receivable.amount,
        billing_method=receivable.billing_method,
        status=str(receivable.status),
    )


def option_terms(option: InstallmentOption) -> OptionTerms:
    return OptionTerms(
        installments=option.installments,
        days_between=option.days_between,
        interest_discount_pct=option.interest_discount_pct,
        debt_discount_pct=option.debt_discount_pct,
        min_down_payment_pct=option.min_down_payment_pct,
    )


def condition_terms(
    condition: PaymentCondition, options: Iterable[InstallmentOption]
) -> ConditionTerms:
    return ConditionTerms(
        active=condition.active,
        amount_min=condition.amount_min,
        amount_max=condition.amount_max,
        overdue_days_min=condition.overdue_days_min,
        overdue_days_max=condition.overdue_days_max,
        billing_method_filter=condition.billing_method_filter,
        fine_pct=condition.fine_pct,
        interest_pct=condition.interest_pct,
        days_to_first_due=condition.days_to_first_due,
        min_installment_amount=condition.min_installment_amount,
        options=tuple(option_terms(o) for o in options),
    )
