"""What is due at ``now``: the rounds of the schedules whose time has come, the reminders
before a round's deadline and, after it, each coordinator's list of overdue sites.

Everything is derived from rows. ``run_due`` asks the database what is due at ``now`` and
claims it atomically, so it can run on a timer, from an APScheduler cron job, after a
restart or (by mistake) in two instances at once, and each round, reminder and escalation
still happens once. A round of a schedule is identified by (schedule, time zone, scheduled
time); a unique index makes its creation happen once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins.cron import cron_trigger, latest_slot, zones_of
from bot.checkins.rounds import RoundCreated, start_round
from bot.checkins.schedules import active_schedules
from bot.checkins.text import overdue_text, reminder_text
from bot.db.models import (
    CheckinRound,
    CheckinSchedule,
    Delivery,
    Member,
    MemberStatus,
    Site,
    SiteCheckin,
    SiteCheckinStatus,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Translator
from bot.services import members

# Below every advisory (0-36) and advisory reminder (40): check-ins are routine traffic.
PRIORITY_OVERDUE = Priority.CHECKIN_OVERDUE
PRIORITY_REMINDER = Priority.CHECKIN_REMINDER
# A slot found more than this after its time was missed (the bot was down): a catch-up round.
CATCH_UP_AFTER = timedelta(minutes=5)
OVERDUE_LISTED_MAX = 40


@dataclass(slots=True)
class Due:
    rounds: list[RoundCreated] = field(default_factory=list)
    reminders: int = 0
    escalations: int = 0

    @property
    def queued(self) -> int:
        return sum(r.sites for r in self.rounds) + self.reminders + self.escalations


async def run_due(
    session: AsyncSession,
    *,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> Due:
    """Create the rounds whose time has come, send due reminders and escalations."""
    due = Due()
    for schedule in await active_schedules(session):
        for zone, provinces in zones_of(schedule.provinces).items():
            created = await _due_round(
                session, schedule, zone, provinces, now, translator, known_sectors, reminder_before
            )
            if created is not None:
                due.rounds.append(created)
    due.reminders = await _remind(session, now, translator)
    due.escalations = await _escalate(session, now, translator)
    return due


async def _due_round(
    session: AsyncSession,
    schedule: CheckinSchedule,
    zone: str,
    provinces: list[str],
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> RoundCreated | None:
    last = await session.scalar(
        select(func.max(CheckinRound.scheduled_at)).where(
            CheckinRound.schedule_id == schedule.id, CheckinRound.zone == zone
        )
    )
    # Never before the schedule existed: a new weekly schedule does not start with last week.
    after = max(last, schedule.created_at) if last is not None else schedule.created_at
    slot = latest_slot(cron_trigger(schedule.cron, zone), after, now)
    if slot is None:
        return None
    catch_up = now - slot > CATCH_UP_AFTER
    deadline = slot + timedelta(hours=schedule.deadline_hours)
    if catch_up:
        # Caught up after downtime: operators still get the schedule's full time to answer.
        deadline = max(deadline, now + timedelta(hours=schedule.deadline_hours))
    return await start_round(
        session,
        sectors=schedule.sectors,
        provinces=provinces,
        scheduled_at=slot,
        deadline_at=deadline,
        now=now,
        translator=translator,
        known_sectors=known_sectors,
        reminder_before=reminder_before,
        schedule_id=schedule.id,
        zone=zone,
        catch_up=catch_up,
    )


async def _open_checkins(session: AsyncSession, round_id: int):
    result = await session.execute(
        select(SiteCheckin, Site, Member)
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(
            SiteCheckin.round_id == round_id,
            SiteCheckin.status == SiteCheckinStatus.OPEN,
            Site.active.is_(True),
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(SiteCheckin.province, SiteCheckin.id)
    )
    return [tuple(row) for row in result.all()]


async def _remind(session: AsyncSession, now: datetime, translator: Translator) -> int:
    rounds = await session.scalars(
        select(CheckinRound).where(
            CheckinRound.reminded_at.is_(None),
            CheckinRound.reminder_at <= now,
            CheckinRound.deadline_at > now,
        )
    )
    queued = 0
    for checkin_round in list(rounds):
        claimed = await session.scalar(
            update(CheckinRound)
            .where(CheckinRound.id == checkin_round.id, CheckinRound.reminded_at.is_(None))
            .values(reminded_at=now)
            .returning(CheckinRound.id)
        )
        if claimed is None:
            continue  # another instance sent them
        open_ = await _open_checkins(session, checkin_round.id)
        messages = await _checklist_messages(session, [sc.id for sc, _, _ in open_])
        rows = [
            Outgoing(
                kind=Kind.CHECKIN_REMINDER,
                member_id=member.id,
                chat_id=member.telegram_user_id,
                text=reminder_text(translator, member.language, site, checkin_round),
                priority=PRIORITY_REMINDER,
                site_checkin_id=sc.id,
                reply_to_message_id=messages.get(sc.id),
            )
            for sc, site, member in open_
            if member.telegram_user_id is not None
        ]
        if rows:
            await enqueue(session, rows, now=now)
        queued += len(rows)
    return queued


async def _checklist_messages(session: AsyncSession, sc_ids: list[int]) -> dict[int, int]:
    if not sc_ids:
        return {}
    rows = await session.execute(
        select(Delivery.site_checkin_id, Delivery.message_id).where(
            Delivery.site_checkin_id.in_(sc_ids),
            Delivery.kind == "checkin",
            Delivery.message_id.is_not(None),
        )
    )
    found: dict[int, int] = {}
    for sc_id, message_id in rows.all():
        assert sc_id is not None and message_id is not None  # both are filtered on above
        found[sc_id] = message_id
    return found


async def _escalate(session: AsyncSession, now: datetime, translator: Translator) -> int:
    """After the deadline, each coordinator gets the overdue sites they cover."""
    rounds = await session.scalars(
        select(CheckinRound).where(
            CheckinRound.escalated_at.is_(None), CheckinRound.deadline_at <= now
        )
    )
    queued = 0
    coordinators = None
    for checkin_round in list(rounds):
        claimed = await session.scalar(
            update(CheckinRound)
            .where(CheckinRound.id == checkin_round.id, CheckinRound.escalated_at.is_(None))
            .values(escalated_at=now)
            .returning(CheckinRound.id)
        )
        if claimed is None:
            continue
        overdue = await _open_checkins(session, checkin_round.id)
        if not overdue:
            continue
        if coordinators is None:
            coordinators = await members.active_coordinators(session)
        rows = []
        for coordinator in coordinators:
            theirs = [
                (site, member)
                for sc, site, member in overdue
                if coordinator.role == "coordinator"
                and coordinator.covers(sector=sc.sector, province=sc.province)
            ]
            if coordinator.role == "admin":
                # Admins hear of the sites no coordinator covers.
                theirs = [
                    (site, member)
                    for sc, site, member in overdue
                    if not any(
                        c.role == "coordinator" and c.covers(sector=sc.sector, province=sc.province)
                        for c in coordinators
                    )
                ]
            if not theirs or coordinator.telegram_user_id is None:
                continue
            text = overdue_text(
                translator, coordinator.language, checkin_round, theirs, OVERDUE_LISTED_MAX
            )
            rows.append(
                Outgoing(
                    kind=Kind.CHECKIN_OVERDUE,
                    member_id=coordinator.id,
                    chat_id=coordinator.telegram_user_id,
                    text=text,
                    priority=PRIORITY_OVERDUE,
                    protect_content=True,  # names the sites that slipped
                )
            )
        if rows:
            await enqueue(session, rows, now=now)
        queued += len(rows)
    return queued
