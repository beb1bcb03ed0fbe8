"""The Painel's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class ChannelFigures(BaseModel):
    channel: str
    agreements: int
    total: Decimal


class RuleFigures(BaseModel):
    rule: str
    entries: int
    agreements: int
    conversion: Decimal  # percent of the entries that became an agreement


class ContactFigures(BaseModel):
    """One rule's contacts on one channel."""

    rule_id: int
    rule: str
    channel: str
    tried: int  # outbound contacts made
    refused: int  # refused or postponed by the contact gate
    refused_by_reason: dict[str, int]  # by reason code (negotiation.labels: RefusalReason)
    answered: int  # the outcome was a conversation or an agreement
    agreements: int  # agreements of the rule's entries made on this channel


class DayFigure(BaseModel):
    day: date
    amount: Decimal


class DashboardOut(BaseModel):
    """The Painel's figures: the whole ISP's, or an agency user's own agency's entries'."""

    model_config = ConfigDict(from_attributes=True)

    recovered: Decimal
    recovered_30d: Decimal
    agreements: dict[str, int]
    by_channel: list[ChannelFigures]
    by_rule: list[RuleFigures]
    calls_today: int
    calls_today_answered: int
    waiting_conversations: int
    daily: list[DayFigure]
    contacts: list[ContactFigures] = []
