"""The dashboard's figures: the whole ISP for its team, an agency's own entries for an agency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from models import (
    Agency,
    Agreement,
    Call,
    Campaign,
    CampaignEntry,
    CollectionRule,
    Conversation,
    Payment,
    clock,
)
from models.clock import today_in
from models.enums import (
    AgreementStatus,
    CallDirection,
    Channel,
    ConversationState,
    EntryState,
    PaymentSource,
    ReceivableStatus,
)
from negotiation.dashboard import dashboard
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_agreement

TZ = "America/Sao_Paulo"


async def _agreement(channel: Channel, total: str, paid: str | None) -> Agreement:
    agreement = await make_agreement(await make_customer(), AgreementStatus.ACTIVE)
    agreement.channel, agreement.total = channel, Decimal(total)
    await agreement.save()
    if paid is not None:
        today = today_in(TZ)
        bill = await make_receivable(
            await agreement.customer,
            today - timedelta(days=2),
            paid,
            agreement=agreement,
            installment_number=1,
            status=ReceivableStatus.PAID,
            paid_at=clock.now() - timedelta(days=1),
        )
        await Payment.create(
            receivable=bill,
            amount=Decimal(paid),
            paid_at=clock.now() - timedelta(days=1),
            source=PaymentSource.API,
        )
    return agreement


async def _entry(campaign: Campaign, position: int, agency=None, agreement=None) -> CampaignEntry:
    customer = (await agreement.customer) if agreement else await make_customer()
    return await CampaignEntry.create(
        campaign=campaign,
        rule_id=campaign.rule_id,
        customer=customer,
        position=position,
        total_debt="100.00",
        receivables_count=1,
        oldest_due_date=today_in(TZ) - timedelta(days=40),
        state=EntryState.EXPORTED if agency else EntryState.DONE,
        agency=agency,
        agreement=agreement,
    )


async def two_agencies_and_the_isp(a: Agency | None = None) -> dict:
    """Agency A: two entries, one agreement (R$ 300,00, R$ 100,00 paid), one call today.
    Agency B: one entry with an agreement (R$ 200,00 paid). The ISP itself: one entry with an
    agreement (R$ 500,00 paid), a bill paid outside any agreement (R$ 50,00), a call and a
    conversation waiting."""
    a = a or await Agency.create(name="Escritório A")
    b = await Agency.create(name="Escritório B")
    rule = await CollectionRule.create(description="Atraso 30+", active=True)
    campaign = await Campaign.create(rule=rule, description="Atraso 30+")
    entry_a = await _entry(campaign, 1, a, await _agreement(Channel.AGENCY, "300.00", "100.00"))
    await _entry(campaign, 2, a)
    await _entry(campaign, 3, b, await _agreement(Channel.AGENCY, "250.00", "200.00"))
    entry_isp = await _entry(
        campaign, 4, None, await _agreement(Channel.CONSOLE, "600.00", "500.00")
    )
    bill = await make_receivable(
        await make_customer(),
        today_in(TZ) - timedelta(days=50),
        "50.00",
        status=ReceivableStatus.PAID,
        paid_at=clock.now(),
    )
    await Payment.create(
        receivable=bill, amount=Decimal("50.00"), paid_at=clock.now(), source="api"
    )
    for entry in (entry_a, entry_isp):
        await Call.create(
            direction=CallDirection.OUTBOUND,
            customer_id=entry.customer_id,
            entry=entry,
            answered_at=clock.now(),
        )
    await Conversation.create(
        channel=Channel.TELEGRAM, external_ref="123", state=ConversationState.WAITING
    )
    return {"a": a, "b": b}


async def test_an_agency_sees_only_its_own_entries(db):
    made = await two_agencies_and_the_isp()
    today = today_in(TZ)
    mine = await dashboard(today, ZoneInfo(TZ), agency_id=made["a"].id)
    assert (mine.recovered, mine.recovered_30d) == (Decimal("100.00"), Decimal("100.00"))
    assert mine.agreements == {"active": 1, "fulfilled": 0, "broken": 0, "cancelled": 0}
    assert mine.by_channel == [{"channel": "agency", "agreements": 1, "total": Decimal("300.00")}]
    assert mine.by_rule == [
        {"rule": "Atraso 30+", "entries": 2, "agreements": 1, "conversion": Decimal("50.0")}
    ]
    assert (mine.calls_today, mine.calls_today_answered) == (1, 1)
    assert mine.waiting_conversations == 0  # the ISP's inbox is not the agency's business
    assert sum(d["amount"] for d in mine.daily) == Decimal("100.00")

    other = await dashboard(today, ZoneInfo(TZ), agency_id=made["b"].id)
    assert other.recovered == Decimal("200.00") and other.agreements["active"] == 1

    isp = await dashboard(today, ZoneInfo(TZ))
    assert isp.recovered == Decimal("850.00")
    assert isp.agreements["active"] == 3
    assert isp.by_rule[0]["entries"] == 4 and isp.by_rule[0]["agreements"] == 3
    assert (isp.calls_today, isp.waiting_conversations) == (2, 1)
