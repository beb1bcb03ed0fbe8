"""The figures of the attendants' dashboard, from the ledger.

The scope is the whole ISP, or one agency (`agency_id`): an agency sees only what came of the
entries exported to it (their agreements, the payments of those agreements, their calls),
never the ISP's own business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum

from models import (
    Agreement,
    Call,
    CampaignEntry,
    CollectionRule,
    ContactAttempt,
    ContactRefusal,
    Conversation,
    Payment,
    Receivable,
    User,
)
from models.enums import AgreementStatus, ContactOutcome, ConversationState, MessageDirection, Role


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
    # Per rule and channel: contacts tried, refused (by reason), answered, agreements made.
    contacts: list[dict] = field(default_factory=list)


def scope_of(user: User) -> int | None:
    """The agency whose figures `user` may see; None: the whole ISP's."""
    return user.agency_id if user.role == Role.AGENCY else None


class _Scope:
    """The querysets of the dashboard, restricted to one agency's entries when given."""

    def __init__(self, agency_id: int | None) -> None:
        self.agency_id = agency_id

    def entries(self):
        query = CampaignEntry.all()
        return query if self.agency_id is None else query.filter(agency_id=self.agency_id)

    def _agreement_ids(self) -> Subquery:
        return Subquery(self.entries().filter(agreement_id__isnull=False).values("agreement_id"))

    def agreements(self):
        query = Agreement.all()
        return query if self.agency_id is None else query.filter(id__in=self._agreement_ids())

    def payments(self):
        query = Payment.all()
        if self.agency_id is None:
            return query
        bills = Receivable.filter(agreement_id__in=self._agreement_ids()).values("id")
        return query.filter(receivable_id__in=Subquery(bills))

    def attempts(self):
        query = ContactAttempt.filter(entry_id__isnull=False)
        return query if self.agency_id is None else query.filter(entry__agency_id=self.agency_id)

    def refusals(self):
        query = ContactRefusal.filter(rule_id__isnull=False)
        return query if self.agency_id is None else query.filter(entry__agency_id=self.agency_id)

    def calls(self):
        query = Call.all()
        if self.agency_id is None:
            return query
        return query.filter(entry_id__in=Subquery(self.entries().values("id")))


async def _sum(query) -> Decimal:
    return (await query.annotate(s=Sum("amount")).first().values("s"))["s"] or Decimal(0)


async def dashboard(today: date, tz: ZoneInfo, *, agency_id: int | None = None) -> Dashboard:
    scope = _Scope(agency_id)
    start_today = datetime.combine(today, time.min, tz)
    month_ago = start_today - timedelta(days=30)
    recovered = await _sum(scope.payments())
    recent = await _sum(scope.payments().filter(paid_at__gte=month_ago))
    counts = {
        row["status"]: row["n"]
        for row in await scope.agreements()
        .annotate(n=Count("id"))
        .group_by("status")
        .values("status", "n")
    }
    agreements = {s.value: counts.get(s.value, 0) for s in AgreementStatus}
    by_channel = [
        {"channel": row["channel"], "agreements": row["n"], "total": row["t"] or Decimal(0)}
        for row in await scope.agreements()
        .annotate(n=Count("id"), t=Sum("total"))
        .group_by("channel")
        .values("channel", "n", "t")
    ]
    by_channel.sort(key=lambda r: -r["agreements"])
    by_rule = []
    for row in (
        await scope.entries()
        .annotate(n=Count("id"))
        .group_by("rule_id", "rule__description")
        .values("rule_id", "rule__description", "n")
    ):
        made = (
            await scope.entries().filter(rule_id=row["rule_id"], agreement_id__isnull=False).count()
        )
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
        total = await _sum(
            scope.payments().filter(paid_at__gte=begin, paid_at__lt=begin + timedelta(days=1))
        )
        daily.append({"day": day, "amount": total})
    # The conversations waiting for an attendant are the ISP's inbox, not an agency's.
    waiting = (
        await Conversation.filter(state=ConversationState.WAITING).count()
        if agency_id is None
        else 0
    )
    return Dashboard(
        recovered=recovered,
        recovered_30d=recent,
        agreements=agreements,
        by_channel=by_channel,
        by_rule=by_rule,
        calls_today=await scope.calls().filter(created_at__gte=start_today).count(),
        calls_today_answered=await scope.calls()
        .filter(created_at__gte=start_today, answered_at__isnull=False)
        .count(),
        waiting_conversations=waiting,
        daily=daily,
        contacts=await contacts_by_rule(scope),
    )


async def contacts_by_rule(scope: _Scope) -> list[dict]:
    """Per rule and channel: contacts tried (outbound attempts of the rule's entries), refused
    or postponed by the contact gate (by reason), answered (a conversation or an agreement),
    and agreements made (the rule's entries' agreements, by the channel they were made on)."""
    rows: dict[tuple[int, str], dict] = {}

    def row(rule_id: int, channel: object) -> dict:
        key = (rule_id, str(getattr(channel, "value", channel)))
        if key not in rows:
            rows[key] = {
                "rule_id": rule_id,
                "channel": key[1],
                "tried": 0,
                "refused": 0,
                "refused_by_reason": {},
                "answered": 0,
                "agreements": 0,
            }
        return rows[key]

    answered = (ContactOutcome.CONVERSATION, ContactOutcome.AGREEMENT)
    out = scope.attempts().filter(direction=MessageDirection.OUT)
    for name, query in (("tried", out), ("answered", out.filter(outcome__in=answered))):
        for found in (
            await query.annotate(n=Count("id"))
            .group_by("entry__rule_id", "channel")
            .values("entry__rule_id", "channel", "n")
        ):
            row(found["entry__rule_id"], found["channel"])[name] += found["n"]
    for found in (
        await scope.refusals()
        .annotate(n=Count("id"))
        .group_by("rule_id", "channel", "reason")
        .values("rule_id", "channel", "reason", "n")
    ):
        figures = row(found["rule_id"], found["channel"])
        figures["refused"] += found["n"]
        reason = str(getattr(found["reason"], "value", found["reason"]))
        figures["refused_by_reason"][reason] = found["n"]
    for found in (
        await scope.entries()
        .filter(agreement_id__isnull=False)
        .annotate(n=Count("id"))
        .group_by("rule_id", "agreement__channel")
        .values("rule_id", "agreement__channel", "n")
    ):
        row(found["rule_id"], found["agreement__channel"])["agreements"] += found["n"]
    names = dict(
        await CollectionRule.filter(id__in={k[0] for k in rows}).values_list("id", "description")
    )
    result = [r | {"rule": names.get(r["rule_id"], str(r["rule_id"]))} for r in rows.values()]
    result.sort(key=lambda r: (r["rule"], r["rule_id"], r["channel"]))
    return result
