"""Cancellation: retracting every live version of an advisory, ending its queued copies, and a
notice to everyone who received a copy (or may have)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    Delivery,
    DeliveryStatus,
    Member,
    utcnow,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue, mark_changed
from bot.delivery.kinds import VOID_WITH_ADVISORY
from bot.i18n import Translator
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, ServiceError

from .scope import check_coordinator, covers_audience
from .text import PROTECTED_TLP


async def cancel(
    session: AsyncSession, *, coordinator: Member, advisory_id: int, translator: Translator
) -> tuple[Advisory, int]:
    """Retract: queued copies are not sent; everyone who got it gets a cancellation notice."""
    advisory = await cancellable(session, coordinator=coordinator, advisory_id=advisory_id)
    now = utcnow()
    root = advisory.root_id or advisory.id
    # Cancelling retracts the advisory: every live version of it, not just this one.
    versions = list(
        await session.scalars(
            select(Advisory)
            .where(
                # The first version is its own root (root_id is set on submission).
                or_(Advisory.id == root, Advisory.root_id == root),
                Advisory.status.in_([AdvisoryStatus.RELEASED, AdvisoryStatus.SUBMITTED]),
            )
            .with_for_update()
        )
    )
    for version in versions:
        version.status = AdvisoryStatus.CANCELLED
        version.cancelled_at, version.cancelled_by_id = now, coordinator.id
    version_ids = [v.id for v in versions]
    # Nothing of it leaves any more: queued rows end here; rows a worker holds are ended by
    # the worker, which checks each row's advisory right before it sends.
    ended = await session.scalars(
        update(Delivery)
        .where(
            Delivery.advisory_id.in_(version_ids),
            Delivery.kind.in_(VOID_WITH_ADVISORY),
            Delivery.status == DeliveryStatus.QUEUED,
        )
        .values(status=DeliveryStatus.CANCELLED, error="advisory cancelled before sending")
        .returning(Delivery.id)
    )
    ended_ids = list(ended)
    if ended_ids:
        await session.execute(
            update(AdvisoryRecipient)
            .where(AdvisoryRecipient.delivery_id.in_(ended_ids))
            .values(status=DeliveryStatus.CANCELLED)
        )
    notices = await queue_cancel_notices(
        session, translator=translator, now=now, advisory_ids=version_ids
    )
    mark_changed(session)  # workers drop the copies they hold as soon as this commits
    await audit.record(
        session,
        action="advisory_cancel",
        actor=Actor(coordinator.id),
        details={"advisory_id": advisory.id, "notices": notices},
    )
    return advisory, notices


async def cancellable(session: AsyncSession, *, coordinator: Member, advisory_id: int) -> Advisory:
    """The advisory this coordinator may cancel (locked), or the refusal: asked before the
    "tap again to confirm" too, so that a forged button learns nothing."""
    check_coordinator(coordinator)
    advisory = await session.get(Advisory, advisory_id, with_for_update=True)
    if advisory is None or advisory.status not in (
        AdvisoryStatus.RELEASED,
        AdvisoryStatus.SUBMITTED,
    ):
        raise ServiceError("error-advisory-not-cancellable")
    if advisory.author_id != coordinator.id and not covers_audience(coordinator, advisory):
        raise NotAllowed("error-advisory-scope")
    return advisory


async def queue_cancel_notices(
    session: AsyncSession,
    *,
    translator: Translator,
    now: datetime,
    advisory_ids: Sequence[int] | None = None,
) -> int:
    """Queue the cancellation notice for every copy of a cancelled advisory that reached
    someone (sent: a reply to it) or may have (its send timed out: "if you received it"),
    and has had none yet. Copies still on their way are left to the worker, which calls
    this again once it has recorded them; the leader's periodic pass catches the rest.

    Each copy is noticed once: the notice and the copy's mark are written together, and
    concurrent callers skip rows another one has locked (PostgreSQL) or wait (SQLite)."""
    recipient = AdvisoryRecipient
    query = (
        select(
            recipient.id,
            recipient.member_id,
            recipient.message_id,
            recipient.status,
            Member.telegram_user_id.label("chat_id"),
            Member.language,
            Advisory.id.label("advisory_id"),
            Advisory.root_id,
            Advisory.title,
            Advisory.tlp,
        )
        .join(Advisory, Advisory.id == recipient.advisory_id)
        .join(Member, Member.id == recipient.member_id)
        .where(
            Advisory.status == AdvisoryStatus.CANCELLED,
            recipient.cancel_noticed_at.is_(None),
            or_(
                recipient.status == DeliveryStatus.SENT,
                and_(
                    recipient.maybe_delivered.is_(True),
                    recipient.status.in_([DeliveryStatus.CANCELLED, DeliveryStatus.FAILED]),
                ),
            ),
        )
        .order_by(recipient.id)
        .with_for_update(skip_locked=True, of=recipient)
    )
    if advisory_ids is not None:
        query = query.where(recipient.advisory_id.in_(list(advisory_ids)))
    copies = (await session.execute(query)).all()
    if not copies:
        return 0
    await session.execute(
        update(recipient)
        .where(recipient.id.in_([c.id for c in copies]))
        .values(cancel_noticed_at=now)
    )
    # Someone who left since has no chat to tell (and gets nothing more from Perisai).
    copies = [c for c in copies if c.chat_id is not None]
    # One notice per person and advisory, as a reply to their newest copy that was sent.
    newest: dict[tuple[int, int], Any] = {}
    for copy in copies:
        key = (copy.member_id, copy.root_id or copy.advisory_id)
        known = newest.get(key)
        if known is None or copy.status == DeliveryStatus.SENT:
            newest[key] = copy
    rows = [
        Outgoing(
            kind=Kind.CANCEL,
            advisory_id=copy.advisory_id,
            member_id=copy.member_id,
            chat_id=copy.chat_id,
            priority=Priority.CANCELLATION,
            text=translator.t(
                copy.language,
                "adv-cancelled-notice"
                if copy.status == DeliveryStatus.SENT
                else "adv-cancelled-notice-maybe",
                number=str(copy.root_id or copy.advisory_id),
                title=copy.title,
            ),
            reply_to_message_id=copy.message_id if copy.status == DeliveryStatus.SENT else None,
            protect_content=copy.tlp in PROTECTED_TLP,
        )
        for copy in newest.values()
    ]
    await enqueue(session, rows, now=now)
    return len(rows)
