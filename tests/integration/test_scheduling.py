"""The check-in scheduler: APScheduler jobs rebuilt from the schedules table, one catch-up,
and (PostgreSQL) one leader among instances, replaced when it dies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import checkins
from bot.db.models import CheckinRound
from bot.db.session import transaction
from bot.reference import WIB, WITA
from bot.runtime import Runtime
from bot.scheduling import Scheduler
from bot.services.audit import Actor
from tests.conftest import PG_URL, make_member, make_settings, wait_until

SECTORS = make_settings("sqlite://").bot.sectors


async def add_schedule(sessionmaker, cron: str, provinces: list[str], created: datetime) -> int:
    async with transaction(sessionmaker) as session:
        schedule = await checkins.add_schedule(
            session,
            name="test",
            cron=cron,
            sectors=[],
            provinces=provinces,
            deadline_hours=24,
            known_sectors=SECTORS,
            actor=Actor.system("test"),
        )
        schedule.created_at = created
        return schedule.id


def instance(database_url: str, now: datetime) -> tuple[Runtime, Scheduler]:
    settings = make_settings(database_url, checkins={"leader_retry_s": 0.2, "tick_s": 3600})
    runtime = Runtime.from_settings(settings)
    return runtime, Scheduler(runtime, clock=lambda: now)


async def rounds(sessionmaker) -> list[CheckinRound]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(CheckinRound).order_by(CheckinRound.id)))


async def test_jobs_follow_the_schedules_and_missed_slots_are_caught_up_once(
    database_url: str, sessionmaker
) -> None:
    await make_member(sessionmaker, 1, sites=[("mall", "JK")])
    week_ago = datetime.now(UTC) - timedelta(days=7)
    first = await add_schedule(sessionmaker, "0 8 * * *", ["JK"], week_ago)
    runtime, scheduler = instance(database_url, datetime.now(UTC))
    await scheduler.start()
    try:
        await wait_until(lambda: scheduler.leading)
        # Seven daily slots were missed while nothing ran: one round, the latest.
        caught = await wait_until(lambda: rounds(sessionmaker))
        assert len(caught) == 1 and caught[0].catch_up
        assert caught[0].scheduled_at.astimezone(ZoneInfo(WIB)).hour == 8
        assert scheduler.job_ids() == ["advisories:tick", f"checkin:{first}:{WIB}", "checkin:tick"]
        fire = scheduler.next_run(f"checkin:{first}:{WIB}")
        assert (fire.astimezone(ZoneInfo(WIB)).hour, fire.minute) == (8, 0)
        # A schedule added while running gets its jobs at the next resync.
        second = await add_schedule(sessionmaker, "30 7 * * 1", ["BA", "JK"], datetime.now(UTC))
        jobs = [f"checkin:{first}:{WIB}", f"checkin:{second}:{WIB}", f"checkin:{second}:{WITA}"]
        expected = sorted([*jobs, "checkin:tick", "advisories:tick"])
        await wait_until(lambda: scheduler.job_ids() == expected)
        fire = scheduler.next_run(f"checkin:{second}:{WITA}").astimezone(ZoneInfo(WITA))
        assert (fire.weekday(), fire.hour, fire.minute) == (0, 7, 30)
        # A tick finds nothing more to create: the slot has its round.
        assert (await scheduler.tick()).rounds == []
    finally:
        await scheduler.stop()
        await runtime.engine.dispose()
    assert len(await rounds(sessionmaker)) == 1


@pytest.mark.skipif(not PG_URL, reason="leader election uses PostgreSQL advisory locks")
async def test_one_instance_leads_and_another_takes_over_when_it_dies(
    database_url: str, sessionmaker
) -> None:
    now = datetime.now(UTC)
    first_runtime, first = instance(database_url, now)
    second_runtime, second = instance(database_url, now)
    await first.start()
    try:
        await wait_until(lambda: first.leading)
        await second.start()
        await wait_until(lambda: second.rounds_of_election >= 3)  # it tried, and lost
        assert not second.leading
        # The leader's process dies: its connection, and the lock with it, is gone.
        connection = first.lock._connection
        assert connection is not None
        await connection.invalidate()
        await wait_until(lambda: second.leading, 10)
        await wait_until(lambda: not first.leading, 10)  # the old leader noticed and stood down
    finally:
        await first.stop()
        await second.stop()
        await first_runtime.engine.dispose()
        await second_runtime.engine.dispose()
