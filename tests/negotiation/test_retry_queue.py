"""The one retry queue behind billing events and payment-instrument deliveries: leases that
keep instances apart, the backoff schedule, giving up, and what the queue does for events."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer

import pytest

from models import ContactAttempt, Delivery, OutboundEvent, clock
from models.clock import today_in
from models.enums import Channel, DeliveryStatus, EventStatus
from negotiation import delivery, events, ivr, retry_queue
from negotiation.accept import accept
from negotiation.errors import SendError
from negotiation.events import deliver_due
from negotiation.offers import offers_for_customer
from quita.settings import Settings
from tests.factories import SEED_OPTIONS, make_condition, make_customer, make_receivable
from tests.negotiation.test_events import _Billing  # the real HTTP stand-in for billing

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def billing_url():
    _Billing.received, _Billing.fail_next = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Billing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/quita-events"
    server.shutdown()


async def test_two_instances_post_each_billing_event_once(each_db, billing_url):
    for n in range(6):
        await OutboundEvent.create(kind=f"k{n}", payload={"n": n}, next_attempt_at=NOW)

    tallies = await asyncio.gather(*(deliver_due(billing_url, "s", now=NOW) for _ in range(2)))

    posted = sorted(json.loads(body)["id"] for _, body in _Billing.received)
    assert posted == sorted(await OutboundEvent.all().values_list("id", flat=True))
    assert sum(sent for sent, _ in tallies) == 6


async def _rows(n: int, at: datetime = NOW) -> list[int]:
    made = [
        await OutboundEvent.create(kind=f"k{i}", payload={}, next_attempt_at=at) for i in range(n)
    ]
    return [row.id for row in made]


async def _lease(now: datetime, limit: int) -> list[int]:
    queue = events.QUEUE
    rows = await retry_queue.lease(
        lambda: queue.due(now),
        column="next_attempt_at",
        until=queue.leased_until(now),
        limit=limit,
    )
    return [row.id for row in rows]


async def test_concurrent_workers_on_postgresql_take_disjoint_rows(pg_db):
    ids = await _rows(10)
    first, second = await asyncio.gather(_lease(NOW, 5), _lease(NOW, 5))
    assert not set(first) & set(second)
    # SKIP LOCKED: the second worker takes the next rows instead of waiting for the first
    # worker's rows and finding them gone.
    assert sorted(first + second) == ids
    assert await _lease(NOW, 5) == []


async def test_a_lapsed_lease_is_taken_again(each_db):
    [row_id] = await _rows(1)
    assert await _lease(NOW, 10) == [row_id]
    lease = events.QUEUE.lease
    assert await _lease(NOW + lease - timedelta(seconds=1), 10) == []  # still leased
    assert await _lease(NOW + lease, 10) == [row_id]  # the worker died: the row is due again


def test_each_kind_keeps_its_backoff_schedule():
    minutes = [events.QUEUE.backoff.after(n) / timedelta(minutes=1) for n in range(1, 11)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]
    sends = delivery.retries(Settings(database_url="sqlite://:memory:", secret_key="k" * 40))
    minutes = [sends.backoff.after(n) / timedelta(minutes=1) for n in range(1, 8)]
    assert minutes == [2, 4, 8, 16, 32, 64, 120]


async def _refuse(row) -> None:
    raise SendError(f"busy {row.attempts}")


async def test_failures_back_off_then_give_up_after_the_last_try_with_the_last_error(each_db):
    queue = replace(events.QUEUE, max_attempts=3)
    [row_id] = await _rows(1)
    now = NOW
    for attempt in (1, 2):
        assert await retry_queue.run_due(queue, _refuse, now=now) == retry_queue.Tally(0, 1)
        row = await OutboundEvent.get(id=row_id)
        assert (row.status, row.attempts) == (EventStatus.PENDING, attempt)
        assert row.next_attempt_at == now + queue.backoff.after(attempt)
        now = row.next_attempt_at
    assert await retry_queue.run_due(queue, _refuse, now=now) == retry_queue.Tally(0, 1)
    row = await OutboundEvent.get(id=row_id)
    assert (row.status, row.attempts, row.last_error) == (EventStatus.FAILED, 3, "busy 3")
    later = now + timedelta(days=30)
    assert await retry_queue.run_due(queue, _refuse, now=later) == retry_queue.Tally()


async def test_a_permanent_failure_gives_up_at_once_and_a_success_is_recorded(each_db):
    async def work(row):
        if row.kind == "k0":
            raise SendError("unknown address", permanent=True)

    await _rows(2)
    assert await retry_queue.run_due(events.QUEUE, work, now=NOW) == retry_queue.Tally(1, 1)
    refused, went = await OutboundEvent.all().order_by("id")
    assert (refused.status, refused.attempts, refused.last_error) == (
        EventStatus.FAILED,
        1,
        "unknown address",
    )
    assert (went.status, went.sent_at, went.last_error) == (EventStatus.SENT, NOW, None)


async def test_an_unexpected_error_is_kept_on_its_row_and_the_others_still_go(each_db):
    async def work(row):
        if row.kind == "k0":
            raise KeyError("payload")

    await _rows(2)
    assert await retry_queue.run_due(events.QUEUE, work, now=NOW) == retry_queue.Tally(1, 1)
    broken = await OutboundEvent.get(kind="k0")
    assert broken.status == EventStatus.PENDING and "payload" in broken.last_error


class _Provider:
    """The SMS provider's side of a `Sender`: answers in turn from `answers` (an exception is
    raised), keeping what it was given."""

    channel = "sms"

    def __init__(self, *answers):
        self.answers, self.sent = list(answers), []

    async def send(self, message) -> str:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.sent.append(message)
        return answer


async def _voice_agreement(settings: Settings):
    today = today_in(settings.timezone)
    customer = await make_customer(name="ANA LIMA")
    await make_receivable(customer, today - timedelta(days=30), "1234.56")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, today))[0].quote
    agreement = await accept(quote, channel=Channel.VOICE, today=today, settings=settings)
    return agreement, customer


async def test_the_agreement_sms_is_retried_on_the_queue_with_the_instruments_sms(db):
    settings = Settings(
        database_url=db, secret_key="k" * 40, public_base_url="https://quita.example"
    )
    agreement, customer = await _voice_agreement(settings)
    now = clock.now()
    clock.travel(now, tick=False)  # the retry time is exact
    provider = _Provider(SendError("503 busy"), "SM2")

    sms = await ivr.send_agreement_sms(agreement, customer, "+5519988887777", provider, settings)
    assert (sms.status, sms.attempts, sms.last_error) == (DeliveryStatus.PENDING, 1, "503 busy")
    assert sms.next_attempt_at == now + timedelta(minutes=2)

    senders = {"sms": provider}
    assert await delivery.deliver_due(senders=senders, settings=settings, now=now) == 0
    later = now + timedelta(minutes=2)
    assert await delivery.deliver_due(senders=senders, settings=settings, now=later) == 1
    sms = await Delivery.get(id=sms.id)
    assert (sms.status, sms.attempts, sms.external_id) == (DeliveryStatus.SENT, 2, "SM2")
    [message] = provider.sent
    assert message.recipient == "+5519988887777"
    # Sent after the robot's agreement: on the debtor's record as the robot's reply.
    [contact] = await ContactAttempt.filter(customer_id=customer.id).values(
        "channel", "actor", "direction"
    )
    assert contact == {"channel": "sms", "actor": "robot", "direction": "in"}


async def test_an_agreement_sms_the_provider_can_never_take_fails_at_once(db):
    settings = Settings(database_url=db, secret_key="k" * 40)
    agreement, customer = await _voice_agreement(settings)
    provider = _Provider(ValueError("not a mobile number"))
    sms = await ivr.send_agreement_sms(agreement, customer, "+551933334444", provider, settings)
    assert (sms.status, sms.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert sms.last_error == "not a mobile number"
    assert not await ContactAttempt.exists()  # nothing went: no contact
