"""Who may act on a report: an active member drafts one and sees their own; a coordinator
whose scope covers a report (admins cover everything) triages it, asks about it, views it and
drafts an advisory from it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member, MemberStatus, Report
from bot.services.errors import NotAllowed, NotFound


def active(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    return member


def check_triager(coordinator: Member | None, report: Report) -> Member:
    """An active coordinator whose scope covers the report (admins cover everything)."""
    if coordinator is None or coordinator.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    if not coordinator.is_coordinator:
        raise NotAllowed()
    if not coordinator.covers(sector=report.sector, province=report.province):
        raise NotAllowed("error-report-scope")
    return coordinator


async def load_for(
    session: AsyncSession, *, coordinator: Member | None, report_id: int, lock: bool = False
) -> Report:
    report = await session.get(Report, report_id, with_for_update=lock)
    if report is None:
        # The same answer as out of scope would leak which numbers exist; a refusal is fine.
        raise NotFound("error-report-gone")
    check_triager(coordinator, report)
    return report
