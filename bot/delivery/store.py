"""The worker's database side: claiming due rows and recording what became of them.

Everything here is Core SQL on ``deliveries`` (no ORM identity map to fill per row) and each
call is one short transaction: the worker never holds one open while it talks to Telegram.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Update, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.db.models import Delivery, DeliveryStatus, Member
from bot.db.session import reading, transaction

__all__ = ["Job", "Outcome", "Result", "claim", "open_count", "record"]

_D = Delivery.__table__
_M = Member.__table__
# The deliveries.error column's length: PostgreSQL enforces it.
ERROR_MAX = 300


@dataclass(slots=True)
class Job:
    """A claimed row, with everything needed to send it."""

    id: int
    chat_id: int
    member_id: int | None
    priority: int
    text: str
    reply_markup: dict[str, Any] | None
    protect_content: bool
    reply_to_message_id: int | None
    paid: bool
    attempts: int  # including this one
    lease_deadline: float  # loop.time() after which another worker may take the row
    # A photo, video, document (Telegram file_id) or location ("lat,lon") instead of text.
    media_kind: str | None = None
    media_ref: str | None = None

    @property
    def order(self) -> tuple[int, int]:
        return (self.priority, self.id)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a failed attempt, tried again at not_before
    REQUEUE = "requeue"  # not an attempt (429, released unsent): attempts given back
    MIGRATED = "migrated"  # requeued at once to the supergroup's chat id
    UNREACHABLE = "unreachable"
    FAILED = "failed"


@dataclass(slots=True)
class Result:
    delivery_id: int
    outcome: Outcome
    message_id: int | None = None
    error: str | None = None
    not_before: datetime | None = None
    member_id: int | None = None
    chat_id: int | None = None  # the old chat id, for MIGRATED
    new_chat_id: int | None = None


# ---------------------------------------------------------------------- claiming

_CLAIM_COLUMNS = (
    _D.c.id,
    _D.c.chat_id,
    _D.c.member_id,
    _D.c.priority,
    _D.c.text,
    _D.c.reply_markup,
    _D.c.protect_content,
    _D.c.reply_to_message_id,
    _D.c.paid_broadcast,
    _D.c.attempts,
    _D.c.media_kind,
    _D.c.media_ref,
)


def _due(now: datetime) -> Any:
    return or_(
        and_(_D.c.status == DeliveryStatus.QUEUED, _D.c.not_before <= now),
        # A crashed (or stopped without release) worker's rows.
        and_(_D.c.status == DeliveryStatus.SENDING, _D.c.lease_until < now),
    )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    now: datetime,
    lease_deadline: float,
) -> list[Job]:
    """Mark up to ``limit`` due rows as ours (status sending) and return them, most urgent
    first. SKIP LOCKED keeps concurrent workers on PostgreSQL off each other's rows; on
    SQLite the transaction's BEGIN IMMEDIATE serialises claims instead."""
    query = (
        select(*_CLAIM_COLUMNS)
        .where(_due(now))
        .order_by(_D.c.priority, _D.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with transaction(sessionmaker) as session:
        rows = (await session.execute(query)).all()
        if not rows:
            return []
        await session.execute(
            update(_D)
            .where(_D.c.id.in_([r.id for r in rows]))
            .values(
                status=DeliveryStatus.SENDING,
                lease_until=now + timedelta(seconds=lease_seconds),
                claimed_by=worker_id,
                attempts=_D.c.attempts + 1,
            )
        )
    return [
        Job(
            id=r.id,
            chat_id=r.chat_id,
            member_id=r.member_id,
            priority=r.priority,
            text=r.text,
            reply_markup=r.reply_markup,
            protect_content=bool(r.protect_content),
            reply_to_message_id=r.reply_to_message_id,
            paid=bool(r.paid_broadcast),
            attempts=r.attempts + 1,
            lease_deadline=lease_deadline,
            media_kind=r.media_kind,
            media_ref=r.media_ref,
        )
        for r in rows
    ]


async def open_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Rows still queued (due or not) or being sent."""
    query = select(func.count()).where(
        _D.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
    )
    async with reading(sessionmaker) as session:
        return int((await session.execute(query)).scalar_one())


# ---------------------------------------------------------------------- recording results

# Only the worker that holds the claim may move a row back to the queue or end it unsent:
# if our lease ran out and another worker took the row, its word counts, not ours.
_ours = and_(
    _D.c.id == bindparam("b_id"),
    _D.c.status == DeliveryStatus.SENDING,
    _D.c.claimed_by == bindparam("b_worker"),
)
_released = {"lease_until": None, "claimed_by": None}

# Rows per UPDATE of sent rows (two bound values each; SQLite allows 32766).
SENT_CHUNK = 500

_STATEMENTS: dict[Outcome, Update] = {
    Outcome.RETRY: update(_D)
    .where(_ours)
    .values(
        status=DeliveryStatus.QUEUED,
        not_before=bindparam("b_not_before"),
        error=bindparam("b_error"),
        **_released,
    ),
    Outcome.REQUEUE: update(_D)
    .where(_ours)
    .values(
        status=DeliveryStatus.QUEUED,
        not_before=bindparam("b_not_before"),
        attempts=_D.c.attempts - 1,
        **_released,
    ),
    Outcome.MIGRATED: update(_D)
    .where(_ours)
    .values(
        status=DeliveryStatus.QUEUED,
        chat_id=bindparam("b_new_chat_id"),
        not_before=bindparam("b_now"),
        attempts=_D.c.attempts - 1,
        **_released,
    ),
    Outcome.UNREACHABLE: update(_D)
    .where(_ours)
    .values(status=DeliveryStatus.UNREACHABLE, error=bindparam("b_error"), lease_until=None),
    Outcome.FAILED: update(_D)
    .where(_ours)
    .values(status=DeliveryStatus.FAILED, error=bindparam("b_error"), lease_until=None),
}

# Other rows still waiting for a chat that became a supergroup follow it.
_FOLLOW_MIGRATION = (
    update(_D)
    .where(_D.c.chat_id == bindparam("b_chat_id"), _D.c.status == DeliveryStatus.QUEUED)
    .values(chat_id=bindparam("b_new_chat_id"))
)


def _params(result: Result, worker_id: str, now: datetime) -> dict[str, Any]:
    return {
        "b_id": result.delivery_id,
        "b_worker": worker_id,
        "b_now": now,
        "b_error": result.error[:ERROR_MAX] if result.error else None,
        "b_not_before": result.not_before or now,
        "b_new_chat_id": result.new_chat_id,
    }


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    results: Sequence[Result],
    *,
    worker_id: str,
    now: datetime,
) -> None:
    """Write a batch of results in one transaction: sent rows in one UPDATE, the rarer
    outcomes in one executemany each."""
    grouped: dict[Outcome, list[Result]] = defaultdict(list)
    for result in results:
        grouped[result.outcome].append(result)
    async with transaction(sessionmaker) as session:
        conn = await session.connection()
        await _mark_sent(conn, grouped.pop(Outcome.SENT, []), now)
        for outcome, group in grouped.items():
            await conn.execute(_STATEMENTS[outcome], [_params(r, worker_id, now) for r in group])
        await _mark_unreachable(conn, grouped.get(Outcome.UNREACHABLE, ()), now)
        await _follow_migrations(conn, grouped.get(Outcome.MIGRATED, ()))


async def _mark_sent(conn: AsyncConnection, results: Sequence[Result], now: datetime) -> None:
    """One statement per chunk rather than an executemany: on SQLite each row of an
    executemany is a separate step, and each step hands the GIL to and from the driver's
    thread while the event loop is busy sending. A sent message is a fact whoever holds the
    claim now, so this is written unconditionally."""
    for start in range(0, len(results), SENT_CHUNK):
        chunk = results[start : start + SENT_CHUNK]
        message_ids = {r.delivery_id: r.message_id for r in chunk}
        await conn.execute(
            update(_D)
            .where(_D.c.id.in_(list(message_ids)))
            .values(
                status=DeliveryStatus.SENT,
                message_id=case(message_ids, value=_D.c.id),
                sent_at=now,
                error=None,
                lease_until=None,
            )
        )


async def _mark_unreachable(
    conn: AsyncConnection, results: Iterable[Result], now: datetime
) -> None:
    member_ids = sorted({r.member_id for r in results if r.member_id is not None})
    if member_ids:
        # Keep the first time we noticed; the member handlers clear it when they write again.
        await conn.execute(
            update(_M)
            .where(_M.c.id.in_(member_ids), _M.c.unreachable_at.is_(None))
            .values(unreachable_at=now)
        )


async def _follow_migrations(conn: AsyncConnection, results: Iterable[Result]) -> None:
    params = [{"b_chat_id": r.chat_id, "b_new_chat_id": r.new_chat_id} for r in results]
    if params:
        await conn.execute(_FOLLOW_MIGRATION, params)
