"""What coordinators and reporters look at: the open reports in a coordinator's scope, one
report's details and history, a reporter's own reports, and the rows of the CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Member,
    MemberStatus,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportStatus,
    Site,
)
from bot.reports.access import active, load_for
from bot.services.errors import NotAllowed

OPEN_PAGE = 20
EXPORT_MAX = 5000


@dataclass(frozen=True, slots=True)
class Filters:
    province: str | None = None
    sector: str | None = None
    category: str | None = None


def _check_coordinator(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE or not member.is_coordinator:
        raise NotAllowed()
    return member


def _filtered(stmt: Any, filters: Filters) -> Any:
    if filters.province:
        stmt = stmt.where(Report.province == filters.province)
    if filters.sector:
        stmt = stmt.where(Report.sector == filters.sector)
    if filters.category:
        stmt = stmt.where(Report.category == filters.category)
    return stmt


async def open_reports(
    session: AsyncSession, *, coordinator: Member | None, filters: Filters, limit: int = OPEN_PAGE
) -> tuple[list[Report], int]:
    """Open reports in the scope: someone in danger first, then the oldest first."""
    coordinator = _check_coordinator(coordinator)
    stmt = _filtered(select(Report).where(Report.status != ReportStatus.CLOSED), filters)
    result = await session.scalars(
        stmt.order_by(Report.immediate.desc(), Report.submitted_at, Report.id)
    )
    visible = [r for r in result if coordinator.covers(sector=r.sector, province=r.province)]
    return visible[:limit], len(visible)


@dataclass(slots=True)
class Details:
    report: Report
    reporter: Member
    site: Site | None
    events: list[ReportEvent]
    names: dict[int, str]
    attachments: int


async def details(session: AsyncSession, *, coordinator: Member | None, report_id: int) -> Details:
    report = await load_for(session, coordinator=coordinator, report_id=report_id)
    reporter = await session.get(Member, report.reporter_id)
    assert reporter is not None
    site = await session.get(Site, report.site_id) if report.site_id else None
    events = list(
        await session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.at, ReportEvent.id)
        )
    )
    ids = {e.actor_id for e in events if e.actor_id}
    people = await session.scalars(select(Member).where(Member.id.in_(ids or {-1})))
    names = {m.id: m.full_name or f"#{m.id}" for m in people}
    attachments = await session.scalar(
        select(func.count()).where(ReportAttachment.report_id == report.id)
    )
    return Details(report, reporter, site, events, names, int(attachments or 0))


async def mine(session: AsyncSession, *, member: Member | None, limit: int = 10) -> list[Report]:
    """A reporter's own latest reports, with their state."""
    member = active(member)
    result = await session.scalars(
        select(Report)
        .where(Report.reporter_id == member.id)
        .order_by(Report.id.desc())
        .limit(limit)
    )
    return list(result)


EXPORT_COLUMNS = (
    "report",
    "submitted_at",
    "immediate",
    "category",
    "status",
    "closure",
    "province",
    "sector",
    "site",
    "place",
    "latitude",
    "longitude",
    "observed",
    "description",
    "people",
    "attachments",
    "reporter",
    "organisation",
    "assignee",
)


async def export_rows(
    session: AsyncSession, *, coordinator: Member | None, filters: Filters
) -> Sequence[tuple[str, ...]]:
    """Every report in the scope (open and closed) matching the filters, for the CSV."""
    coordinator = _check_coordinator(coordinator)
    stmt = _filtered(select(Report), filters).order_by(Report.id).limit(EXPORT_MAX)
    reports = [
        r
        for r in await session.scalars(stmt)
        if coordinator.covers(sector=r.sector, province=r.province)
    ]
    ids = {r.reporter_id for r in reports} | {r.assignee_id for r in reports if r.assignee_id}
    people = {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}
    site_ids = {r.site_id for r in reports if r.site_id}
    sites = {s.id: s for s in await session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    counts = dict(
        (
            await session.execute(
                select(ReportAttachment.report_id, func.count())
                .where(ReportAttachment.report_id.in_([r.id for r in reports]))
                .group_by(ReportAttachment.report_id)
            )
        ).all()
    )
    rows = []
    for r in reports:
        reporter, assignee = people.get(r.reporter_id), people.get(r.assignee_id or 0)
        site = sites.get(r.site_id or 0)
        rows.append(
            (
                str(r.id),
                r.submitted_at.isoformat(),
                "yes" if r.immediate else "no",
                r.category,
                r.status,
                r.closure or "",
                r.province,
                r.sector,
                site.name if site else "",
                r.place or "",
                "" if r.latitude is None else f"{r.latitude:.6f}",
                "" if r.longitude is None else f"{r.longitude:.6f}",
                r.observed_text or r.observed,
                r.description,
                r.people,
                str(counts.get(r.id, 0)),
                reporter.full_name or "" if reporter else "",
                reporter.organisation or "" if reporter else "",
                assignee.full_name or "" if assignee else "",
            )
        )
    return rows
