"""Billing-system webhooks: queued with the change, signed, retried with backoff, delivered."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models import OutboundEvent, Receivable
from models.enums import Channel, EventStatus, PaymentSource
from negotiation.accept import accept
from negotiation.events import MAX_ATTEMPTS, deliver_due
from negotiation.offers import offers_for_customer
from negotiation.reconcile import record_payment
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

SECRET = "billing-secret"


class _Billing(BaseHTTPRequestHandler):
    """A real HTTP server standing in for the ISP's billing system."""

    received: list[tuple[dict, bytes]] = []
    fail_next = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Billing.fail_next:
            _Billing.fail_next -= 1
            self.send_response(503)
        else:
            _Billing.received.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def billing():
    _Billing.received, _Billing.fail_next = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Billing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/quita-events"
    server.shutdown()


async def _agreement_paid():
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[0].quote
    agreement = await accept(
        quote, channel=Channel.TELEGRAM, today=date(2026, 11, 27), settings=SETTINGS
    )
    bill = await Receivable.get(agreement_id=agreement.id)
    await record_payment(
        bill.id,
        bill.amount,
        datetime(2026, 11, 30, tzinfo=UTC),
        PaymentSource.PIX,
        external_id="E1",
    )
    return agreement


async def test_events_are_queued_signed_and_delivered_in_order(each_db, billing):
    agreement = await _agreement_paid()
    kinds = await OutboundEvent.all().values_list("kind", flat=True)
    assert kinds == ["agreement.created", "installment.paid", "agreement.fulfilled"]

    assert await deliver_due(billing, SECRET) == (3, 0)
    assert [json.loads(b)["kind"] for _, b in _Billing.received] == kinds
    headers, body = _Billing.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Quita-Signature"] == expected
    data = json.loads(body)["data"]
    assert data["agreement_id"] == agreement.id and data["total"] == "91.71"
    assert await deliver_due(billing, SECRET) == (0, 0)  # nothing sent twice


async def test_failures_back_off_then_succeed_or_give_up(each_db, billing):
    await _agreement_paid()
    _Billing.fail_next = 3
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert await deliver_due(billing, SECRET, now=now) == (0, 3)
    event = await OutboundEvent.get(kind="agreement.created")
    assert event.attempts == 1 and event.next_attempt_at == now + timedelta(minutes=1)
    assert "503" in event.last_error
    assert await deliver_due(billing, SECRET, now=now) == (0, 0)  # not due yet
    assert await deliver_due(billing, SECRET, now=now + timedelta(minutes=1)) == (3, 0)

    stuck = await OutboundEvent.create(
        kind="x", payload={}, next_attempt_at=now, attempts=MAX_ATTEMPTS - 1
    )
    _Billing.fail_next = 1
    await deliver_due(billing, SECRET, now=now + timedelta(days=1))
    await stuck.refresh_from_db()
    assert stuck.status == EventStatus.FAILED
