"""The attendants' console: server-rendered pages under /console over the same services and
permissions as the admin API."""

from __future__ import annotations

from fastapi import APIRouter

from admin.console import (
    audit,
    auth,
    calculator,
    campaigns,
    catalog,
    conditions,
    customer_search,
    customers,
    entries,
    home,
    inbox,
    message_templates,
    outbox,
    reports,
    rules,
    simulator,
    users,
    windows,
)

router = APIRouter(include_in_schema=False)
# Each page module carries the /console prefix itself: the dashboard is /console exactly.
for module in (
    auth,
    home,
    conditions,
    rules,
    message_templates,
    catalog,
    windows,
    users,
    audit,
    campaigns,
    entries,
    customer_search,
    customers,
    inbox,
    simulator,
    calculator,
    outbox,
    reports,
):
    router.include_router(module.router)
