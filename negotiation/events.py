"""Events for the ISP's billing system: written to the outbox with the change, delivered later.

Delivery POSTs the JSON body to QUITA_BILLING_WEBHOOK_URL with `X-Quita-Event` and
`X-Quita-Signature: sha256=<hex HMAC-SHA256 of the body with QUITA_BILLING_WEBHOOK_SECRET>`,
so the billing system can check it came from us (and, for example, unblock the subscriber on
the down payment). Failures are retried with exponential backoff, then marked failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient

from models import OutboundEvent, clock
from models.enums import EventStatus
from negotiation.audit import plain

MAX_ATTEMPTS = 10
log = logging.getLogger("quita.events")


async def emit(conn: BaseDBAsyncClient | None, kind: str, payload: dict[str, Any]) -> None:
    """Queue an event in the caller's transaction: it exists if and only if the change does."""
    await OutboundEvent.create(
        using_db=conn, kind=kind, payload=plain(payload), next_attempt_at=clock.now()
    )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most six hours between tries."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


async def deliver_due(
    url: str,
    secret: str,
    *,
    now: datetime | None = None,
    client: httpx.AsyncClient | None = None,
    limit: int = 100,
) -> tuple[int, int]:
    """Send the events whose time has come; returns (sent, failed attempts)."""
    now = now or clock.now()
    due = await OutboundEvent.filter(status=EventStatus.PENDING, next_attempt_at__lte=now).limit(
        limit
    )
    sent = failed = 0
    own_client = client is None
    client = client or httpx.AsyncClient(timeout=10)
    try:
        for event in due:
            body = json.dumps(
                {
                    "id": event.id,
                    "kind": event.kind,
                    "created_at": event.created_at.isoformat(),
                    "data": event.payload,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Quita-Event": event.kind,
                "X-Quita-Delivery": str(event.id),
                "X-Quita-Signature": sign(body, secret),
            }
            event.attempts += 1
            try:
                answer = await client.post(url, content=body, headers=headers)
                answer.raise_for_status()
            except httpx.HTTPError as exc:
                failed += 1
                event.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
                if event.attempts >= MAX_ATTEMPTS:
                    event.status = EventStatus.FAILED
                    log.error("event %s (%s) given up: %s", event.id, event.kind, exc)
                else:
                    event.next_attempt_at = now + backoff(event.attempts)
            else:
                sent += 1
                event.status, event.sent_at, event.last_error = EventStatus.SENT, now, None
            await event.save()
    finally:
        if own_client:
            await client.aclose()
    return sent, failed
