"""Events for the ISP's billing system: written to the outbox with the change, delivered later.

Delivery POSTs the JSON body to QUITA_BILLING_WEBHOOK_URL with `X-Quita-Event` and
`X-Quita-Signature: sha256=<hex HMAC-SHA256 of the body with QUITA_BILLING_WEBHOOK_SECRET>`,
so the billing system can check it came from us (and, for example, unblock the subscriber on
the down payment). Delivery is the retry queue's (negotiation/retry_queue.py): leased, so
several instances POST each event once, retried 1, 2, 4 … minutes apart (at most six hours),
then marked failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient

from models import OutboundEvent, clock
from models.enums import EventStatus
from negotiation import retry_queue
from negotiation.audit import plain
from negotiation.errors import SendError

MAX_ATTEMPTS = 10
QUEUE = retry_queue.RetryQueue(
    OutboundEvent,
    EventStatus,
    backoff=retry_queue.Backoff(first=timedelta(minutes=1), cap=timedelta(hours=6)),
    max_attempts=MAX_ATTEMPTS,
)


async def emit(conn: BaseDBAsyncClient | None, kind: str, payload: dict[str, Any]) -> None:
    """Queue an event in the caller's transaction: it exists if and only if the change does."""
    await OutboundEvent.create(
        using_db=conn, kind=kind, payload=plain(payload), next_attempt_at=clock.now()
    )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def poster(url: str, secret: str, client: httpx.AsyncClient) -> retry_queue.Work:
    """The queue's work for events: one signed POST to the billing system."""

    async def post(event: OutboundEvent) -> None:
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
        try:
            answer = await client.post(url, content=body, headers=headers)
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            raise SendError(f"{exc.__class__.__name__}: {exc}"[:500]) from exc

    return post


async def deliver_due(
    url: str,
    secret: str,
    *,
    now: datetime | None = None,
    client: httpx.AsyncClient | None = None,
    limit: int = 100,
) -> tuple[int, int]:
    """Send the events whose time has come; returns (sent, failed attempts)."""
    if client is None:
        async with httpx.AsyncClient(timeout=10) as own:
            return await deliver_due(url, secret, now=now, client=own, limit=limit)
    tally = await retry_queue.run_due(QUEUE, poster(url, secret, client), now=now, limit=limit)
    return tally.sent, tally.failed
