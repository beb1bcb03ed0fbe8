"""The negotiation math of DESIGN.md §3, as pure functions over `Decimal`.

No I/O and no clock: the date of the negotiation (`as_of`) is always an argument, so the same
inputs give the same offers in every channel, in the calculator and in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from negotiation.money import CENT, ZERO, floor_cents, less_percent, percent_of, ratio, round_cents

OPEN = "open"


@dataclass(frozen=True)
class Bill:
    """One receivable as the engine sees it."""

    id: str
    due_date: date
    amount: Decimal
    billing_method: str | None = None
    status: str = OPEN


@dataclass(frozen=True)
class OptionTerms:
    """One installment option (a line of the payment condition)."""

    installments: int
    days_between: int
    interest_discount_pct: Decimal = ZERO
    debt_discount_pct: Decimal = ZERO
    min_down_payment_pct: Decimal = ZERO

    @property
    def has_down_payment(self) -> bool:
        return self.min_down_payment_pct > 0 and self.installments > 1


@dataclass(frozen=True)
class ConditionTerms:
    """A payment condition: eligibility bounds, fine and interest, and its options.

    A bound left as None is open on that side.
    """

    fine_pct: Decimal
    interest_pct: Decimal
    days_to_first_due: int
    options: tuple[OptionTerms, ...]
    active: bool = True
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    overdue_days_min: int | None = None
    overdue_days_max: int | None = None
    billing_method_filter: str | None = None
    min_installment_amount: Decimal | None = None


@dataclass(frozen=True)
class BillCharges:
    """Fine and interest of one included bill, each rounded half-up to the cent."""

    bill: Bill
    days_late: int
    fine: Decimal
    interest: Decimal


@dataclass(frozen=True)
class Payment:
    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Offer:
    option_index: int
    option: OptionTerms
    interest: Decimal
    total: Decimal
    down_payment: Decimal | None
    schedule: tuple[Payment, ...]

    @property
    def installments(self) -> int:
        return self.option.installments

    @property
    def smallest_payment(self) -> Decimal:
        return min(p.amount for p in self.schedule)


@dataclass(frozen=True)
class Negotiation:
    """Everything §3 derives for one condition: the breakdown, eligibility and the offers."""

    as_of: date
    charges: tuple[BillCharges, ...]
    principal: Decimal
    fine: Decimal
    interest: Decimal
    max_days_late: int | None
    eligible: bool
    reason: str | None
    offers: tuple[Offer, ...] = field(default=())

    @property
    def receivable_ids(self) -> list[str]:
        return [c.bill.id for c in self.charges]

    @property
    def late_charges(self) -> Decimal:
        """What lateness added to the principal: the fine and the interest up to `as_of`."""
        return self.fine + self.interest

    @property
    def gross(self) -> Decimal:
        """The debt before any discount: principal, fine and interest."""
        return self.principal + self.late_charges

    def discount_on(self, offer: Offer) -> Decimal:
        """What `offer` takes off the gross debt (never negative: a plan with a down payment
        and no discount costs what the debt does)."""
        return max(self.gross - offer.total, ZERO)


def days_late(bill: Bill, as_of: date) -> int:
    return days_past(bill.due_date, as_of)


def days_past(due_date: date, as_of: date) -> int:
    """Days from a due date to `as_of` (negative before it is due)."""
    return (as_of - due_date).days


def included_bills(
    bills: Sequence[Bill], as_of: date, billing_method_filter: str | None = None
) -> list[Bill]:
    """§3.1: open, at least one day late, and of the filtered billing method if there is one."""
    return [
        b
        for b in bills
        if b.status == OPEN
        and days_late(b, as_of) >= 1
        and (billing_method_filter is None or b.billing_method == billing_method_filter)
    ]


def charges_for(bill: Bill, condition: ConditionTerms, as_of: date) -> BillCharges:
    """§3.3: fine and simple monthly interest pro rata by day, each rounded on its own."""
    late = days_late(bill, as_of)
    fine = percent_of(bill.amount, condition.fine_pct)
    interest = round_cents(ratio(bill.amount, condition.interest_pct * late, 3000))
    return BillCharges(bill=bill, days_late=late, fine=fine, interest=interest)


def ineligibility_reason(
    condition: ConditionTerms, principal: Decimal, max_days_late: int | None
) -> str | None:
    """§3.2, bounds inclusive. None means eligible."""
    if not condition.active:
        return "condition is not active"
    if max_days_late is None:
        return "no open overdue receivable"
    if condition.amount_min is not None and principal < condition.amount_min:
        return f"debt {principal} is below the condition's minimum {condition.amount_min}"
    if condition.amount_max is not None and principal > condition.amount_max:
        return f"debt {principal} is above the condition's maximum {condition.amount_max}"
    if condition.overdue_days_min is not None and max_days_late < condition.overdue_days_min:
        return f"{max_days_late} days late is below the minimum {condition.overdue_days_min}"
    if condition.overdue_days_max is not None and max_days_late > condition.overdue_days_max:
        return f"{max_days_late} days late is above the maximum {condition.overdue_days_max}"
    return None


def option_total(
    principal: Decimal, fine: Decimal, interest: Decimal, option: OptionTerms
) -> tuple[Decimal, Decimal]:
    """§3.4: (interest after its discount, total after the debt discount), each step rounded."""
    interest_after = less_percent(interest, option.interest_discount_pct)
    total = less_percent(principal + fine + interest_after, option.debt_discount_pct)
    return interest_after, total


def minimum_down_payment(total: Decimal, option: OptionTerms) -> Decimal | None:
    """The option's minimum down payment, or None when the option has none."""
    if not option.has_down_payment:
        return None
    return percent_of(total, option.min_down_payment_pct)


def down_payment_for(
    total: Decimal, option: OptionTerms, requested: Decimal | None = None
) -> Decimal | None:
    """The minimum down payment, raised to the amount asked for, never more than the total."""
    minimum = minimum_down_payment(total, option)
    if minimum is None:
        return None
    if requested is not None and requested > minimum:
        return min(round_cents(requested), total)
    return minimum


def split_equally(amount: Decimal, parts: int) -> list[Decimal]:
    """Equal shares rounded down to the cent; the cents left over go to the first share."""
    share = floor_cents(amount / parts)
    first = amount - share * (parts - 1)
    return [first] + [share] * (parts - 1)


def due_dates(as_of: date, days_to_first_due: int, option: OptionTerms) -> list[date]:
    first = as_of + timedelta(days=days_to_first_due)
    return [first + timedelta(days=k * option.days_between) for k in range(option.installments)]


def schedule_for(
    total: Decimal, down_payment: Decimal | None, dates: Sequence[date]
) -> tuple[Payment, ...]:
    """§3.5: the down payment first (if any), then the rest split equally."""
    if down_payment is None:
        amounts = split_equally(total, len(dates))
    else:
        amounts = [down_payment, *split_equally(total - down_payment, len(dates) - 1)]
    return tuple(
        Payment(number=n, due_date=d, amount=a)
        for n, (d, a) in enumerate(zip(dates, amounts, strict=True), 1)
    )


def build_offer(
    index: int,
    option: OptionTerms,
    condition: ConditionTerms,
    as_of: date,
    principal: Decimal,
    fine: Decimal,
    interest: Decimal,
    requested_down_payment: Decimal | None = None,
) -> Offer:
    interest_after, total = option_total(principal, fine, interest, option)
    down = down_payment_for(total, option, requested_down_payment)
    schedule = schedule_for(total, down, due_dates(as_of, condition.days_to_first_due, option))
    return Offer(
        option_index=index,
        option=option,
        interest=interest_after,
        total=total,
        down_payment=down,
        schedule=schedule,
    )


def is_offered(offer: Offer, condition: ConditionTerms) -> bool:
    """§3.6: no payment may fall below the condition's minimum installment amount."""
    minimum = condition.min_installment_amount
    return minimum is None or offer.smallest_payment >= minimum


def negotiate(
    bills: Sequence[Bill],
    condition: ConditionTerms,
    as_of: date,
    requested_down_payment: Decimal | None = None,
) -> Negotiation:
    """The whole of §3 for one condition: included bills, breakdown, eligibility, offers."""
    included = included_bills(bills, as_of, condition.billing_method_filter)
    charges = tuple(charges_for(b, condition, as_of) for b in included)
    principal = sum((b.amount for b in included), ZERO)
    fine = sum((c.fine for c in charges), ZERO)
    interest = sum((c.interest for c in charges), ZERO)
    max_late = max((c.days_late for c in charges), default=None)
    reason = ineligibility_reason(condition, principal, max_late)
    offers: tuple[Offer, ...] = ()
    if reason is None:
        built = (
            build_offer(
                i, option, condition, as_of, principal, fine, interest, requested_down_payment
            )
            for i, option in enumerate(condition.options)
        )
        offers = tuple(o for o in built if is_offered(o, condition))
    return Negotiation(
        as_of=as_of,
        charges=charges,
        principal=principal,
        fine=fine,
        interest=interest,
        max_days_late=max_late,
        eligible=reason is None,
        reason=reason,
        offers=offers,
    )


def is_payable(offer: Offer) -> bool:
    """No payment of R$ 0,00. §3 allows one in corner cases (a tiny total split in many parts,
    a minimum down payment that rounds to zero, a down payment of the whole total); the
    calculator shows them as §3 says, but no channel offers or accepts such a schedule."""
    return offer.smallest_payment > 0


def largest_down_payment(offer: Offer) -> Decimal | None:
    """The most a debtor may put down and still leave at least one cent per later payment.

    §3.5 only caps the down payment at the total; the channels use this tighter cap so an
    agreement never carries an installment of R$ 0,00.
    """
    if offer.down_payment is None:
        return None
    return offer.total - CENT * (offer.installments - 1)
