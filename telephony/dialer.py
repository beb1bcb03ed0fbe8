"""The robot dialer: places the calls of the due robot-call entries through Twilio.

One loop per process (`run`, or `run_forever` inside `quita serve`):

1. count the robot calls still live (outbound, not in a final status, created in the last
   `LIVE_HOURS`) against `QUITA_TWILIO_MAX_IN_PROGRESS`;
2. lease that many due entries at most (`negotiation.dialer_queue.lease_due`: atomic across
   processes, calling window, holidays, budget, debt and opt-outs re-checked);
3. prepare each one with `start_call` (the Call row, the attempt counted; the contact rules
   checked again with the debtor's row locked), a batch ahead of the pacer;
4. at each pacing slot, Twilio's `calls.create_async` with the status callback and
   asynchronous answering-machine detection; the SID is stored on the call. A Twilio error
   fails the call, which reschedules the entry like any failed call
   (`negotiation.call_outcomes.apply_failure`).

Pacing is process-wide: call i starts at t0 + i / cps on a monotonic clock (a token bucket of
one token), so `QUITA_TWILIO_CPS` holds across batches; after an idle spell the schedule
restarts instead of bursting. Several processes each pace themselves: run N dialers at
cps / N each to stay under the account's limit.

In the sandbox (QUITA_SANDBOX) no call reaches Twilio: each placed call is kept in the
console's outbox with a stand-in CallSid and rings for `SANDBOX_RING` (`quita phone --answer`
can pick it up, sending Twilio's status callbacks); then it ends as not answered, as Twilio
would report it, and its entry is rescheduled.

Calls whose placement never finished (the process died between the Call row and Twilio's
answer) are failed after the lease time, and live calls whose final callback never came are
failed after `LIVE_HOURS`, so their entries are retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from models import Call, clock
from models.enums import FINAL_CALL_STATUSES, CallDirection, CallStatus
from negotiation import sandbox
from negotiation.call_outcomes import apply_failure, apply_status
from negotiation.dialer_queue import (
    DEFAULT_LEASE,
    LIVE_HOURS,
    due_entries,
    lease_due,
    live_calls,
    start_call,
)
from quita.settings import Settings
from telephony.twilio_client import build_client, close_client

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # pause when nothing is due or every line is busy
PREPARE_CONCURRENCY = 4  # Call rows prepared at once (each is a short transaction)
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
SANDBOX_RING = timedelta(minutes=10)  # time to pick up a sandbox call with `quita phone`


class DialerNotConfigured(RuntimeError):
    """A setting the dialer needs is missing."""


def check_settings(settings: Settings) -> None:
    """Raises DialerNotConfigured naming the first missing setting."""
    for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number"):
        if not getattr(settings, name):
            raise DialerNotConfigured(f"QUITA_{name.upper()} is not set")
    if not settings.public_base_url.startswith(("http://", "https://")):
        raise DialerNotConfigured("QUITA_PUBLIC_BASE_URL must be an http(s) URL")


def _now() -> datetime:
    return clock.now()


@dataclass
class Pacer:
    """Call i at t0 + i / cps (monotonic); restarts the schedule after an idle spell."""

    cps: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _next: float | None = field(default=None, init=False)

    async def wait(self) -> float:
        """Waits for the next slot and returns it."""
        now = self.clock()
        interval = 1.0 / self.cps
        slot = now if self._next is None or self._next < now - interval else self._next
        self._next = slot + interval
        if slot > now:
            await self.sleep(slot - now)
        return slot


@dataclass
class Dialer:
    settings: Settings
    worker: str = "dialer"
    now: Callable[[], datetime] = _now
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    lease: timedelta = DEFAULT_LEASE
    client: Client | None = None
    dialed: int = 0
    pacer: Pacer = field(init=False)

    def __post_init__(self) -> None:
        self.pacer = Pacer(self.settings.twilio_cps, self.clock, self.sleep)
        base = self.settings.public_base_url.rstrip("/")
        self.answer_url = f"{base}/twilio/voice"
        self.status_url = f"{base}/twilio/voice/status"
        self.amd_url = f"{base}/twilio/voice/amd"

    async def live_calls(self) -> int:
        return await live_calls().count()

    async def recover(self) -> int:
        """Fails the calls that were never placed or never ended (see the module doc)."""
        wall = clock.now()
        stale = await Call.filter(
            direction=CallDirection.OUTBOUND,
            status__not_in=list(FINAL_CALL_STATUSES),
            created_at__lt=wall - self.lease,
            sid__isnull=True,
        ).values_list("id", flat=True)
        lost = await Call.filter(
            direction=CallDirection.OUTBOUND,
            status__not_in=list(FINAL_CALL_STATUSES),
            created_at__lt=wall - timedelta(hours=LIVE_HOURS),
        ).values_list("id", flat=True)
        count = 0
        for call_id in {*stale, *lost}:
            count += await apply_failure(call_id, at=self.now(), settings=self.settings)
        if self.settings.sandbox:
            unanswered = await Call.filter(
                direction=CallDirection.OUTBOUND,
                status=CallStatus.QUEUED,  # no "answered" callback came from `quita phone`
                created_at__lt=wall - SANDBOX_RING,
                sid__isnull=False,
            ).values_list("sid", flat=True)
            for sid in unanswered:
                at = self.now()
                count += await apply_status(
                    sid, CallStatus.NO_ANSWER, at=at, settings=self.settings
                )
        return count

    def batch_size(self) -> int:
        # About two seconds of calls per lease: short enough that the lease never runs out
        # before the batch is dialled, long enough to keep the pacer busy.
        return max(1, math.ceil(self.settings.twilio_cps * 2))

    async def _wait(self, stop: asyncio.Event | None, seconds: float) -> None:
        if stop is None:
            await self.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    async def _produce(
        self, queue: asyncio.Queue, *, once: bool, stop: asyncio.Event | None
    ) -> None:
        """Leases batches into `queue` while the consumer dials; None at the end."""
        try:
            await self._lease_loop(queue, once=once, stop=stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            await queue.put(None)
            raise
        await queue.put(None)

    async def _lease_loop(
        self, queue: asyncio.Queue, *, once: bool, stop: asyncio.Event | None
    ) -> None:
        while stop is None or not stop.is_set():
            # Prepared calls waiting in the queue are Call rows already: live_calls counts them.
            free = self.settings.twilio_max_in_progress - await self.live_calls()
            if free <= 0:
                if once:
                    return
                await self._wait(stop, POLL_SECONDS)
                continue
            now = self.now()
            entries = await lease_due(
                now,
                self.settings,
                limit=min(free, self.batch_size()),
                lease=self.lease,
                worker=self.worker,
            )
            for call in await self._prepare(entries, now):
                if call is not None:
                    await queue.put(call)
            if entries or await (await due_entries(now, self.settings)).exists():
                continue  # refused entries were rescheduled: more may be due
            if once:
                return
            await self._wait(stop, POLL_SECONDS)
            await self.recover()

    async def _prepare(self, entries: list, now: datetime) -> list[Call | None]:
        """The Call rows of a leased batch (a few at a time), in the batch's order."""
        gate = asyncio.Semaphore(PREPARE_CONCURRENCY)

        async def one(entry) -> Call | None:
            async with gate:
                try:
                    return await start_call(entry, self.settings, now=now)
                except Exception:  # a database hiccup: the lease runs out, the entry returns
                    log.exception("entry %s: the call could not be started", entry.id)
                    return None

        return list(await asyncio.gather(*(one(entry) for entry in entries)))

    async def dial(self, call: Call) -> int:
        """Asks Twilio to place a prepared call. 1 when Twilio took it, else 0 (the call
        failed, its entry retries)."""
        if self.settings.sandbox:
            sid = await sandbox.record_call(call)
            await Call.filter(id=call.id, sid__isnull=True).update(sid=sid)
            self.dialed += 1
            return 1
        assert self.client is not None
        try:
            created = await self.client.calls.create_async(
                to=call.to_number,
                from_=call.from_number,
                url=self.answer_url,
                status_callback=self.status_url,
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                machine_detection="DetectMessageEnd",
                async_amd="true",  # a string in the API (True would be sent as "True")
                async_amd_status_callback=self.amd_url,
                async_amd_status_callback_method="POST",
                timeout=30,
            )
        except (TwilioException, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning("call %s of entry %s: Twilio refused it: %s", call.id, call.entry_id, error)
            await apply_failure(call.id, at=self.now(), settings=self.settings)
            return 0
        await Call.filter(id=call.id, sid__isnull=True).update(sid=created.sid)
        self.dialed += 1
        return 1

    async def run(self, *, once: bool = False, stop: asyncio.Event | None = None) -> int:
        """Dials until `stop` is set; with `once`, until nothing more can be dialled now.
        Returns how many calls Twilio took."""
        own_client = self.client is None and not self.settings.sandbox
        if own_client:
            self.client = build_client(self.settings)
        queue: asyncio.Queue = asyncio.Queue(maxsize=self.batch_size())
        dialing: set[asyncio.Task] = set()
        try:
            await self.recover()
            producer = asyncio.create_task(self._produce(queue, once=once, stop=stop))
            try:
                while (call := await queue.get()) is not None:
                    await self.pacer.wait()
                    task = asyncio.create_task(self.dial(call))
                    dialing.add(task)
                    task.add_done_callback(dialing.discard)
            finally:
                if dialing:
                    await asyncio.gather(*dialing)
                if not producer.done():
                    producer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await producer  # re-raises what stopped the producer
        finally:
            if own_client and self.client is not None:
                await close_client(self.client)
                self.client = None
        return self.dialed


async def run(
    settings: Settings,
    *,
    once: bool = False,
    stop: asyncio.Event | None = None,
    worker: str = "dialer",
    now: Callable[[], datetime] = _now,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    client: Client | None = None,
) -> int:
    """Runs a dialer (the database must be open). Returns how many calls it placed."""
    check_settings(settings)
    dialer = Dialer(settings, worker=worker, now=now, clock=clock, sleep=sleep, client=client)
    return await dialer.run(once=once, stop=stop)


async def run_forever(settings: Settings) -> None:
    """The dialer inside `quita serve` (the database already open): restarts after errors,
    ends when cancelled."""
    check_settings(settings)
    while True:
        try:
            await run(settings, worker="serve")
        except asyncio.CancelledError:
            raise
        except Exception:  # one bad batch must not stop the robot for good
            log.exception("the dialer failed; restarting in %s s", POLL_SECONDS)
            await asyncio.sleep(POLL_SECONDS)
