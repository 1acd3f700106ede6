"""Which commands each person is shown (setMyCommands per chat, role and language)."""

from __future__ import annotations

from bot.db.models import Member, MemberStatus

NEWCOMER = ("start", "help", "privacy")
# Pending, rejected, suspended: their status, what the bot is, and the right to erasure.
WAITING = ("start", "help", "privacy", "leave")
OPERATOR = (
    "report",
    "reports",
    "advisories",
    "profile",
    "language",
    "help",
    "privacy",
    "cancel",
    "leave",
)
COORDINATOR = (
    "advisory",
    "pending",
    "checkin",
    "compliance",
    "schedules",
    "invite",
    "suspend",
    "reinstate",
)


def commands_for(member: Member | None) -> tuple[str, ...]:
    if member is None or member.status == MemberStatus.LEFT:
        return NEWCOMER
    if member.status != MemberStatus.ACTIVE:
        return WAITING
    if member.is_coordinator:
        # Advisories and vetting first; then reports (triage), then what everyone has.
        return ("advisory", "advisories", *COORDINATOR[1:], "reports", "report", *OPERATOR[3:])
    return OPERATOR


ALL_COMMANDS = tuple(dict.fromkeys(NEWCOMER + WAITING + OPERATOR + COORDINATOR))
