"""Invite codes: a coordinator vouches in advance, so registration skips vetting.

Only a SHA-256 of each code is stored; the code itself is shown once, to its creator.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Invite, Member, MemberStatus, utcnow
from bot.reference import PROVINCES_BY_CODE
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, ServiceError
from bot.services.validation import ORGANISATION_LEN, clean_text

CODE_BYTES = 12  # 16 URL-safe characters: fits a /start deep link (at most 64 of A-Za-z0-9_-)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class InviteRequest:
    max_uses: int = 1
    days: int = 7
    organisation: str | None = None
    sector: str | None = None
    province: str | None = None


async def create(
    session: AsyncSession,
    *,
    creator: Member,
    request: InviteRequest,
    known_sectors: Sequence[str],
    max_uses_limit: int,
    max_days_limit: int,
) -> tuple[Invite, str]:
    if creator.status != MemberStatus.ACTIVE or not creator.is_coordinator:
        raise NotAllowed()
    if not 1 <= request.max_uses <= max_uses_limit:
        raise ServiceError("error-invite-uses", max=max_uses_limit)
    if not 1 <= request.days <= max_days_limit:
        raise ServiceError("error-invite-days", max=max_days_limit)
    if request.sector is not None and request.sector not in known_sectors:
        raise ServiceError("error-unknown-sector", code=request.sector)
    if request.province is not None and request.province not in PROVINCES_BY_CODE:
        raise ServiceError("error-unknown-province", code=request.province)
    organisation = (
        clean_text(request.organisation, ORGANISATION_LEN) if request.organisation else None
    )
    # A scoped coordinator may only vouch inside the scope: the invite must pin it down.
    if creator.scope_sectors and request.sector not in creator.scope_sectors:
        raise NotAllowed("error-invite-scope")
    if creator.scope_provinces and request.province not in creator.scope_provinces:
        raise NotAllowed("error-invite-scope")

    code = secrets.token_urlsafe(CODE_BYTES)
    invite = Invite(
        code_hash=hash_code(code),
        created_by_id=creator.id,
        organisation=organisation,
        sector=request.sector,
        province=request.province,
        max_uses=request.max_uses,
        uses=0,
        expires_at=utcnow() + timedelta(days=request.days),
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        action="invite",
        actor=Actor(creator.id),
        details={
            "invite_id": invite.id,
            "max_uses": invite.max_uses,
            "days": request.days,
            "organisation": organisation,
            "sector": request.sector,
            "province": request.province,
        },
    )
    return invite, code


def _usable():
    now = utcnow()
    return (Invite.revoked_at.is_(None), Invite.expires_at > now, Invite.uses < Invite.max_uses)


async def find_valid(session: AsyncSession, code: str) -> Invite | None:
    if not code or len(code) > 64:
        return None
    return await session.scalar(
        select(Invite).where(Invite.code_hash == hash_code(code), *_usable())
    )


async def redeem(session: AsyncSession, *, invite_id: int) -> Invite | None:
    """Take one use, atomically: concurrent registrations cannot exceed ``max_uses``."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, *_usable())
        .values(uses=Invite.uses + 1)
        .returning(Invite.id)
    )
    if result.scalar() is None:
        return None
    return await session.get(Invite, invite_id, populate_existing=True)
