"""Where protective measures slip: completion per sector and province, the items most often
answered No, overdue sites, one site's history, and a CSV export. Always within the asking
coordinator's scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CheckinAnswer,
    CheckinRound,
    ChecklistItem,
    Member,
    Role,
    Site,
    SiteCheckin,
    SiteCheckinStatus,
)
from bot.services.errors import NotAllowed, NotFound

TOP_NO = 5
OVERDUE_LISTED = 20
HISTORY = 10


@dataclass(slots=True)
class Rate:
    total: int = 0
    submitted: int = 0
    late: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0


@dataclass(slots=True)
class Summary:
    last_round: CheckinRound | None = None
    last_by_area: list[tuple[str, str, Rate]] = field(default_factory=list)
    weekly: list[tuple[date, Rate]] = field(default_factory=list)
    top_no: list[tuple[str, str, str, int, int]] = field(default_factory=list)  # key, id, en, no, n
    overdue: list[tuple[Site, Member, CheckinRound]] = field(default_factory=list)
    overdue_total: int = 0


def _scope(coordinator: Member) -> list[Any]:
    if not coordinator.is_coordinator:
        raise NotAllowed()
    if coordinator.role == Role.ADMIN:
        return []
    conditions = []
    if coordinator.scope_sectors:
        conditions.append(SiteCheckin.sector.in_(coordinator.scope_sectors))
    if coordinator.scope_provinces:
        conditions.append(SiteCheckin.province.in_(coordinator.scope_provinces))
    return conditions


def _week(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


async def summary(
    session: AsyncSession, *, coordinator: Member, now: datetime, weeks: int
) -> Summary:
    scope = _scope(coordinator)
    since = now - timedelta(weeks=weeks)
    result = Summary()
    result.last_round = await session.scalar(
        select(CheckinRound)
        .where(
            CheckinRound.id.in_(select(SiteCheckin.round_id).where(*scope)),
            CheckinRound.scheduled_at <= now,
        )
        .order_by(CheckinRound.scheduled_at.desc(), CheckinRound.id.desc())
        .limit(1)
    )
    counts = (
        func.count(SiteCheckin.id),
        func.count(SiteCheckin.submitted_at),
        func.sum(func.cast(SiteCheckin.late, Integer)),
    )
    if result.last_round is not None:
        rows = await session.execute(
            select(SiteCheckin.sector, SiteCheckin.province, *counts)
            .where(SiteCheckin.round_id == result.last_round.id, *scope)
            .group_by(SiteCheckin.sector, SiteCheckin.province)
            .order_by(SiteCheckin.sector, SiteCheckin.province)
        )
        result.last_by_area = [
            (sector, province, Rate(total, submitted, int(late or 0)))
            for sector, province, total, submitted, late in rows.all()
        ]
    rows = await session.execute(
        select(CheckinRound.scheduled_at, *counts)
        .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
        .where(CheckinRound.scheduled_at >= since, CheckinRound.scheduled_at <= now, *scope)
        .group_by(CheckinRound.scheduled_at)
    )
    weekly: dict[date, Rate] = defaultdict(Rate)
    for scheduled_at, total, submitted, late in rows.all():
        rate = weekly[_week(scheduled_at)]
        rate.total += total
        rate.submitted += submitted
        rate.late += int(late or 0)
    result.weekly = sorted(weekly.items())
    no_count = func.sum(func.cast(CheckinAnswer.answer == "no", Integer))
    rows = await session.execute(
        select(
            ChecklistItem.key,
            func.max(ChecklistItem.text_id),
            func.max(ChecklistItem.text_en),
            no_count,
            func.count(CheckinAnswer.id),
        )
        .join(ChecklistItem, ChecklistItem.id == CheckinAnswer.item_id)
        .join(SiteCheckin, SiteCheckin.id == CheckinAnswer.site_checkin_id)
        .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
        .where(CheckinRound.scheduled_at >= since, *scope)
        .group_by(ChecklistItem.key)
        .having(no_count > 0)
        .order_by(no_count.desc(), ChecklistItem.key)
        .limit(TOP_NO)
    )
    result.top_no = [(k, i, e, int(n), c) for k, i, e, n, c in rows.all()]
    overdue_where = and_(
        SiteCheckin.status == SiteCheckinStatus.OPEN,
        CheckinRound.deadline_at < now,
        CheckinRound.scheduled_at >= since,
        *scope,
    )
    result.overdue_total = (
        await session.scalar(
            select(func.count(SiteCheckin.id))
            .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
            .where(overdue_where)
        )
        or 0
    )
    rows = await session.execute(
        select(Site, Member, CheckinRound)
        .select_from(SiteCheckin)
        .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(overdue_where)
        .order_by(CheckinRound.deadline_at, SiteCheckin.province, Site.name)
        .limit(OVERDUE_LISTED)
    )
    result.overdue = [tuple(row) for row in rows.all()]
    return result


@dataclass(slots=True)
class SiteEntry:
    round: CheckinRound
    checkin: SiteCheckin
    no_items: list[tuple[ChecklistItem, str | None]]


async def site_history(
    session: AsyncSession, *, coordinator: Member, site_id: int, limit: int = HISTORY
) -> tuple[Site, list[SiteEntry]]:
    scope = _scope(coordinator)
    site = await session.get(Site, site_id)
    if site is None:
        raise NotFound("compliance-error-site", number=str(site_id))
    if coordinator.role != Role.ADMIN and not coordinator.covers(
        sector=site.sector, province=site.province
    ):
        raise NotAllowed("compliance-error-site-scope")
    rows = await session.execute(
        select(SiteCheckin, CheckinRound)
        .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
        .where(SiteCheckin.site_id == site_id, *scope)
        .order_by(CheckinRound.scheduled_at.desc(), CheckinRound.id.desc())
        .limit(limit)
    )
    entries = [SiteEntry(r, sc, []) for sc, r in rows.all()]
    if entries:
        by_sc = {e.checkin.id: e for e in entries}
        no_rows = await session.execute(
            select(CheckinAnswer.site_checkin_id, ChecklistItem, CheckinAnswer.note)
            .join(ChecklistItem, ChecklistItem.id == CheckinAnswer.item_id)
            .where(CheckinAnswer.site_checkin_id.in_(by_sc), CheckinAnswer.answer == "no")
            .order_by(ChecklistItem.position)
        )
        for sc_id, item, note in no_rows.all():
            by_sc[sc_id].no_items.append((item, note))
    return site, entries


EXPORT_COLUMNS = (
    "round_id",
    "scheduled_at_utc",
    "deadline_utc",
    "site_id",
    "site",
    "sector",
    "province",
    "member_id",
    "operator",
    "status",
    "submitted_at_utc",
    "late",
    "yes",
    "no",
    "not_applicable",
    "no_items",
)


async def export_rows(
    session: AsyncSession, *, coordinator: Member, now: datetime, weeks: int
) -> list[list[str]]:
    """One row per site per round in the window, for the coordinator's scope."""
    scope = _scope(coordinator)
    since = now - timedelta(weeks=weeks)
    rows = await session.execute(
        select(SiteCheckin, CheckinRound, Site, Member)
        .join(CheckinRound, CheckinRound.id == SiteCheckin.round_id)
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(CheckinRound.scheduled_at >= since, *scope)
        .order_by(CheckinRound.scheduled_at, SiteCheckin.id)
    )
    entries = rows.all()
    answers: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    ids = [sc.id for sc, *_ in entries]
    for chunk in range(0, len(ids), 500):
        answer_rows = await session.execute(
            select(CheckinAnswer.site_checkin_id, CheckinAnswer.answer, ChecklistItem.key)
            .join(ChecklistItem, ChecklistItem.id == CheckinAnswer.item_id)
            .where(CheckinAnswer.site_checkin_id.in_(ids[chunk : chunk + 500]))
        )
        for sc_id, answer, key in answer_rows.all():
            answers[sc_id][answer].append(key)
    out: list[list[str]] = []
    for sc, checkin_round, site, member in entries:
        given = answers.get(sc.id, {})
        out.append(
            [
                str(checkin_round.id),
                checkin_round.scheduled_at.isoformat(timespec="seconds"),
                checkin_round.deadline_at.isoformat(timespec="seconds"),
                str(site.id),
                site.name,
                sc.sector,
                sc.province,
                str(member.id),
                member.full_name or "",
                sc.status,
                sc.submitted_at.isoformat(timespec="seconds") if sc.submitted_at else "",
                "yes" if sc.late else "no",
                str(len(given.get("yes", []))),
                str(len(given.get("no", []))),
                str(len(given.get("na", []))),
                " ".join(sorted(given.get("no", []))),
            ]
        )
    return out
