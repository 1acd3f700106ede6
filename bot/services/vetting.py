"""Vetting: coordinators approve or reject pending registrations within their scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import Member, MemberStatus, Role, utcnow
from bot.services import audit, flows, members
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, NotFound, ServiceError

FLOW_REJECT_REASON = "reject_reason"
PENDING_PAGE = 10


@dataclass(slots=True)
class Decision:
    member: Member
    approved: bool
    # False when it had been decided before (by already_decided_by): nothing changed.
    fresh: bool = True
    already_decided_by: Member | None = None


def _check_reviewer(coordinator: Member, target: Member) -> None:
    if coordinator.status != MemberStatus.ACTIVE or not coordinator.is_coordinator:
        raise NotAllowed()
    if coordinator.id == target.id:
        raise NotAllowed("error-not-on-self")
    if coordinator.role != Role.ADMIN and not any(
        coordinator.covers(sector=s.sector, province=s.province) for s in target.sites
    ):
        raise NotAllowed("error-out-of-scope")


async def pending_for(
    session: AsyncSession, *, coordinator: Member, limit: int = PENDING_PAGE
) -> tuple[list[Member], int]:
    """The oldest pending registrations in the coordinator's scope, and how many in all."""
    if coordinator.status != MemberStatus.ACTIVE or not coordinator.is_coordinator:
        raise NotAllowed()
    result = await session.scalars(
        select(Member)
        .where(Member.status == MemberStatus.PENDING)
        .options(selectinload(Member.sites))
        .order_by(Member.registered_at, Member.id)
    )
    in_scope = [
        m
        for m in result
        if coordinator.role == Role.ADMIN
        or any(coordinator.covers(sector=s.sector, province=s.province) for s in m.sites)
    ]
    return in_scope[:limit], len(in_scope)


async def decide(
    session: AsyncSession,
    *,
    coordinator: Member,
    member_id: int,
    approve: bool,
    reason: str | None = None,
) -> Decision:
    target = await members.by_id(session, member_id, for_update=True)
    if target is None or target.status == MemberStatus.LEFT:
        raise NotFound("error-registration-gone")
    _check_reviewer(coordinator, target)
    if target.status != MemberStatus.PENDING:
        decider = await session.get(Member, target.decided_by_id) if target.decided_by_id else None
        return Decision(
            target, target.status == MemberStatus.ACTIVE, fresh=False, already_decided_by=decider
        )
    if not approve:
        if reason is None:
            raise ServiceError("error-reason-length", max=members.REASON_MAX)
        reason = members.clean_reason(reason)
    target.status = MemberStatus.ACTIVE if approve else MemberStatus.REJECTED
    target.decided_at, target.decided_by_id = utcnow(), coordinator.id
    target.decision_reason = reason
    await audit.record(
        session,
        action="approve" if approve else "reject",
        actor=Actor(coordinator.id),
        target_member_id=target.id,
        details={"reason": reason} if reason else {},
    )
    return Decision(target, approve)


async def ask_reject_reason(
    session: AsyncSession, *, coordinator: Member, member_id: int
) -> Member:
    """Reject needs a reason: remember, in the database, whose reason the next text is."""
    target = await members.by_id(session, member_id)
    if target is None or target.status == MemberStatus.LEFT:
        raise NotFound("error-registration-gone")
    _check_reviewer(coordinator, target)
    if target.status != MemberStatus.PENDING:
        raise ServiceError("error-already-decided")
    assert coordinator.telegram_user_id is not None
    await flows.start(
        session,
        coordinator.telegram_user_id,
        flow=FLOW_REJECT_REASON,
        step="reason",
        data={"member_id": target.id},
    )
    return target
