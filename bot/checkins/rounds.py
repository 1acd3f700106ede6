"""Starting a round: who it reaches, a site check-in and a checklist message for each of
their sites; and the ad-hoc round a coordinator launches with ``/checkin``.

A round of a schedule is identified by (schedule, time zone, scheduled time); a unique index
makes its creation happen once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins import checklists
from bot.checkins.text import CheckinView, render
from bot.db.models import (
    CheckinRound,
    Member,
    MemberStatus,
    Site,
    SiteCheckin,
    SiteCheckinStatus,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Translator
from bot.reference import PROVINCES_BY_CODE
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, ServiceError

DEADLINE_HOURS = (1, 168)
# Below every advisory (0-36) and advisory reminder (40): check-ins are routine traffic.
PRIORITY_ROUND = Priority.CHECKIN_ROUND


def check_audience(
    sectors: Sequence[str], provinces: Sequence[str], known_sectors: Sequence[str]
) -> None:
    unknown = [s for s in sectors if s not in known_sectors]
    unknown += [p for p in provinces if p not in PROVINCES_BY_CODE]
    if unknown:
        raise ServiceError("checkin-error-audience", value=unknown[0])


@dataclass(slots=True)
class RoundCreated:
    round: CheckinRound
    sites: int


def _audience_filter(sectors: Sequence[str], provinces: Sequence[str]) -> list[Any]:
    conditions: list[Any] = [
        Site.active.is_(True),
        Member.status == MemberStatus.ACTIVE,
        Member.telegram_user_id.is_not(None),
    ]
    if sectors:
        conditions.append(Site.sector.in_(sectors))
    if provinces:
        conditions.append(Site.province.in_(provinces))
    return conditions


async def count_sites(session: AsyncSession, sectors: Sequence[str], provinces: Sequence[str]):
    return await session.scalar(
        select(func.count(Site.id))
        .join(Member, Member.id == Site.member_id)
        .where(*_audience_filter(sectors, provinces))
    )


async def start_round(
    session: AsyncSession,
    *,
    sectors: Sequence[str],
    provinces: Sequence[str],
    scheduled_at: datetime,
    deadline_at: datetime,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
    schedule_id: int | None = None,
    zone: str | None = None,
    catch_up: bool = False,
    created_by_id: int | None = None,
) -> RoundCreated | None:
    """Create a round and queue every site's checklist; None if this slot has its round.

    Set-based: the site check-ins are one INSERT ... SELECT per sector and the messages one
    executemany, so a round for ten thousand sites takes seconds, not minutes.
    """
    reminder_at = deadline_at - reminder_before
    checkin_round = CheckinRound(
        schedule_id=schedule_id,
        zone=zone,
        scheduled_at=scheduled_at,
        catch_up=catch_up,
        sectors=sorted(set(sectors)),
        provinces=sorted(set(provinces)),
        deadline_at=deadline_at,
        reminder_at=reminder_at if reminder_at > now else None,
        created_by_id=created_by_id,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(checkin_round)
            await session.flush()
    except IntegrityError:
        return None  # another instance (or an earlier try) created this slot's round
    sector_rows = await session.scalars(
        select(Site.sector)
        .join(Member, Member.id == Site.member_id)
        .where(*_audience_filter(sectors, provinces))
        .distinct()
    )
    lists = await checklists.current_for(session, list(sector_rows), known_sectors)
    for sector, checklist in lists.items():
        await session.execute(
            insert(SiteCheckin).from_select(
                [
                    "round_id",
                    "site_id",
                    "member_id",
                    "checklist_id",
                    "sector",
                    "province",
                    "status",
                    "cursor",
                    "late",
                ],
                select(
                    literal(checkin_round.id),
                    Site.id,
                    Site.member_id,
                    literal(checklist.id),
                    Site.sector,
                    Site.province,
                    literal(SiteCheckinStatus.OPEN.value),
                    literal(0),
                    literal(False),
                )
                .join(Member, Member.id == Site.member_id)
                .where(*_audience_filter([sector], provinces)),
            )
        )
    rows = await session.execute(
        select(
            SiteCheckin.id,
            SiteCheckin.checklist_id,
            SiteCheckin.sector,
            SiteCheckin.province,
            Site.name,
            Member.id,
            Member.telegram_user_id,
            Member.language,
        )
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(SiteCheckin.round_id == checkin_round.id)
    )
    deliveries = []
    by_id = {c.id: c for c in lists.values()}
    for sc_id, checklist_id, sector, province, site_name, member_id, chat_id, lang in rows.all():
        if chat_id is None:
            # They left since the INSERT above chose them (PostgreSQL reads each statement
            # afresh): nothing to send, and their site is no longer active.
            continue
        view = CheckinView(
            site_checkin_id=sc_id,
            site_name=site_name,
            sector=sector,
            province=province,
            deadline_at=deadline_at,
            items=by_id[checklist_id].items,
            answers={},
            cursor=0,
            submitted=False,
        )
        text, markup = render(translator, lang, view)
        deliveries.append(
            Outgoing(
                kind=Kind.CHECKIN,
                member_id=member_id,
                chat_id=chat_id,
                text=text,
                priority=PRIORITY_ROUND,
                site_checkin_id=sc_id,
                reply_markup=markup,
            )
        )
    if deliveries:
        await enqueue(session, deliveries, now=now)
    await audit.record(
        session,
        action="checkin_round",
        actor=Actor(created_by_id) if created_by_id else Actor.system("scheduler"),
        details={
            "round_id": checkin_round.id,
            "schedule_id": schedule_id,
            "zone": zone,
            "sites": len(deliveries),
            "catch_up": catch_up,
        },
    )
    return RoundCreated(checkin_round, len(deliveries))


def scope_of(
    coordinator: Member, sectors: Sequence[str], provinces: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The audience a coordinator may address: what they chose, within their scope ("all"
    means all of their scope). Raises NotAllowed for a choice outside it."""
    if coordinator.role != "admin":
        for chosen, scope in (
            (sectors, coordinator.scope_sectors),
            (provinces, coordinator.scope_provinces),
        ):
            if scope and any(value not in scope for value in chosen):
                raise NotAllowed("checkin-error-scope")
        sectors = list(sectors) or list(coordinator.scope_sectors)
        provinces = list(provinces) or list(coordinator.scope_provinces)
    return sorted(set(sectors)), sorted(set(provinces))


async def launch(
    session: AsyncSession,
    *,
    coordinator: Member,
    sectors: Sequence[str],
    provinces: Sequence[str],
    deadline_hours: int,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> RoundCreated:
    """An ad-hoc round (``/checkin``), for heightened threat."""
    if not coordinator.is_coordinator or coordinator.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    if not DEADLINE_HOURS[0] <= deadline_hours <= DEADLINE_HOURS[1]:
        raise ServiceError("checkin-error-deadline", low=DEADLINE_HOURS[0], high=DEADLINE_HOURS[1])
    check_audience(sectors, provinces, known_sectors)
    sectors, provinces = scope_of(coordinator, sectors, provinces)
    if not await count_sites(session, sectors, provinces):
        raise ServiceError("checkin-error-no-sites")
    created = await start_round(
        session,
        sectors=sectors,
        provinces=provinces,
        scheduled_at=now,
        deadline_at=now + timedelta(hours=deadline_hours),
        now=now,
        translator=translator,
        known_sectors=known_sectors,
        reminder_before=min(reminder_before, timedelta(hours=deadline_hours) / 2),
        created_by_id=coordinator.id,
    )
    assert created is not None  # ad-hoc rounds have no slot to collide on
    return created
