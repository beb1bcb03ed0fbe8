"""What the background jobs repair each round: rule runs a dead process left running, and
calls whose final status never came (asked of Twilio, or closed)."""

from __future__ import annotations

import logging

from negotiation.stale_runs import fail_stale_runs
from quita.settings import Settings
from telephony.call_lookup import sweep_stale_calls

log = logging.getLogger("quita.jobs")


async def recover(settings: Settings) -> None:
    await fail_stale_runs()  # logs the runs it fails
    report = await sweep_stale_calls(settings)
    if report:
        log.info(
            "calls without a final status: %d applied from Twilio, %d closed as failed,"
            " %d still live, %d waiting for Twilio",
            report.applied,
            report.closed,
            report.live,
            report.waiting,
        )
