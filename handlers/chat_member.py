"""Telegram tells the bot when a person blocks or unblocks it (my_chat_member)."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.db.models import utcnow
from bot.services import members
from handlers.base import PerisaiContext


async def blocked_or_unblocked(update: Update, context: PerisaiContext) -> None:
    """Record reachability, so coordinators see who cannot be reached before a fan-out fails."""
    changed: ChatMemberUpdated | None = update.my_chat_member
    if changed is None or changed.chat.type != ChatType.PRIVATE:
        return
    blocked = changed.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    async with context.runtime.transaction() as session:
        member = await members.by_telegram_id(session, changed.from_user.id)
        if member is None:
            return
        if blocked:
            member.unreachable_at = member.unreachable_at or utcnow()
        else:
            member.unreachable_at = None
