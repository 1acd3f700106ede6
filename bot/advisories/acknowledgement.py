"""Acknowledgement: the button on each copy that needs one, and recording the press."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    Member,
    MemberStatus,
    utcnow,
)
from bot.i18n import Translator
from bot.services.errors import NotAllowed, NotFound, ServiceError

ACK_PREFIX = callback_data.ACKNOWLEDGE


def ack_markup(translator: Translator, lang: str, advisory: Advisory) -> dict[str, Any] | None:
    if not advisory.ack_required:
        return None
    return {
        "inline_keyboard": [
            [
                {
                    "text": translator.t(lang, "btn-acknowledge"),
                    "callback_data": callback_data.build(ACK_PREFIX, advisory.id),
                }
            ]
        ]
    }


async def acknowledge(
    session: AsyncSession, *, member: Member, advisory_id: int
) -> AdvisoryRecipient:
    """The presser must be the recipient: the record is looked up by (advisory, presser)."""
    if member.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    advisory = await session.get(Advisory, advisory_id)
    recipient = await session.scalar(
        select(AdvisoryRecipient)
        .where(
            AdvisoryRecipient.advisory_id == advisory_id,
            AdvisoryRecipient.member_id == member.id,
        )
        .with_for_update()
    )
    if advisory is None or recipient is None:
        raise NotFound("error-advisory-not-yours")
    if advisory.status == AdvisoryStatus.CANCELLED:
        raise ServiceError("error-advisory-cancelled")
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = utcnow()
    return recipient
