"""Who may act on an advisory: an active coordinator, and one whose scope covers its audience.

The rule behind updating, submitting, reviewing, cancelling and viewing an advisory.
"""

from __future__ import annotations

from bot.db.models import Advisory, Member, MemberStatus, Role
from bot.services.errors import NotAllowed


def check_coordinator(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE or not member.is_coordinator:
        raise NotAllowed()
    return member


def covers_audience(coordinator: Member, advisory: Advisory) -> bool:
    if coordinator.role == Role.ADMIN:
        return True
    if advisory.tlp == "RED":
        return not coordinator.scope_provinces and not coordinator.scope_sectors
    # Every sector and province of the audience must lie in the scope ("all" needs national).
    sectors_ok = not coordinator.scope_sectors or (
        advisory.audience_sectors
        and set(advisory.audience_sectors) <= set(coordinator.scope_sectors)
    )
    provinces_ok = not coordinator.scope_provinces or (
        advisory.audience_provinces
        and set(advisory.audience_provinces) <= set(coordinator.scope_provinces)
    )
    return bool(sectors_ok and provinces_ok)
