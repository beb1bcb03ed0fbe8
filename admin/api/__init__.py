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
    reports,
    rules,
    runs,
    users,
)
from admin.schemas.base import ERRORS

# Every refusal is documented as it is sent: `{"detail": "<pt-BR text>"}` (and FastAPI's own
# array for a body or parameter off the schema).
router = APIRouter(prefix="/api/v1", responses=ERRORS)
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
    reports,
):
    router.include_router(module.router)
