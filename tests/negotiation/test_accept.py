"""offers_for_customer and accept, on SQLite and PostgreSQL, including concurrent accepts."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from models import Agreement, AgreementReceivable, AuditLog, Receivable
from models.enums import Channel, ReceivableStatus
from negotiation.accept import accept
from negotiation.errors import AlreadyNegotiated, DebtChanged, NotFound
from negotiation.offers import offers_for_customer
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

TODAY = date(2026, 11, 27)


async def _debtor_with_example_debt():
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    return customer


async def test_offers_match_the_engine_cheapest_first(each_db):
    customer = await _debtor_with_example_debt()
    offers = await offers_for_customer(customer.id, TODAY)
    assert [str(o.offer.total) for o in offers] == ["91.71", "103.20", "104.50"]
    assert offers[2].offer.down_payment == Decimal("31.35")
    assert offers[0].quote.principal == Decimal("99.90")


async def test_accept_writes_agreement_installments_and_marks_originals(each_db):
    customer = await _debtor_with_example_debt()
    offers = await offers_for_customer(customer.id, TODAY)
    chosen = offers[2]  # 4 payments, 30 % down

    agreement = await accept(chosen.quote, channel=Channel.TELEGRAM, today=TODAY, settings=SETTINGS)

    await agreement.refresh_from_db()
    assert agreement.total == Decimal("104.50")
    assert agreement.down_payment == Decimal("31.35")
    assert agreement.principal == Decimal("99.90")
    assert agreement.fine == Decimal("2.00")
    assert agreement.interest == Decimal("2.60")
    assert agreement.channel == Channel.TELEGRAM
    assert agreement.created_at is not None
    installments = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    assert [(r.due_date.isoformat(), str(r.amount)) for r in installments] == [
        ("2026-11-30", "31.35"),
        ("2026-12-20", "24.39"),
        ("2027-01-09", "24.38"),
        ("2027-01-29", "24.38"),
    ]
    assert all(r.status == ReceivableStatus.OPEN for r in installments)
    originals = await Receivable.filter(customer_id=customer.id, agreement_id=None)
    assert [r.status for r in originals] == [ReceivableStatus.NEGOTIATED]
    links = await AgreementReceivable.filter(agreement_id=agreement.id)
    assert [(link.days_late, str(link.fine), str(link.interest)) for link in links] == [
        (78, "2.00", "2.60")
    ]
    assert await AuditLog.filter(entity="agreement", entity_id=str(agreement.id)).count() == 1


async def test_accept_twice_fails_and_writes_nothing(each_db):
    customer = await _debtor_with_example_debt()
    quote = (await offers_for_customer(customer.id, TODAY))[0].quote
    await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)
    receivables_before = await Receivable.all().count()

    with pytest.raises(AlreadyNegotiated):
        await accept(quote, channel=Channel.VOICE, today=TODAY, settings=SETTINGS)

    assert await Agreement.all().count() == 1
    assert await Receivable.all().count() == receivables_before


async def test_accept_refuses_a_debt_that_changed_since_the_quote(each_db):
    customer = await _debtor_with_example_debt()
    quote = (await offers_for_customer(customer.id, TODAY))[0].quote
    await make_receivable(customer, date(2026, 10, 10), "50.00")  # a new bill came in

    with pytest.raises(DebtChanged):
        await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)
    assert await Agreement.all().count() == 0
    assert await Receivable.filter(status=ReceivableStatus.NEGOTIATED).count() == 0


async def test_accept_refuses_a_bill_paid_since_the_quote(each_db):
    customer = await _debtor_with_example_debt()
    quote = (await offers_for_customer(customer.id, TODAY))[0].quote
    await Receivable.filter(customer_id=customer.id).update(
        status=ReceivableStatus.PAID, paid_at=TODAY
    )
    with pytest.raises(DebtChanged):
        await accept(quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)
    assert await Agreement.all().count() == 0


async def test_accept_refuses_a_quote_from_another_day(each_db):
    customer = await _debtor_with_example_debt()
    quote = (await offers_for_customer(customer.id, TODAY))[1].quote
    with pytest.raises(DebtChanged, match="calculada em 27/11/2026"):
        await accept(quote, channel=Channel.CONSOLE, today=date(2026, 11, 28), settings=SETTINGS)
    assert await Agreement.all().count() == 0


async def test_accept_refuses_when_the_condition_changed(each_db):
    customer = await _debtor_with_example_debt()
    offer = (await offers_for_customer(customer.id, TODAY))[0]
    offer.condition.fine_pct = Decimal("5")
    await offer.condition.save()
    with pytest.raises(DebtChanged):
        await accept(offer.quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS)
    assert await Agreement.all().count() == 0


async def test_offers_for_an_unknown_customer(each_db):
    with pytest.raises(NotFound):
        await offers_for_customer(999, TODAY)


async def _race(quote, n: int):
    return await asyncio.gather(
        *(
            accept(quote, channel=Channel.TELEGRAM, today=TODAY, settings=SETTINGS)
            for _ in range(n)
        ),
        return_exceptions=True,
    )


async def test_concurrent_accepts_make_one_agreement_on_postgres(pg_db):
    customer = await _debtor_with_example_debt()
    offers = await offers_for_customer(customer.id, TODAY)
    # Different options of the same debt, from "different channels", at the same moment:
    # each accept runs on its own pooled connection, so the database sees real concurrency.
    results = await asyncio.gather(
        *(
            accept(o.quote, channel=channel, today=TODAY, settings=SETTINGS)
            for o in offers
            for channel in (Channel.TELEGRAM, Channel.VOICE, Channel.CONSOLE)
        ),
        return_exceptions=True,
    )
    made = [r for r in results if isinstance(r, Agreement)]
    refused = [r for r in results if isinstance(r, AlreadyNegotiated)]
    assert len(made) == 1, results
    assert len(refused) == len(results) - 1, results
    assert await Agreement.all().count() == 1
    assert await Receivable.filter(agreement_id=made[0].id).count() == made[0].installments_count


async def test_concurrent_accepts_make_one_agreement_on_sqlite(db):
    customer = await _debtor_with_example_debt()
    quote = (await offers_for_customer(customer.id, TODAY))[1].quote
    results = await _race(quote, 5)
    assert sum(isinstance(r, Agreement) for r in results) == 1
    assert await Agreement.all().count() == 1


async def test_a_larger_down_payment_is_quoted_and_accepted(each_db):
    customer = await _debtor_with_example_debt()
    offers = await offers_for_customer(customer.id, TODAY, down_payment=Decimal("50.00"))
    with_down = next(o for o in offers if o.offer.down_payment is not None)
    assert with_down.quote.down_payment == Decimal("50.00")

    agreement = await accept(
        with_down.quote, channel=Channel.CONSOLE, today=TODAY, settings=SETTINGS
    )

    amounts = await Receivable.filter(agreement_id=agreement.id).order_by("installment_number")
    # 104.50 - 50.00 = 54.50 over 3: 18.16 x 3 = 54.48, the 2 cents left go to payment 2.
    assert [str(r.amount) for r in amounts] == ["50.00", "18.18", "18.16", "18.16"]


async def test_no_offer_with_a_zero_payment_reaches_a_channel(each_db):
    customer = await _debtor_with_example_debt()
    # The whole total down would leave three payments of R$ 0,00: §3 computes it, no channel
    # may offer it.
    offers = await offers_for_customer(customer.id, TODAY, down_payment=Decimal("104.50"))
    assert all(o.offer.smallest_payment > 0 for o in offers)
    assert [o.offer.installments for o in offers] == [1, 3]
