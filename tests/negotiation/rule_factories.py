"""Builders for rule-execution tests: rules with filters, agreements, users, entries."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from models import (
    Agreement,
    Campaign,
    CampaignEntry,
    CollectionRule,
    Customer,
    RuleFilter,
    User,
)
from models.enums import AgreementStatus, Channel, EntryState, Role
from tests.factories import make_condition

_seq = count(1)


async def make_rule(
    *filters: tuple[str, str, Any], active: bool = True, **overrides: Any
) -> CollectionRule:
    """A rule with filters given as (field, operator, value) lines, in that order."""
    values: dict[str, Any] = {"description": f"Regra de teste {next(_seq)}", "active": active}
    values.update(overrides)
    rule = await CollectionRule.create(**values)
    for position, (field, operator, value) in enumerate(filters):
        line = RuleFilter(rule=rule, position=position, field=field, operator=operator)
        # Tortoise's JSONField takes a str as JSON text (and create() decodes it first), so a
        # plain string value is set encoded, after construction.
        line.value = json.dumps(value) if isinstance(value, str) else value
        await line.save()
    return rule


async def make_agreement(customer: Customer, status: AgreementStatus) -> Agreement:
    condition = await make_condition(description=f"Condição {next(_seq)}")
    return await Agreement.create(
        customer=customer,
        condition=condition,
        as_of=date(2026, 1, 1),
        installments_count=1,
        days_between=0,
        interest_discount_pct=Decimal(0),
        debt_discount_pct=Decimal(0),
        principal=Decimal("100.00"),
        fine=Decimal(0),
        interest=Decimal(0),
        interest_discount=Decimal(0),
        debt_discount=Decimal(0),
        total=Decimal("100.00"),
        channel=Channel.CLI,
        status=status,
    )


async def make_user(**overrides: Any) -> User:
    n = next(_seq)
    values: dict[str, Any] = {
        "username": f"atendente{n}",
        "full_name": f"Atendente {n}",
        "password_hash": "x",
        "role": Role.SUPERVISOR,
    }
    values.update(overrides)
    return await User.create(**values)


async def make_entry(rule: CollectionRule, customer: Customer, state: EntryState) -> CampaignEntry:
    """An entry of the rule for the customer in some state (as an earlier run left it)."""
    campaign = await Campaign.create(rule=rule, description="Campanha anterior")
    return await CampaignEntry.create(
        campaign=campaign,
        rule=rule,
        customer=customer,
        position=1,
        total_debt=Decimal("10.00"),
        receivables_count=1,
        oldest_due_date=date(2026, 1, 1),
        state=state,
    )
