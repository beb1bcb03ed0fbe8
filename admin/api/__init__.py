"""The admin API, `/api/v1`."""

from fastapi import APIRouter

from admin.api import auth, catalog, conditions, rules, users

router = APIRouter(prefix="/api/v1")
for module in (auth, catalog, conditions, rules, users):
    router.include_router(module.router)
