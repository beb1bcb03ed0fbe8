"""Rule runs left "running" by a process that died (a `kill -9`, a crash, a lost machine).

The process doing a run moves the run's `heartbeat_at` every HEARTBEAT_SECONDS while it works
(`Heartbeat`). A running run whose heartbeat (or, before the first beat, whose start) is
older than STALE_AFTER belongs to no living process: `fail_stale_runs` marks it failed, so
the console and the API stop showing it at 10 % forever and the rule can be run again. Runs
another instance is still doing keep beating and are left alone, so several instances may
sweep at once. The mark is one guarded UPDATE: a run that beats again in between is spared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from tortoise.expressions import Q

from models import RuleRun, clock
from models.enums import RunStatus

log = logging.getLogger("quita.rule_run")

HEARTBEAT_SECONDS = 30
# Far beyond a beat (a busy database may delay a few), short enough for an operator's wait.
STALE_AFTER = timedelta(minutes=10)
INTERRUPTED = "interrompida: o processo parou"


class Heartbeat:
    """Moves a run's heartbeat until stopped. Started outside the run's transaction, so on
    SQLite a beat waits for the transaction instead of joining it."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self._task: asyncio.Task | None = None

    @classmethod
    async def start(cls, run_id: int) -> Heartbeat:
        """The first beat is written before the run's work starts, the next ones by a task."""
        beat = cls(run_id)
        await beat._once()
        beat._task = asyncio.create_task(beat._beat())
        return beat

    async def _once(self) -> None:
        try:
            await RuleRun.filter(id=self.run_id, status=RunStatus.RUNNING).update(
                heartbeat_at=clock.now()
            )
        except Exception:  # a missed beat is not the run's failure; the next one may land
            log.warning("rule run %s: heartbeat not recorded", self.run_id, exc_info=True)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self._once()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def _stale(cutoff) -> Q:
    return Q(status=RunStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


async def fail_stale_runs() -> list[int]:
    """Mark failed every running run no living process has moved for STALE_AFTER; returns
    their ids (logged as a warning)."""
    now = clock.now()
    cutoff = now - STALE_AFTER
    stale = await RuleRun.filter(_stale(cutoff)).values_list("id", flat=True)
    failed = []
    for run_id in stale:
        run = await RuleRun.get(id=run_id)
        line = f"Erro: {INTERRUPTED}; nenhuma entrada foi gravada"
        text = "\n".join(part for part in (run.log, line) if part)
        # Guarded again: a run that beat since the SELECT is alive after all.
        marked = await RuleRun.filter(_stale(cutoff), id=run_id).update(
            status=RunStatus.FAILED, error=INTERRUPTED, log=text, finished_at=now
        )
        if marked:
            failed.append(run_id)
    if failed:
        log.warning(
            "rule runs %s were left running by a process that stopped; marked failed",
            ", ".join(map(str, failed)),
        )
    return failed
