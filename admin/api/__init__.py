"""The admin API, `/api/v1`."""

from fastapi import APIRouter

from admin.api import (
    auth,
    campaigns,
    catalog,
    conditions,
    customers,
    imports,
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
    runs,
    campaigns,
    customers,
    imports,
    payments,
    users,
):
    router.include_router(module.router)
