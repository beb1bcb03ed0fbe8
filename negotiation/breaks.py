"""The agreement's life after a missed installment: the condition's break policy, as data.

Per condition: `tolerance_days` after a due date, then `break_action` (cancel the agreement,
or move the missed installment to the end), and `misses_to_cancel` consecutive misses cancel
it anyway. `quita agreements check` and the service's daily job call `check_agreements`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models import Agreement, AgreementReceivable, Receivable, clock
from models.enums import AgreementStatus, BreakAction, ReceivableStatus
from negotiation import audit, events
from negotiation.instruments import cancel_instruments
from negotiation.money import ZERO

DEFAULT_SPACING = 30  # days, when a single-payment agreement's missed installment moves


@dataclass
class CheckReport:
    moved: list[int] = field(default_factory=list)  # installment receivable ids
    broken: list[int] = field(default_factory=list)  # agreement ids


async def check_agreements(today: date) -> CheckReport:
    """Apply every active agreement's break policy as of `today` (idempotent per day)."""
    report = CheckReport()
    agreements = await Agreement.filter(status=AgreementStatus.ACTIVE).select_related("condition")
    for agreement in agreements:
        limit = today - timedelta(days=agreement.condition.tolerance_days)
        missed = (
            await Receivable.filter(
                agreement_id=agreement.id, status=ReceivableStatus.OPEN, due_date__lt=limit
            )
            .order_by("installment_number")
            .first()
        )
        if missed is None:
            continue
        condition = agreement.condition
        if (
            condition.break_action == BreakAction.MOVE_TO_END
            and agreement.misses + 1 < condition.misses_to_cancel
        ):
            if await _move_to_end(agreement, missed):
                report.moved.append(missed.id)
        else:
            await break_agreement(agreement, reason=f"parcela {missed.installment_number} vencida")
            report.broken.append(agreement.id)
    return report


async def _move_to_end(agreement: Agreement, missed: Receivable) -> bool:
    """Move the missed installment after the last one; False when another instance running
    the same check got there first (the guarded update of `misses` lets one through)."""
    async with in_transaction() as conn:
        counted = (
            await Agreement.filter(
                id=agreement.id, status=AgreementStatus.ACTIVE, misses=agreement.misses
            )
            .using_db(conn)
            .update(misses=agreement.misses + 1)
        )
        if not counted:
            return False
        last = (
            await Receivable.filter(agreement_id=agreement.id)
            .using_db(conn)
            .order_by("-due_date")
            .first()
        )
        spacing = agreement.days_between or DEFAULT_SPACING
        before = {"due_date": missed.due_date, "misses": agreement.misses}
        missed.due_date = last.due_date + timedelta(days=spacing)
        await missed.save(using_db=conn, update_fields=["due_date"])
        agreement.misses += 1
        await audit.record(
            user=None,
            actor="system",
            action="installment.moved",
            entity="agreement",
            entity_id=agreement.id,
            before=before,
            after={
                "receivable_id": missed.id,
                "due_date": missed.due_date,
                "misses": agreement.misses,
            },
            using_db=conn,
        )
    return True


async def break_agreement(agreement: Agreement, *, reason: str) -> None:
    """Cancel: credit what was paid to the originals oldest first, reopen the rest, cancel the
    unpaid installments. The customer can then enter campaigns again."""
    async with in_transaction() as conn:
        changed = (
            await Agreement.filter(id=agreement.id, status=AgreementStatus.ACTIVE)
            .using_db(conn)
            .update(status=AgreementStatus.BROKEN, status_changed_at=clock.now())
        )
        if not changed:
            return  # someone else settled or broke it first
        installments = await Receivable.filter(agreement_id=agreement.id).using_db(conn)
        paid = sum((r.amount for r in installments if r.status == ReceivableStatus.PAID), ZERO)
        unpaid = [r.id for r in installments if r.status == ReceivableStatus.OPEN]
        await (
            Receivable.filter(id__in=unpaid)
            .using_db(conn)
            .update(status=ReceivableStatus.CANCELLED)
        )
        await cancel_instruments(conn, unpaid)
        links = (
            await AgreementReceivable.filter(agreement_id=agreement.id)
            .using_db(conn)
            .select_related("receivable")
        )
        credits = await _credit_oldest_first(conn, [link.receivable for link in links], paid)
        await events.emit(
            conn,
            "agreement.broken",
            {"agreement_id": agreement.id, "reason": reason, "paid": paid, "credits": credits},
        )
        await audit.record(
            user=None,
            actor="system",
            action="agreement.broken",
            entity="agreement",
            entity_id=agreement.id,
            after={"reason": reason, "paid": paid, "credits": credits},
            using_db=conn,
        )


async def _credit_oldest_first(conn, originals: list[Receivable], paid: Decimal) -> list[dict]:
    """Each original bill is paid off while the credit lasts; the first one it does not cover
    keeps only what is still owed; the rest come back open as they were."""
    credits = []
    remaining = paid
    now = clock.now()
    for bill in sorted(originals, key=lambda r: (r.due_date, r.id)):
        if remaining >= bill.amount:
            bill.status, bill.paid_at = ReceivableStatus.PAID, now
            credits.append({"receivable_id": bill.id, "credited": bill.amount, "open": ZERO})
            remaining -= bill.amount
        else:
            owed = bill.amount - remaining
            if remaining > 0:
                credits.append({"receivable_id": bill.id, "credited": remaining, "open": owed})
            bill.status, bill.amount, remaining = ReceivableStatus.OPEN, owed, ZERO
        await bill.save(using_db=conn, update_fields=["status", "paid_at", "amount"])
    return credits
