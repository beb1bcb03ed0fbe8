"""Break policy with a frozen clock, and the credit of paid amounts on cancellation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from models import Agreement, PaymentCondition, Receivable
from models.enums import AgreementStatus, BreakAction, Channel, PaymentSource, ReceivableStatus
from negotiation.accept import accept
from negotiation.breaks import check_agreements
from negotiation.offers import offers_for_customer
from negotiation.reconcile import record_payment
from tests.factories import SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)


async def _agreement(action=BreakAction.CANCEL, misses=2, tolerance=5):
    """Two old bills (50.00 due 2026-08-10, 80.00 due 2026-09-10); 3 payments, 30 days apart,
    no fine, no interest: total 130.00 = 43.34 + 43.33 + 43.33, due 11-30, 12-30, 01-29."""
    customer = await make_customer()
    await make_receivable(customer, date(2026, 8, 10), "50.00")
    await make_receivable(customer, date(2026, 9, 10), "80.00")
    await make_condition(
        ((3, 30, "0", "0", "0"),),
        is_default=True,
        fine_pct=0,
        interest_pct=0,
        break_action=action,
        misses_to_cancel=misses,
        tolerance_days=tolerance,
    )
    quote = (await offers_for_customer(customer.id, TODAY))[0].quote
    return await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)


async def _installments(agreement):
    return await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")


async def test_within_tolerance_nothing_happens(each_db):
    agreement = await _agreement(tolerance=5)
    report = await check_agreements(date(2026, 12, 5))  # due 11-30 + 5 days: still tolerated
    assert report.moved == [] and report.broken == []
    await agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


async def test_past_tolerance_cancels_and_credits_oldest_first(each_db):
    agreement = await _agreement()
    first, _second, _third = await _installments(agreement)
    await record_payment(
        first.id, first.amount, datetime(2026, 11, 29, tzinfo=UTC), PaymentSource.API
    )
    # The second installment (12-30) is missed; on 2027-01-05 it is 6 days late.
    report = await check_agreements(date(2027, 1, 5))

    assert report.broken == [agreement.id]
    await agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.BROKEN
    statuses = [r.status for r in await _installments(agreement)]
    assert statuses == [
        ReceivableStatus.PAID,
        ReceivableStatus.CANCELLED,
        ReceivableStatus.CANCELLED,
    ]
    # 43.34 paid: not enough for the 50.00 bill, which keeps 6.66 open; the 80.00 is open again.
    originals = await Receivable.filter(customer_id=agreement.customer_id, agreement_id=None)
    assert [(str(r.amount), r.status) for r in originals] == [
        ("6.66", ReceivableStatus.OPEN),
        ("80.00", ReceivableStatus.OPEN),
    ]
    # The debt is back in collection: new offers are computed on it.
    offers = await offers_for_customer(agreement.customer_id, date(2027, 1, 5))
    assert offers and offers[0].quote.principal == Decimal("86.66")


async def test_paid_enough_for_the_oldest_bill_pays_it(each_db):
    agreement = await _agreement(action=BreakAction.CANCEL)
    first, second, _ = await _installments(agreement)
    when = datetime(2026, 11, 29, tzinfo=UTC)
    await record_payment(first.id, first.amount, when, PaymentSource.API)
    await record_payment(second.id, second.amount, when, PaymentSource.API)
    await check_agreements(date(2027, 2, 10))  # the third (01-29) is missed
    originals = await Receivable.filter(customer_id=agreement.customer_id, agreement_id=None)
    # 86.67 paid: the 50.00 bill is paid, 36.67 goes to the 80.00 bill, 43.33 stays open.
    assert [(str(r.amount), r.status) for r in originals] == [
        ("50.00", ReceivableStatus.PAID),
        ("43.33", ReceivableStatus.OPEN),
    ]


async def test_move_to_end_then_the_second_miss_cancels(each_db):
    agreement = await _agreement(action=BreakAction.MOVE_TO_END, misses=2)
    first = (await _installments(agreement))[0]

    report = await check_agreements(date(2026, 12, 10))  # installment 1 (11-30) missed
    assert report.moved == [first.id] and report.broken == []
    await first.refresh_from_db()
    assert first.due_date == date(2027, 1, 29) + timedelta(days=30)
    await agreement.refresh_from_db()
    assert agreement.misses == 1 and agreement.status == AgreementStatus.ACTIVE

    report = await check_agreements(date(2027, 1, 5))  # installment 2 (12-30) missed too
    assert report.broken == [agreement.id]


async def test_a_payment_resets_the_count_of_misses(each_db):
    agreement = await _agreement(action=BreakAction.MOVE_TO_END, misses=2)
    _first, second, _ = await _installments(agreement)
    await check_agreements(date(2026, 12, 10))  # 1st moved to the end, misses = 1
    await record_payment(
        second.id, second.amount, datetime(2026, 12, 20, tzinfo=UTC), PaymentSource.API
    )
    await agreement.refresh_from_db()
    assert agreement.misses == 0
    report = await check_agreements(date(2027, 2, 5))  # 3rd (01-29) missed: moved, not broken
    assert report.broken == [] and len(report.moved) == 1


async def test_check_twice_the_same_day_changes_nothing_more(each_db):
    agreement = await _agreement()
    await check_agreements(date(2026, 12, 10))
    again = await check_agreements(date(2026, 12, 10))
    assert again.broken == [] and again.moved == []
    assert (await Agreement.get(id=agreement.id)).status == AgreementStatus.BROKEN
    assert await PaymentCondition.all().count() == 1


def test_cli_check_prints_what_it_did(sqlite_template, tmp_path):
    shutil.copyfile(sqlite_template, tmp_path / "a.db")  # migrated: seconds saved
    done = subprocess.run(
        [sys.executable, "-m", "quita.cli", "agreements", "check", "--today", "2027-01-05"],
        env={**os.environ, "QUITA_DATABASE_URL": f"sqlite://{tmp_path}/a.db"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "05/01/2027: 0 parcelas movidas para o fim, 0 acordos cancelados"
    bad = subprocess.run(
        [sys.executable, "-m", "quita.cli", "agreements", "check", "--today", "2027-02-30"],
        env={**os.environ, "QUITA_DATABASE_URL": f"sqlite://{tmp_path}/a.db"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


async def test_two_instances_checking_at_once_move_the_installment_once(pg_db):
    import asyncio

    agreement = await _agreement(action=BreakAction.MOVE_TO_END, misses=3)
    first = (await _installments(agreement))[0]
    reports = await asyncio.gather(*(check_agreements(date(2026, 12, 10)) for _ in range(4)))
    assert sum(len(r.moved) for r in reports) == 1
    await first.refresh_from_db()
    assert first.due_date == date(2027, 1, 29) + timedelta(days=30)  # moved once, not 4 times
    assert (await Agreement.get(id=agreement.id)).misses == 1
