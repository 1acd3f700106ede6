"""What coordinators and members see: an advisory's delivery figures, the recent list, a
member's active advisories, the CSV export, and which version of an advisory is current."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    Delivery,
    Member,
    Site,
    utcnow,
)
from bot.services.errors import NotAllowed, NotFound

from .scope import check_coordinator, covers_audience


@dataclass(slots=True)
class Status:
    advisory: Advisory
    counts: Counter[str]
    acknowledged: int
    total: int
    first_sent: datetime | None
    last_sent: datetime | None
    by_province: dict[str, Counter[str]]

    @property
    def ack_rate(self) -> float:
        return self.acknowledged / self.total if self.total else 0.0


async def status(session: AsyncSession, *, coordinator: Member, advisory_id: int) -> Status:
    check_coordinator(coordinator)
    advisory = await session.get(Advisory, advisory_id)
    if advisory is None or advisory.status == AdvisoryStatus.DRAFT:
        raise NotFound("error-advisory-gone")
    if advisory.author_id != coordinator.id and not covers_audience(coordinator, advisory):
        raise NotAllowed("error-advisory-scope")
    rows = (
        await session.execute(
            select(
                AdvisoryRecipient.status,
                AdvisoryRecipient.acknowledged_at,
                AdvisoryRecipient.sent_at,
                AdvisoryRecipient.member_id,
            ).where(AdvisoryRecipient.advisory_id == advisory.id)
        )
    ).all()
    provinces = await recipient_provinces(session, advisory, [r.member_id for r in rows])
    counts: Counter[str] = Counter()
    by_province: dict[str, Counter[str]] = {}
    for row in rows:
        state = "acknowledged" if row.acknowledged_at else row.status
        counts[row.status] += 1
        province = provinces.get(row.member_id, "-")
        by_province.setdefault(province, Counter())[state] += 1
    sent_times = [r.sent_at for r in rows if r.sent_at]
    return Status(
        advisory,
        counts,
        sum(1 for r in rows if r.acknowledged_at),
        len(rows),
        min(sent_times, default=None),
        max(sent_times, default=None),
        by_province,
    )


async def recipient_provinces(
    session: AsyncSession, advisory: Advisory, member_ids: Sequence[int]
) -> dict[int, str]:
    """Each recipient's province for breakdowns: that of a site the advisory was addressed
    to (a member may have sites in several provinces), else their first active site's."""
    if not member_ids:
        return {}
    sites = (
        await session.scalars(
            select(Site)
            .where(Site.member_id.in_(member_ids), Site.active.is_(True))
            .order_by(Site.id)
        )
    ).all()
    found: dict[int, str] = {}
    for site in sites:
        matches = (not advisory.audience_sectors or site.sector in advisory.audience_sectors) and (
            not advisory.audience_provinces or site.province in advisory.audience_provinces
        )
        if matches and site.member_id not in found:
            found[site.member_id] = site.province
    for site in sites:
        found.setdefault(site.member_id, site.province)
    return found


async def recent(session: AsyncSession, *, coordinator: Member, limit: int = 10) -> list[Advisory]:
    check_coordinator(coordinator)
    result = await session.scalars(
        select(Advisory)
        .where(Advisory.status != AdvisoryStatus.DRAFT)
        .order_by(Advisory.id.desc())
        .limit(limit * 5)
    )
    visible = [
        a for a in result if a.author_id == coordinator.id or covers_audience(coordinator, a)
    ]
    return visible[:limit]


async def active_for(session: AsyncSession, *, member: Member, limit: int = 10) -> list[Advisory]:
    """The unexpired, uncancelled advisories this member received."""
    result = await session.scalars(
        select(Advisory)
        .join(AdvisoryRecipient, AdvisoryRecipient.advisory_id == Advisory.id)
        .where(
            AdvisoryRecipient.member_id == member.id,
            Advisory.status == AdvisoryStatus.RELEASED,
            Advisory.expires_at > utcnow(),
            ~superseded(),
        )
        .order_by(Advisory.id.desc())
        .limit(limit)
    )
    return list(result)


def superseded():
    """SQL: a later version of the same advisory was released (or cancelled): this one is
    no longer current. Derived, so there is no second status to keep in step."""
    later = aliased(Advisory)
    return (
        select(later.id)
        .where(
            later.root_id == Advisory.root_id,
            later.version > Advisory.version,
            later.status.in_([AdvisoryStatus.RELEASED, AdvisoryStatus.CANCELLED]),
        )
        .exists()
    )


async def latest_version(session: AsyncSession, root_id: int) -> Advisory | None:
    return await session.scalar(
        select(Advisory)
        .where(Advisory.root_id == root_id, Advisory.status != AdvisoryStatus.DRAFT)
        .order_by(Advisory.version.desc())
        .limit(1)
    )


EXPORT_COLUMNS = (
    "member",
    "name",
    "organisation",
    "provinces",
    "status",
    "sent_at",
    "acknowledged_at",
    "error",
)


async def export_rows(
    session: AsyncSession, *, coordinator: Member, advisory_id: int
) -> Sequence[tuple[str, ...]]:
    """Per recipient: delivery and acknowledgement, for the CSV export (same checks as status)."""
    await status(session, coordinator=coordinator, advisory_id=advisory_id)
    result = await session.execute(
        select(AdvisoryRecipient, Member, Delivery.error)
        .join(Member, Member.id == AdvisoryRecipient.member_id)
        # The queue row holds the error text while it is kept.
        .outerjoin(Delivery, Delivery.id == AdvisoryRecipient.delivery_id)
        .where(AdvisoryRecipient.advisory_id == advisory_id)
        .options(selectinload(Member.sites))
        .order_by(Member.id)
    )
    rows = []
    for recipient, member, error in result.all():
        rows.append(
            (
                str(member.id),
                member.full_name or "",
                member.organisation or "",
                " ".join(sorted({s.province for s in member.active_sites})),  # all of them
                recipient.status,
                recipient.sent_at.isoformat() if recipient.sent_at else "",
                recipient.acknowledged_at.isoformat() if recipient.acknowledged_at else "",
                error or "",
            )
        )
    return rows
