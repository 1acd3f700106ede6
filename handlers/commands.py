"""Which commands each person is shown (setMyCommands per chat, role and language)."""

from __future__ import annotations

from bot.db.models import Member, MemberStatus

NEWCOMER = ("start", "help")
WAITING = ("start", "leave")  # pending, rejected, suspended: status, and the right to erasure
OPERATOR = ("profile", "language", "help", "cancel", "leave")
COORDINATOR = ("pending", "invite", "suspend", "reinstate")


def commands_for(member: Member | None) -> tuple[str, ...]:
    if member is None or member.status == MemberStatus.LEFT:
        return NEWCOMER
    if member.status != MemberStatus.ACTIVE:
        return WAITING
    if member.is_coordinator:
        return OPERATOR[:1] + COORDINATOR + OPERATOR[1:]
    return OPERATOR


ALL_COMMANDS = tuple(dict.fromkeys(NEWCOMER + WAITING + OPERATOR + COORDINATOR))
