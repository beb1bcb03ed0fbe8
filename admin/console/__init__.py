"""The attendants' console: server-rendered pages under /console over the same services and
permissions as the admin API."""

from __future__ import annotations

from fastapi import APIRouter

from admin.console import auth, home

router = APIRouter(include_in_schema=False)
# Each page module carries the /console prefix itself: the dashboard is /console exactly.
router.include_router(auth.router)
router.include_router(home.router)
