"""The admin API, `/api/v1`."""

from fastapi import APIRouter

from admin.api import (
    agreements,
    auth,
    calls,
    campaigns,
    catalog,
    conditions,
    contact_windows,
    conversations,
    customers,
    dashboard,
    imports,
    message_templates,
    payments,
    rules,
    runs,
    users,
)

router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    catalog,
    conditions,
    rules,
    contact_windows,
    message_templates,
    runs,
    campaigns,
    customers,
    agreements,
    calls,
    conversations,
    imports,
    payments,
    users,
    dashboard,
):
    router.include_router(module.router)
