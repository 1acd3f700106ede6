"""Reminders to recipients who have not acknowledged, then escalation to the coordinators.

Derived from rows: the job asks what is due and claims each step with a conditional UPDATE,
so several instances running it at once send each reminder once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    DeliveryStatus,
    Member,
    MemberStatus,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Safe, Translator

from .acknowledgement import ack_markup
from .approval import reviewers_for
from .queries import recipient_provinces, superseded
from .text import PROTECTED_TLP

ESCALATION_NAMES_MAX = 60  # names listed in one escalation message; the rest are counted


async def run_due(
    session: AsyncSession,
    *,
    now: datetime,
    intervals_min: Sequence[int],
    translator: Translator,
) -> int:
    """Queue every reminder and escalation that is due; returns how many rows were queued."""
    if not intervals_min:
        return 0
    queued = 0
    candidates = await session.scalars(
        select(Advisory).where(
            Advisory.status == AdvisoryStatus.RELEASED,
            Advisory.ack_required.is_(True),
            Advisory.expires_at > now,  # expiry ends reminders
            Advisory.reminders_sent < len(intervals_min),
            ~superseded(),  # a newer version carries its own reminders
        )
    )
    for advisory in list(candidates):
        step = advisory.reminders_sent
        assert advisory.released_at is not None
        if advisory.released_at + timedelta(minutes=intervals_min[step]) > now:
            continue
        claimed = await session.scalar(
            update(Advisory)
            .where(Advisory.id == advisory.id, Advisory.reminders_sent == step)
            .values(reminders_sent=step + 1)
            .returning(Advisory.id)
        )
        if claimed is None:
            continue  # another instance took this step
        pending = await _unacknowledged(session, advisory.id)
        queued += await _queue_reminders(session, advisory, pending, now, translator)
        if step + 1 == len(intervals_min) and pending:
            queued += await _queue_escalation(session, advisory, pending, now, translator)
    return queued


async def _unacknowledged(
    session: AsyncSession, advisory_id: int
) -> list[tuple[AdvisoryRecipient, Member]]:
    """Recipients whose copy was sent and who have not acknowledged it, active ones only."""
    result = await session.execute(
        select(AdvisoryRecipient, Member)
        .join(Member, Member.id == AdvisoryRecipient.member_id)
        .where(
            AdvisoryRecipient.advisory_id == advisory_id,
            AdvisoryRecipient.status == DeliveryStatus.SENT,
            AdvisoryRecipient.acknowledged_at.is_(None),
            # People who left or were suspended are neither reminded nor listed.
            Member.status == MemberStatus.ACTIVE,
            Member.telegram_user_id.is_not(None),
        )
        .order_by(Member.id)
    )
    return [(recipient, member) for recipient, member in result.all()]


async def _queue_reminders(session, advisory, pending, now, translator: Translator) -> int:
    rows = [
        Outgoing(
            kind=Kind.REMINDER,
            advisory_id=advisory.id,
            member_id=member.id,
            chat_id=member.telegram_user_id,
            priority=Priority.ADVISORY_REMINDER,
            text=translator.t(
                member.language,
                "adv-reminder",
                number=str(advisory.root_id or advisory.id),
                title=advisory.title,
            ),
            reply_markup=ack_markup(translator, member.language, advisory),
            reply_to_message_id=recipient.message_id,
            protect_content=advisory.tlp in PROTECTED_TLP,
        )
        for recipient, member in pending
    ]
    await enqueue(session, rows, now=now)
    return len(rows)


async def _queue_escalation(session, advisory, pending, now, translator: Translator) -> int:
    """The coordinators get who has not acknowledged, per province."""
    provinces = await recipient_provinces(session, advisory, [m.id for _, m in pending])
    by_province: dict[str, list[Member]] = defaultdict(list)
    for _, member in pending:
        by_province[provinces.get(member.id, "-")].append(member)
    coordinators = await reviewers_for(session, advisory)
    author = await session.get(Member, advisory.author_id)
    active_author = author is not None and author.status == MemberStatus.ACTIVE
    if active_author and author not in coordinators:
        coordinators.append(author)
    rows = []
    for coordinator in coordinators:
        if coordinator.telegram_user_id is None:
            continue
        lang = coordinator.language
        lines, listed = [], 0
        for code, people in sorted(by_province.items()):
            names = []
            for person in people:
                if listed >= ESCALATION_NAMES_MAX:
                    break
                names.append(
                    translator.t(
                        lang,
                        "adv-escalation-person",
                        number=str(person.id),
                        name=person.display_name,
                        organisation=person.organisation or "-",
                    )
                )
                listed += 1
            province = translator.province(lang, code) if code != "-" else "-"
            lines.append(
                translator.t(lang, "adv-escalation-province", province=province, count=len(people))
            )
            lines.extend(names)
        text = translator.t(
            lang,
            "adv-escalation",
            number=str(advisory.root_id or advisory.id),
            title=advisory.title,
            count=len(pending),
            more=max(0, len(pending) - listed),
            lines=Safe("\n".join(lines)),  # each line is catalog output, escaped already
        )
        rows.append(
            Outgoing(
                kind=Kind.ESCALATION,
                advisory_id=advisory.id,
                member_id=coordinator.id,
                chat_id=coordinator.telegram_user_id,
                priority=Priority.ESCALATION,
                text=text,
                protect_content=True,  # names and phone-less contact lists: keep them in
            )
        )
    if rows:
        await enqueue(session, rows, now=now)
        advisory.escalated_at = now
    return len(rows)
