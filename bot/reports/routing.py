"""Where messages about a report go and how: the coordinators responsible for it, the kind of
each message and its place in the delivery queue, and queuing one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member, Report, Role, Site
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.services import members

# Place in the delivery queue (lower goes first). Advisories take 0 (Extreme/Immediate) to 36
# and notices 15: someone in danger now goes ahead of everything, even an Extreme advisory;
# any other report ahead of routine advisories, just before notices.
PRIORITY_IMMEDIATE = Priority.IMMEDIATE_REPORT
PRIORITY_REPORT = Priority.REPORT

DELIVERY_CARD = Kind.REPORT
DELIVERY_MEDIA = Kind.REPORT_MEDIA
DELIVERY_NOTICE = Kind.REPORT_NOTICE  # to the reporter: a change of state
DELIVERY_QUESTION = Kind.REPORT_QUESTION  # to the reporter: a coordinator's question
DELIVERY_ANSWER = Kind.REPORT_ANSWER  # to the asking coordinator
DELIVERY_COLLEAGUE = Kind.REPORT_COLLEAGUE  # to the other coordinators: who moved it


def priority(report: Report) -> int:
    return PRIORITY_IMMEDIATE if report.immediate else PRIORITY_REPORT


async def responsible(session: AsyncSession, report: Report) -> list[Member]:
    """The coordinators whose scope covers the report's sector and province (the admins
    when nobody's does), never the reporter themself."""
    where = Site(sector=report.sector, province=report.province)  # not added: a shape only
    found = await members.reviewers_for(session, [where])
    others = [c for c in found if c.id != report.reporter_id]
    if others:
        return others
    everyone = await members.active_coordinators(session)
    return [c for c in everyone if c.role == Role.ADMIN and c.id != report.reporter_id]


async def queue(
    session: AsyncSession, report: Report, recipient: Member, kind: Kind, **row: Any
) -> int:
    """One message about ``report`` to ``recipient``; returns its delivery id."""
    assert recipient.telegram_user_id is not None
    [delivery_id] = await enqueue(
        session,
        [
            Outgoing(
                kind=kind,
                member_id=recipient.id,
                chat_id=recipient.telegram_user_id,
                priority=priority(report),
                **row,
            )
        ],
        returning=True,
    )
    return delivery_id
