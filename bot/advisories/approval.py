"""Two-person approval and release: submit, who reviews, the decision, and the release that
queues one copy per recipient (its audience, and everyone who got an earlier version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    DeliveryStatus,
    Member,
    MemberStatus,
    Role,
    Site,
    utcnow,
)
from bot.delivery import Kind, Outgoing, enqueue
from bot.i18n import Translator
from bot.services import audit, flows, members
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, NotFound, ServiceError

from .acknowledgement import ack_markup
from .scope import check_coordinator, covers_audience
from .text import PROTECTED_TLP, priority, render

FLOW_ADVISORY_REJECT = "advisory_reject"  # the reviewer's next text is the reason for rejecting


@dataclass(slots=True)
class Submitted:
    advisory: Advisory
    reviewers: list[Member]
    released: Release | None = None  # emergency release


@dataclass(slots=True)
class Release:
    advisory: Advisory
    recipients: int


async def audience(session: AsyncSession, advisory: Advisory) -> list[Member]:
    """Exactly who receives it: active operators with a matching active site, or for RED the
    named active members. Pending, suspended, rejected and departed people never do."""
    stmt = select(Member).where(
        Member.status == MemberStatus.ACTIVE, Member.telegram_user_id.is_not(None)
    )
    if advisory.tlp == "RED":
        stmt = stmt.where(Member.id.in_(advisory.audience_member_ids or [-1]))
    else:
        site = select(Site.member_id).where(Site.active.is_(True))
        if advisory.audience_sectors:
            site = site.where(Site.sector.in_(advisory.audience_sectors))
        if advisory.audience_provinces:
            site = site.where(Site.province.in_(advisory.audience_provinces))
        stmt = stmt.where(Member.role == Role.OPERATOR, Member.id.in_(site))
    result = await session.scalars(stmt.options(selectinload(Member.sites)).order_by(Member.id))
    return list(result)


async def reviewers_for(session: AsyncSession, advisory: Advisory) -> list[Member]:
    everyone = await members.active_coordinators(session)
    return [
        c
        for c in everyone
        if c.id != advisory.author_id
        and c.role == Role.COORDINATOR
        and covers_audience(c, advisory)
    ] or [c for c in everyone if c.id != advisory.author_id and c.role == Role.ADMIN]


async def submit(
    session: AsyncSession,
    *,
    author: Member,
    data: dict[str, Any],
    emergency: bool,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> Submitted:
    advisory = await session.get(Advisory, data.get("advisory_id"), with_for_update=True)
    if (
        advisory is None
        or advisory.status != AdvisoryStatus.DRAFT
        or advisory.author_id != author.id
    ):
        raise NotFound("error-advisory-gone")
    if not covers_audience(author, advisory):
        raise NotAllowed("error-advisory-scope")
    advisory.status = AdvisoryStatus.SUBMITTED
    advisory.submitted_at = utcnow()
    advisory.root_id = advisory.root_id or advisory.id
    await audit.record(
        session,
        action="advisory_update" if advisory.version > 1 else "advisory_submit",
        actor=Actor(author.id),
        details={
            "advisory_id": advisory.id,
            "root_id": advisory.root_id,
            "version": advisory.version,
        },
    )
    await flows.clear(session, author.telegram_user_id or 0)
    if emergency:
        if not (
            author.role == Role.ADMIN
            and advisory.severity == "Extreme"
            and advisory.urgency == "Immediate"
        ):
            raise NotAllowed("error-emergency-not-allowed")
        advisory.emergency = True
        released = await _release(
            session,
            advisory,
            approver=author,
            translator=translator,
            allow_paid_broadcast=allow_paid_broadcast,
        )
        return Submitted(advisory, [], released)
    return Submitted(advisory, await reviewers_for(session, advisory))


def check_reviewer(approver: Member, advisory: Advisory) -> None:
    """A second coordinator, covering the whole audience, on a submitted advisory."""
    check_coordinator(approver)
    if advisory.status == AdvisoryStatus.DRAFT:
        raise NotFound("error-advisory-gone")
    if advisory.author_id == approver.id:
        raise NotAllowed("error-advisory-own")
    if not covers_audience(approver, advisory):
        raise NotAllowed("error-advisory-scope")
    if advisory.status != AdvisoryStatus.SUBMITTED:
        raise ServiceError("error-advisory-decided")


async def decide(
    session: AsyncSession,
    *,
    approver: Member,
    advisory_id: int,
    approve: bool,
    reason: str | None,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> tuple[Advisory, Release | None]:
    """Second-person approval: never the author; only a coordinator covering the audience."""
    advisory = await session.get(Advisory, advisory_id, with_for_update=True)
    if advisory is None:
        raise NotFound("error-advisory-gone")
    check_reviewer(approver, advisory)
    if not approve:
        advisory.status = AdvisoryStatus.REJECTED
        advisory.decided_by_id, advisory.decided_at = approver.id, utcnow()
        advisory.reject_reason = members.clean_reason(reason or "")
        await audit.record(
            session,
            action="advisory_reject",
            actor=Actor(approver.id),
            details={"advisory_id": advisory.id, "reason": advisory.reject_reason},
        )
        return advisory, None
    await audit.record(
        session,
        action="advisory_approve",
        actor=Actor(approver.id),
        details={"advisory_id": advisory.id},
    )
    return advisory, await _release(
        session,
        advisory,
        approver=approver,
        translator=translator,
        allow_paid_broadcast=allow_paid_broadcast,
    )


async def _release(
    session: AsyncSession,
    advisory: Advisory,
    *,
    approver: Member,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> Release:
    """Released: one delivery row per recipient, in this same transaction."""
    now = utcnow()
    advisory.status = AdvisoryStatus.RELEASED
    advisory.decided_by_id, advisory.decided_at, advisory.released_at = approver.id, now, now
    recipients = await audience(session, advisory)
    earlier: dict[int, int | None] = {}
    if advisory.version > 1:
        earlier = await _earlier_copies(session, advisory)
        # Everyone who got an earlier version gets this one, even if they left the audience
        # since (their copy would otherwise stay uncorrected), unless no longer active.
        known = {m.id for m in recipients}
        missing = [i for i in earlier if i not in known]
        if missing:
            recipients += list(
                await session.scalars(
                    select(Member).where(
                        Member.id.in_(missing),
                        Member.status == MemberStatus.ACTIVE,
                        Member.telegram_user_id.is_not(None),
                    )
                )
            )
    rendered = {lang: render(translator, lang, advisory) for lang in ("id", "en")}
    paid = allow_paid_broadcast and advisory.severity == "Extreme"
    rows = [
        Outgoing(
            kind=Kind.ADVISORY,
            advisory_id=advisory.id,
            member_id=m.id,
            chat_id=m.telegram_user_id,
            priority=priority(advisory),
            text=rendered[translator.language(m.language)],
            reply_markup=ack_markup(translator, m.language, advisory),
            protect_content=advisory.tlp in PROTECTED_TLP,
            reply_to_message_id=earlier.get(m.id),
            paid_broadcast=paid,
        )
        for m in recipients
        if m.telegram_user_id is not None
    ]
    delivery_ids = await enqueue(session, rows, now=now, returning=True)
    if rows:
        # The advisory's own record of who it went to (kept when the queue is purged).
        await session.execute(
            insert(AdvisoryRecipient),
            [
                {
                    "advisory_id": advisory.id,
                    "member_id": row.member_id,
                    "delivery_id": delivery_id,
                    "status": DeliveryStatus.QUEUED,
                    "maybe_delivered": False,
                }
                for row, delivery_id in zip(rows, delivery_ids, strict=True)
            ],
        )
    await audit.record(
        session,
        action="advisory_emergency_release" if advisory.emergency else "advisory_release",
        actor=Actor(approver.id),
        details={"advisory_id": advisory.id, "recipients": len(rows)},
    )
    return Release(advisory, len(rows))


async def _earlier_copies(session: AsyncSession, advisory: Advisory) -> dict[int, int | None]:
    """member id -> Telegram message id of their newest copy of an earlier version."""
    result = await session.execute(
        select(AdvisoryRecipient.member_id, AdvisoryRecipient.message_id)
        .join(Advisory, Advisory.id == AdvisoryRecipient.advisory_id)
        .where(
            Advisory.root_id == advisory.root_id,
            Advisory.version < advisory.version,
            AdvisoryRecipient.status == DeliveryStatus.SENT,
        )
        .order_by(Advisory.version)
    )
    return {member_id: message_id for member_id, message_id in result.all() if member_id}
