"""Recurring check-in schedules: add one (its cron checked in every zone it reaches), list
the active ones, remove one. When a schedule's round is due is decided in ``due``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins.cron import cron_trigger, zones_of
from bot.checkins.rounds import DEADLINE_HOURS, check_audience
from bot.db.models import CheckinSchedule
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import NotFound, ServiceError

NAME_MAX = 80


async def add_schedule(
    session: AsyncSession,
    *,
    name: str,
    cron: str,
    sectors: Sequence[str],
    provinces: Sequence[str],
    deadline_hours: int,
    known_sectors: Sequence[str],
    actor: Actor,
) -> CheckinSchedule:
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise ServiceError("checkin-error-name", max=NAME_MAX)
    for zone in zones_of(provinces):
        cron_trigger(cron, zone)
    check_audience(sectors, provinces, known_sectors)
    if not DEADLINE_HOURS[0] <= deadline_hours <= DEADLINE_HOURS[1]:
        raise ServiceError("checkin-error-deadline", low=DEADLINE_HOURS[0], high=DEADLINE_HOURS[1])
    schedule = CheckinSchedule(
        name=name,
        cron=" ".join(cron.split()),
        sectors=sorted(set(sectors)),
        provinces=sorted(set(provinces)),
        deadline_hours=deadline_hours,
        created_by=actor.label or f"member:{actor.member_id}",
    )
    session.add(schedule)
    await session.flush()
    await audit.record(
        session,
        action="checkin_schedule_add",
        actor=actor,
        details={"schedule_id": schedule.id, "cron": schedule.cron, "name": name},
    )
    return schedule


async def active_schedules(session: AsyncSession) -> list[CheckinSchedule]:
    result = await session.scalars(
        select(CheckinSchedule).where(CheckinSchedule.active.is_(True)).order_by(CheckinSchedule.id)
    )
    return list(result)


async def remove_schedule(session: AsyncSession, *, schedule_id: int, actor: Actor) -> None:
    """Deactivate (rounds it made keep referring to it)."""
    schedule = await session.get(CheckinSchedule, schedule_id)
    if schedule is None or not schedule.active:
        raise NotFound("checkin-error-schedule-not-found", number=str(schedule_id))
    schedule.active = False
    await audit.record(
        session, action="checkin_schedule_remove", actor=actor, details={"schedule_id": schedule_id}
    )
