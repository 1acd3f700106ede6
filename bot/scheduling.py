"""The leader's scheduler: one instance runs all due work, APScheduler wakes it.

What is due is always decided from the database (``checkins.run_due``, ``reminders.run_due``,
``advisories.queue_cancel_notices``). APScheduler only decides *when* to ask: one cron job per
(check-in schedule, time zone), rebuilt from the schedules table at start and whenever the
table changes, a periodic check-in tick for reminders and overdue lists, and a periodic
advisory tick for acknowledgement reminders, escalations and late cancellation notices. The
first ticks after taking over catch up, once, on what was missed while no instance ran.

With PostgreSQL, instances elect the one that runs it with an advisory lock held on a
connection of its own: when the holder dies its connection closes, the lock goes with it,
and a standby takes over at its next try (``leader_retry_s``). SQLite serves one instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import advisories, checkins
from bot.advisories import reminders
from bot.db.models import utcnow
from bot.runtime import Runtime
from bot.supervision import supervise

log = logging.getLogger(__name__)


class LeaderLock:
    """Leadership among instances sharing one database."""

    def __init__(self, engine: AsyncEngine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None
        self._postgres = engine.dialect.name == "postgresql"
        self._sqlite_held = False

    async def try_acquire(self) -> bool:
        if not self._postgres:
            self._sqlite_held = True  # one instance per SQLite file: it leads
            return True
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        try:
            # Autocommit: a session-level lock, without a transaction left open for hours.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def still_held(self) -> bool:
        """False once the lock's connection is gone: another instance may lead by now."""
        if not self._postgres:
            return self._sqlite_held
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
            return True
        except Exception:
            log.warning("scheduler lock connection lost; standing down")
            await self._drop()
            return False

    async def release(self) -> None:
        self._sqlite_held = False
        if self._connection is None:
            return
        with contextlib.suppress(Exception):
            await self._connection.scalar(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
            )
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


async def run_advisory_due(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Advisory reminders and escalations that are due, and the cancellation notices for
    copies recorded after their advisory's cancellation that no one queued yet (a crash
    between the worker's record and its call); returns how many messages were queued."""
    now = now or utcnow()
    async with runtime.transaction() as session:
        queued = await reminders.run_due(
            session,
            now=now,
            intervals_min=runtime.settings.advisories.reminder_minutes,
            translator=runtime.translator,
        )
        queued += await advisories.queue_cancel_notices(
            session, translator=runtime.translator, now=now
        )
    return queued


class Scheduler:
    def __init__(self, runtime: Runtime, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._runtime = runtime
        self._settings = runtime.settings.checkins
        self._clock = clock
        self.lock = LeaderLock(runtime.engine, self._settings.leader_lock_id)
        self._scheduler: AsyncIOScheduler | None = None
        self._signature: tuple = ()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._tick_lock = asyncio.Lock()
        self.rounds_of_election = 0  # times this instance checked or sought leadership

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs()) if self._scheduler else []

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id) if self._scheduler else None
        return job.next_run_time if job else None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(
            supervise("checkin-scheduler", self._run, self._runtime.health),
            name="checkin-scheduler",
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        retry = self._settings.leader_retry_s
        while not self._stop.is_set():
            try:
                if not self.leading:
                    if await self.lock.try_acquire():
                        await self._lead()
                elif not await self.lock.still_held():
                    self._stand_down()
                else:
                    await self._resync()
            except Exception:
                log.exception("check-in scheduler step failed")
            self.rounds_of_election += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), retry)
        self._stand_down()
        await self.lock.release()

    async def _lead(self) -> None:
        log.info("this instance runs the check-in scheduler")
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self._settings.tick_s),
            id="checkin:tick",
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.add_job(
            self.advisory_tick,
            IntervalTrigger(seconds=self._runtime.settings.advisories.check_interval_s),
            id="advisories:tick",
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        await self._resync(force=True)
        # Catch up, once, on what was missed while nobody led.
        await self.tick()
        await self.advisory_tick()

    def _stand_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            self._signature = ()

    async def _resync(self, *, force: bool = False) -> None:
        """One cron job per (schedule, time zone), named ``checkin:<id>:<zone>``."""
        async with self._runtime.transaction() as session:
            schedules = await checkins.active_schedules(session)
        signature = tuple((s.id, s.cron, tuple(s.provinces), s.updated_at) for s in schedules)
        if (signature == self._signature and not force) or self._scheduler is None:
            return
        self._signature = signature
        for job in self._scheduler.get_jobs():
            if job.id not in ("checkin:tick", "advisories:tick"):
                job.remove()
        for schedule in schedules:
            for zone in checkins.zones_of(schedule.provinces):
                try:
                    trigger = checkins.cron_trigger(schedule.cron, zone)
                except Exception:
                    log.error("schedule #%s has an invalid cron %r", schedule.id, schedule.cron)
                    continue
                self._scheduler.add_job(
                    self.tick,
                    trigger,
                    id=f"checkin:{schedule.id}:{zone}",
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=60,
                )

    async def advisory_tick(self) -> int:
        try:
            queued = await run_advisory_due(self._runtime, now=self._clock())
        except Exception as exc:
            self._runtime.health.ran("advisory-tick", exc)
            log.exception("advisory tick failed")
            return 0
        self._runtime.health.ran("advisory-tick")
        return queued

    async def tick(self) -> checkins.Due:
        """Everything due now: rounds, reminders, overdue lists."""
        async with self._tick_lock:  # a cron job and the periodic tick may fire together
            runtime = self._runtime
            try:
                async with runtime.transaction() as session:
                    due = await checkins.run_due(
                        session,
                        now=self._clock(),
                        translator=runtime.translator,
                        known_sectors=runtime.rules.sectors,
                        reminder_before=timedelta(minutes=self._settings.reminder_before_minutes),
                    )
            except Exception as exc:
                # APScheduler logs it too; the health flag shows it until a tick succeeds.
                runtime.health.ran("checkin-tick", exc)
                raise
            runtime.health.ran("checkin-tick")
            for created in due.rounds:
                log.info(
                    "check-in round #%s started for %s sites%s",
                    created.round.id,
                    created.sites,
                    " (catch-up)" if created.round.catch_up else "",
                )
            return due
