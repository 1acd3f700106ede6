"""The audit log of privileged actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry


class Actor:
    """Who acted: a member, or the system through the CLI or the config file."""

    def __init__(self, member_id: int | None = None, label: str | None = None) -> None:
        self.member_id = member_id
        self.label = label

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(None, label)


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor: Actor,
    target_member_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_id=actor.member_id,
        actor_label=actor.label,
        target_member_id=target_member_id,
        details=details or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def entries_for(session: AsyncSession, *, target_member_id: int) -> list[AuditEntry]:
    result = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_member_id == target_member_id)
        .order_by(AuditEntry.id)
    )
    return list(result)
