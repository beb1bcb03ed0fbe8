"""The customer search's answer (GET /api/v1/customers)."""

from __future__ import annotations

from decimal import Decimal

from admin.schemas.base import Out


class CustomerHitOut(Out):
    id: int
    name: str
    document: str
    phone: str | None
    city: str | None
    state: str | None
    open_debt: Decimal


class CustomerSearchOut(Out):
    items: list[CustomerHitOut]
    total: int
