"""The figures of the attendants' dashboard, from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Sum

from models import Agreement, Call, CampaignEntry, Conversation, Payment
from models.enums import AgreementStatus, ConversationState


@dataclass
class Dashboard:
    recovered: Decimal
    recovered_30d: Decimal
    agreements: dict[str, int]
    by_channel: list[dict]
    by_rule: list[dict]
    calls_today: int
    calls_today_answered: int
    waiting_conversations: int
    daily: list[dict] = field(default_factory=list)


async def dashboard(today: date, tz: ZoneInfo) -> Dashboard:
    start_today = datetime.combine(today, time.min, tz)
    month_ago = start_today - timedelta(days=30)
    recovered = (await Payment.annotate(s=Sum("amount")).first().values("s"))["s"] or Decimal(0)
    recent = (
        await Payment.filter(paid_at__gte=month_ago).annotate(s=Sum("amount")).first().values("s")
    )["s"] or Decimal(0)
    counts = {
        row["status"]: row["n"]
        for row in await Agreement.annotate(n=Count("id")).group_by("status").values("status", "n")
    }
    agreements = {s.value: counts.get(s.value, 0) for s in AgreementStatus}
    by_channel = [
        {"channel": row["channel"], "agreements": row["n"], "total": row["t"] or Decimal(0)}
        for row in await Agreement.annotate(n=Count("id"), t=Sum("total"))
        .group_by("channel")
        .values("channel", "n", "t")
    ]
    by_channel.sort(key=lambda r: -r["agreements"])
    by_rule = []
    for row in (
        await CampaignEntry.annotate(n=Count("id"))
        .group_by("rule_id", "rule__description")
        .values("rule_id", "rule__description", "n")
    ):
        made = await CampaignEntry.filter(
            rule_id=row["rule_id"], agreement_id__isnull=False
        ).count()
        by_rule.append(
            {
                "rule": row["rule__description"],
                "entries": row["n"],
                "agreements": made,
                "conversion": (Decimal(made) * 100 / row["n"]).quantize(Decimal("0.1"))
                if row["n"]
                else Decimal(0),
            }
        )
    daily = []
    for back in range(13, -1, -1):
        day = today - timedelta(days=back)
        begin = datetime.combine(day, time.min, tz)
        total = (
            await Payment.filter(paid_at__gte=begin, paid_at__lt=begin + timedelta(days=1))
            .annotate(s=Sum("amount"))
            .first()
            .values("s")
        )["s"] or Decimal(0)
        daily.append({"day": day, "amount": total})
    return Dashboard(
        recovered=recovered,
        recovered_30d=recent,
        agreements=agreements,
        by_channel=by_channel,
        by_rule=by_rule,
        calls_today=await Call.filter(created_at__gte=start_today).count(),
        calls_today_answered=await Call.filter(
            created_at__gte=start_today, answered_at__isnull=False
        ).count(),
        waiting_conversations=await Conversation.filter(state=ConversationState.WAITING).count(),
        daily=daily,
    )
