"""The admin API, `/api/v1`."""

from fastapi import APIRouter

from admin.api import auth, campaigns, catalog, conditions, customers, rules, users

router = APIRouter(prefix="/api/v1")
for module in (auth, catalog, conditions, rules, campaigns, customers, users):
    router.include_router(module.router)
