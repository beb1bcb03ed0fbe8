"""Auditoria: the audit log, newest first, with filters (entity, user, action, dates) and pages
of 50; each entry's before and after as readable JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from admin.console.render import page
from admin.deps import Page
from models import AuditLog, User
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
ViewAudit = Page(Permission.VIEW_AUDIT)

PER_PAGE = 50


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def readable(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


async def _distinct(column: str) -> list[str]:
    """The values a filter offers (ordered by the column itself: PostgreSQL's DISTINCT wants
    the ORDER BY in the select list, and the model's default order is by date)."""
    query = AuditLog.all().order_by(column).distinct().values_list(column, flat=True)
    return list(await query)


@router.get("/audit")
async def audit_page(request: Request, signed: ViewAudit):
    tz = request.app.state.settings.tz
    params = request.query_params
    chosen = {k: params.get(k, "").strip() for k in ("entity", "user", "action", "since", "until")}
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            dates[name] = _date(chosen[name])
        except ValueError:
            errors[name] = "data inválida (use dd/mm/aaaa)"
    if not errors and dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        errors["until"] = "a data final é anterior à inicial"
    try:
        number = max(1, int(params.get("page", "1")))
    except ValueError:
        number = 1

    query = AuditLog.all()
    if chosen["entity"]:
        query = query.filter(entity=chosen["entity"])
    if chosen["action"]:
        query = query.filter(action=chosen["action"])
    if chosen["user"].isdigit():
        query = query.filter(user_id=int(chosen["user"]))
    if not errors and dates["since"]:
        query = query.filter(created_at__gte=datetime.combine(dates["since"], time(), tz))
    if not errors and dates["until"]:
        end = datetime.combine(dates["until"] + timedelta(days=1), time(), tz)
        query = query.filter(created_at__lt=end)
    total = await query.count()
    pages = max(1, -(-total // PER_PAGE))
    number = min(number, pages)
    entries = (
        await query.order_by("-created_at", "-id")
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .select_related("user")
    )
    rows = [
        {
            "entry": e,
            "who": e.user.username if e.user else e.actor,
            "before": None if e.before is None else readable(e.before),
            "after": None if e.after is None else readable(e.after),
        }
        for e in entries
    ]
    kept = {k: v for k, v in chosen.items() if v}

    def link(n: int) -> str:
        return "/console/audit?" + urlencode({**kept, "page": n})

    return page(
        request,
        signed,
        "console/audit.html.j2",
        status_code=422 if errors else 200,
        rows=rows,
        chosen=chosen,
        errors=errors,
        total=total,
        number=number,
        pages=pages,
        previous=link(number - 1) if number > 1 else None,
        next=link(number + 1) if number < pages else None,
        users=await User.all(),
        entities=await _distinct("entity"),
        actions=await _distinct("action"),
    )
