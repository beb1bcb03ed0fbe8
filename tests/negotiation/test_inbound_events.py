"""Inbound webhook events: recorded once by the provider's id, handled from the record, a
failed handling kept and tried again (by a redelivery at once, by the jobs after a growing
pause, up to the last try), a done one answered the same without being handled again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import InboundEvent, InboundSource, InboundStatus, clock
from negotiation import inbound_events
from negotiation.errors import InvalidInput

SMS = InboundSource.SMS


class Handling:
    """A handler that fails its first `failures` calls and counts every call."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[dict] = []

    async def __call__(self, event: InboundEvent) -> dict:
        self.calls.append(event.payload)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"falha {len(self.calls)}")
        return {"reply": f"ok {event.payload['Body']}"}


async def test_recorded_once_handled_once_and_a_redelivery_gets_the_same_answer(db):
    handle = Handling()
    first = await inbound_events.receive(SMS, "SM1", {"Body": "SAIR"}, handle)
    again = await inbound_events.receive(SMS, "SM1", {"Body": "outro"}, handle)
    assert first.handled and not first.duplicate and first.result == {"reply": "ok SAIR"}
    assert again.handled and again.duplicate and again.result == {"reply": "ok SAIR"}
    assert handle.calls == [{"Body": "SAIR"}]
    [event] = await InboundEvent.all()
    assert (event.status, event.attempts, event.locked_until) == (InboundStatus.DONE, 1, None)
    # The same id from another source is another event.
    other = await inbound_events.receive(InboundSource.SMS_STATUS, "SM1", {"Body": "x"}, handle)
    assert other.handled and not other.duplicate and await InboundEvent.all().count() == 2


async def test_a_failed_handling_is_kept_and_a_redelivery_handles_it(db):
    handle = Handling(failures=1)
    now = clock.now()
    first = await inbound_events.receive(SMS, "SM2", {"Body": "SAIR"}, handle, now=now)
    assert not first.handled
    event = await InboundEvent.get(provider_id="SM2")
    assert event.status == InboundStatus.PENDING and event.attempts == 1
    assert event.last_error == "RuntimeError: falha 1" and event.locked_until is None
    assert event.next_attempt_at == now + timedelta(minutes=1)

    again = await inbound_events.receive(SMS, "SM2", {"Body": "SAIR"}, handle)
    assert again.handled and not again.duplicate and again.result == {"reply": "ok SAIR"}
    third = await inbound_events.receive(SMS, "SM2", {"Body": "SAIR"}, handle)
    assert third.duplicate and len(handle.calls) == 2


async def test_the_jobs_retry_with_a_growing_pause_then_give_up(db):
    handle = Handling(failures=99)
    start = clock.now()
    await inbound_events.receive(SMS, "SM3", {"Body": "x"}, handle, now=start)
    pauses = []
    for _ in range(inbound_events.MAX_ATTEMPTS - 1):
        event = await InboundEvent.get(provider_id="SM3")
        pauses.append(event.next_attempt_at - start)
        # Not due a moment before its time; due at it.
        tally = await inbound_events.run_due(
            {SMS: handle}, now=event.next_attempt_at - timedelta(seconds=1)
        )
        assert tally.tried == 0
        tally = await inbound_events.run_due({SMS: handle}, now=event.next_attempt_at)
        assert (tally.done, tally.failed) == (0, 1)
        start = event.next_attempt_at
    assert [p.total_seconds() / 60 for p in pauses] == [1, 2, 4, 8, 16, 32, 60]
    event = await InboundEvent.get(provider_id="SM3")
    assert event.status == InboundStatus.FAILED and event.attempts == inbound_events.MAX_ATTEMPTS
    assert await inbound_events.run_due({SMS: handle}, now=start + timedelta(days=1)) == (
        inbound_events.Tally()
    )
    assert len(handle.calls) == inbound_events.MAX_ATTEMPTS


async def test_the_jobs_handle_only_sources_they_have_a_handler_for(db):
    await inbound_events.receive(SMS, "SM4", {"Body": "a"}, Handling(failures=1))
    await inbound_events.receive(InboundSource.TELEGRAM, "7", {"Body": "b"}, Handling(failures=1))
    later = clock.now() + timedelta(minutes=5)
    handle = Handling()
    tally = await inbound_events.run_due({SMS: handle}, now=later)
    assert tally.done == 1 and handle.calls == [{"Body": "a"}]
    telegram = await InboundEvent.get(source=InboundSource.TELEGRAM)
    assert telegram.status == InboundStatus.PENDING


async def test_a_redelivery_while_another_handles_it_does_not_handle_it_twice(db):
    inner = []

    async def handle(event: InboundEvent) -> dict:
        # Twilio's redelivery arrives while the first request is still handling the message.
        inner.append(await inbound_events.receive(SMS, "SM5", {"Body": "y"}, handle))
        return {"reply": "uma vez"}

    outcome = await inbound_events.receive(SMS, "SM5", {"Body": "y"}, handle)
    assert outcome.handled and outcome.result == {"reply": "uma vez"}
    assert len(inner) == 1 and inner[0].busy and not inner[0].handled


@pytest.mark.parametrize("parts", [(), ("",), ("x" * 201,)])
def test_a_missing_or_oversized_provider_id_is_refused(parts):
    with pytest.raises(InvalidInput):
        inbound_events.provider_id(*parts)


def test_provider_id_joins_its_parts_skipping_missing_ones():
    assert inbound_events.provider_id("CA1", "completed", "3") == "CA1:completed:3"
    assert inbound_events.provider_id("CA1", "completed", None) == "CA1:completed"


async def test_done_events_are_forgotten_after_a_month_failed_ones_kept(db):
    now = clock.now()
    await inbound_events.receive(SMS, "SM6", {"Body": "a"}, Handling(), now=now)
    await inbound_events.receive(SMS, "SM7", {"Body": "b"}, Handling(failures=1), now=now)
    assert await inbound_events.prune(now + timedelta(days=29)) == 0
    assert await inbound_events.prune(now + timedelta(days=31)) == 1
    assert await InboundEvent.all().values_list("provider_id", flat=True) == ["SM7"]
