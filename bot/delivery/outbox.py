"""The one way in: everything sent to someone other than the person acting is enqueued here.

A message is written to ``deliveries`` in the transaction that decides it, so it goes out if
and only if that transaction commits, and a crash or an outage loses nothing. Committing a
transaction that enqueued (or changed what the worker holds: a cancellation, a suspension)
wakes the delivery worker by itself, through a session event: nobody has to remember to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db.models import Delivery, DeliveryStatus, utcnow

from .kinds import Kind
from .priority import Priority

__all__ = ["Outgoing", "Waker", "enqueue", "mark_changed"]

# Keys in Session.info: the waker the sessionmaker carries, and "this transaction queued".
WAKER = "perisai_outbox_waker"
_CHANGED = "perisai_outbox_changed"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for the queue, rendered for its recipient."""

    kind: Kind
    chat_id: int
    text: str
    priority: int = Priority.NOTICE
    member_id: int | None = None  # sent only while this member is active
    advisory_id: int | None = None  # void with its advisory, for the kinds that are
    reply_markup: dict[str, Any] | None = None  # the Bot API's JSON
    protect_content: bool = False
    reply_to_message_id: int | None = None
    paid_broadcast: bool = False
    # A photo, video, document (Telegram file_id) or location ("lat,lon"); text is the caption.
    media_kind: str | None = None
    media_ref: str | None = None
    site_checkin_id: int | None = None


_FIELDS = tuple(f.name for f in fields(Outgoing))


async def enqueue(
    session: AsyncSession,
    messages: Iterable[Outgoing],
    *,
    now: datetime | None = None,
    returning: bool = False,
) -> list[int]:
    """Queue ``messages`` in this transaction (one INSERT for all of them); their ids, in
    order, if ``returning``. The worker is woken when the transaction commits."""
    now = now or utcnow()
    fresh = {"status": DeliveryStatus.QUEUED, "not_before": now, "created_at": now, "attempts": 0}
    # Not dataclasses.asdict: it deep-copies each keyboard, and a round has thousands.
    rows = [{name: getattr(m, name) for name in _FIELDS} | fresh for m in messages]
    if not rows:
        return []
    mark_changed(session)
    if returning:
        result = await session.execute(
            insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())
    await session.execute(insert(Delivery), rows)
    return []


def mark_changed(session: AsyncSession) -> None:
    """The worker must look again once this commits: rows were queued, or something it may
    hold was cancelled, or a recipient left or was suspended."""
    session.info[_CHANGED] = True


class Waker:
    """What a commit that queued calls; the app points it at the running worker."""

    def __init__(self) -> None:
        self.target: Callable[[], None] | None = None

    def __call__(self) -> None:
        if self.target is not None:
            self.target()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        waker = session.info.get(WAKER)
        if waker is not None:
            waker()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_CHANGED, None)
