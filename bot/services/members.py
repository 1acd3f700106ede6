"""Members: lookup, roles and scope, suspension, language, leaving (erasure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload, selectinload

from bot.db.models import FlowState, Member, MemberStatus, Role, Site, utcnow
from bot.delivery.outbox import mark_changed
from bot.reference import PROVINCES_BY_CODE
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, NotFound, ServiceError
from bot.services.validation import CONTROLS, NAME_LEN, ORGANISATION_LEN, clean_text, record_id

MEMBER_REF_RE = re.compile(r"^(?:#?(\d{1,12})|@([A-Za-z0-9_]{5,32}))$")
REASON_MAX = 500


async def by_telegram_id(
    session: AsyncSession, telegram_user_id: int, *, for_update: bool = False, sites: bool = True
) -> Member | None:
    """Every update starts here: one query, with the sites joined unless ``sites=False``
    (then touching ``member.sites`` raises instead of loading them)."""
    if not sites and not for_update:
        return (await session.execute(_BY_TELEGRAM_ID, {"uid": telegram_user_id})).scalar()
    stmt = (
        select(Member)
        .where(Member.telegram_user_id == telegram_user_id)
        .options(joinedload(Member.sites))
    )
    if for_update:
        stmt = stmt.with_for_update(of=Member)
    return (await session.execute(stmt)).unique().scalar_one_or_none()


# Built once for the hot path (a checklist press): no joined rows to de-duplicate.
_BY_TELEGRAM_ID = (
    select(Member)
    .where(Member.telegram_user_id == bindparam("uid"))
    .options(raiseload(Member.sites))
)


async def by_id(
    session: AsyncSession, member_id: int, *, for_update: bool = False
) -> Member | None:
    stmt = select(Member).where(Member.id == member_id).options(selectinload(Member.sites))
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def find(session: AsyncSession, ref: str) -> Member:
    """A member named by a coordinator: ``#12`` / ``12`` (member number) or ``@username``."""
    match = MEMBER_REF_RE.match(ref.strip())
    if not match:
        raise ServiceError("error-member-ref", ref=ref[:40])
    number, username = match.groups()
    member: Member | None = None
    if number:
        member_id = record_id(number)
        if member_id is not None:  # a number beyond the database's names no one
            member = await by_id(session, member_id, for_update=True)
    else:
        found = list(
            await session.scalars(
                select(Member)
                .where(Member.username == username, Member.status != MemberStatus.LEFT)
                .options(selectinload(Member.sites))
                .order_by(Member.id)
                .with_for_update()
            )
        )
        if len(found) > 1:
            # Usernames change hands: never guess which of them is meant.
            numbers = ", ".join(f"#{m.id}" for m in found)
            raise ServiceError("error-member-ambiguous", ref=ref[:40], numbers=numbers)
        member = found[0] if found else None
    if member is None or member.status == MemberStatus.LEFT:
        raise NotFound(ref=ref[:40])
    return member


def validate_scope(provinces: Iterable[str], sectors: Iterable[str], known_sectors: Sequence[str]):
    provinces, sectors = sorted(set(provinces)), sorted(set(sectors))
    for code in provinces:
        if code not in PROVINCES_BY_CODE:
            raise ServiceError("error-unknown-province", code=code)
    for code in sectors:
        if code not in known_sectors:
            raise ServiceError("error-unknown-sector", code=code)
    return provinces, sectors


async def grant_role(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    role: Role,
    actor: Actor,
    default_language: str,
    known_sectors: Sequence[str],
    provinces: Iterable[str] = (),
    sectors: Iterable[str] = (),
    full_name: str | None = None,
    organisation: str | None = None,
) -> Member:
    """Make someone admin, coordinator or operator; creates an active member if unknown.

    A coordinator's scope is the given provinces and sectors; none given means national.
    A name and organisation given are set (checked as at registration); someone left
    without them is asked on their first message to the bot.
    """
    scope_provinces, scope_sectors = validate_scope(provinces, sectors, known_sectors)
    name = clean_text(full_name, NAME_LEN) if full_name is not None else None
    org = clean_text(organisation, ORGANISATION_LEN) if organisation is not None else None
    member = await by_telegram_id(session, telegram_user_id, for_update=True)
    if member is None:
        member = Member(
            telegram_user_id=telegram_user_id,
            status=MemberStatus.ACTIVE,
            language=default_language,
            role=role,
            scope_provinces=[],
            scope_sectors=[],
            sites=[],
        )
        session.add(member)
    previous = {"role": member.role, "status": member.status}
    member.role = role
    if name is not None:
        member.full_name = name
    if org is not None:
        member.organisation = org
    member.scope_provinces = scope_provinces if role == Role.COORDINATOR else []
    member.scope_sectors = scope_sectors if role == Role.COORDINATOR else []
    if role != Role.OPERATOR and member.status != MemberStatus.ACTIVE:
        # Granting a privileged role vouches for the person: it activates them.
        member.status = MemberStatus.ACTIVE
        member.decided_at = utcnow()
        member.decided_by_id = actor.member_id
    await session.flush()
    await audit.record(
        session,
        action="grant",
        actor=actor,
        target_member_id=member.id,
        details={
            "role": str(role),
            "provinces": member.scope_provinces,
            "sectors": member.scope_sectors,
            "previous": previous,
        },
    )
    return member


async def ensure_admins(
    session: AsyncSession, *, telegram_user_ids: Iterable[int], default_language: str
) -> list[Member]:
    """The config's ``admins`` list: make each one an active admin (audited once, on change)."""
    granted = []
    for user_id in telegram_user_ids:
        member = await by_telegram_id(session, user_id)
        if member and member.role == Role.ADMIN and member.status == MemberStatus.ACTIVE:
            continue
        granted.append(
            await grant_role(
                session,
                telegram_user_id=user_id,
                role=Role.ADMIN,
                actor=Actor.system("config"),
                default_language=default_language,
                known_sectors=(),
            )
        )
    return granted


def check_can_manage(coordinator: Member, target: Member) -> None:
    """A coordinator acts on members whose sites lie in their scope; admins on anyone."""
    if coordinator.status != MemberStatus.ACTIVE or not coordinator.is_coordinator:
        raise NotAllowed()
    if coordinator.id == target.id:
        raise NotAllowed("error-not-on-self")
    if target.role == Role.ADMIN and coordinator.role != Role.ADMIN:
        raise NotAllowed()
    if coordinator.role == Role.ADMIN:
        return
    if target.is_coordinator or not any(
        coordinator.covers(sector=s.sector, province=s.province) for s in target.sites
    ):
        raise NotAllowed("error-out-of-scope")


def clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if CONTROLS.search(reason):
        raise ServiceError("error-text-invalid")
    if not 3 <= len(reason) <= REASON_MAX:
        raise ServiceError("error-reason-length", max=REASON_MAX)
    return reason


async def suspend(
    session: AsyncSession, *, coordinator: Member, target: Member, reason: str
) -> Member:
    check_can_manage(coordinator, target)
    if target.status != MemberStatus.ACTIVE:
        raise ServiceError("error-not-active", number=str(target.id))
    target.status = MemberStatus.SUSPENDED
    mark_changed(session)  # the worker drops what it holds for them once this commits
    target.decided_at, target.decided_by_id = utcnow(), coordinator.id
    target.decision_reason = clean_reason(reason)
    await audit.record(
        session,
        action="suspend",
        actor=Actor(coordinator.id),
        target_member_id=target.id,
        details={"reason": target.decision_reason},
    )
    return target


async def reinstate(session: AsyncSession, *, coordinator: Member, target: Member) -> Member:
    check_can_manage(coordinator, target)
    if target.status != MemberStatus.SUSPENDED:
        raise ServiceError("error-not-suspended", number=str(target.id))
    target.status = MemberStatus.ACTIVE
    target.decided_at, target.decided_by_id = utcnow(), coordinator.id
    target.decision_reason = None
    await audit.record(
        session, action="reinstate", actor=Actor(coordinator.id), target_member_id=target.id
    )
    return target


async def set_language(session: AsyncSession, *, member: Member, language: str) -> None:
    member.language = language
    await session.flush()


async def leave(session: AsyncSession, *, member: Member) -> None:
    """Deactivate and erase personal fields; the row stays, anonymous, for the audit trail."""
    user_id = member.telegram_user_id
    member.status = MemberStatus.LEFT
    mark_changed(session)  # the worker drops what it holds for them once this commits
    member.telegram_user_id = None
    member.full_name = member.phone = member.username = None
    member.decision_reason = None
    for site in member.sites:
        site.active = False
    if user_id is not None:
        await session.execute(delete(FlowState).where(FlowState.telegram_user_id == user_id))
    await audit.record(session, action="leave", actor=Actor(member.id), target_member_id=member.id)


async def active_coordinators(session: AsyncSession) -> list[Member]:
    result = await session.scalars(
        select(Member).where(
            Member.status == MemberStatus.ACTIVE,
            or_(Member.role == Role.COORDINATOR, Member.role == Role.ADMIN),
            Member.telegram_user_id.is_not(None),
        )
    )
    return list(result)


async def reviewers_for(session: AsyncSession, sites: Sequence[Site]) -> list[Member]:
    """Coordinators whose scope covers any of the sites; the admins when nobody's does.

    Coordinators are few (tens), so their scopes are matched here rather than in SQL.
    """
    everyone = await active_coordinators(session)
    covering = [
        c
        for c in everyone
        if c.role == Role.COORDINATOR
        and any(c.covers(sector=s.sector, province=s.province) for s in sites)
    ]
    return covering or [c for c in everyone if c.role == Role.ADMIN]
