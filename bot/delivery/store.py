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
from typing import Any, cast

from sqlalchemy import Table, Update, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AdvisoryStatus,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
)
from bot.db.session import reading, transaction

from .kinds import VOID_WITH_ADVISORY, Kind

__all__ = [
    "Job",
    "Outcome",
    "Recorded",
    "Result",
    "Standing",
    "check",
    "claim",
    "open_count",
    "record",
    "renew",
]

# The tables for Core statements (typed as Table: __table__ is declared as a FromClause).
_D = cast(Table, Delivery.__table__)
_M = cast(Table, Member.__table__)
_A = cast(Table, Advisory.__table__)
_R = cast(Table, AdvisoryRecipient.__table__)
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
    kind: str = Kind.NOTICE
    advisory_id: int | None = None  # set only for kinds void with their advisory
    maybe_delivered: bool = False  # an earlier attempt timed out: it may have arrived
    # When retrying stops: the advisory's expiry, or the row's maximum age.
    give_up_at: datetime | None = None
    checked_at: float = float("-inf")  # loop.time() of the last check that it may go
    generation: int = 0  # the worker's, to tell its current queue entry from stale ones
    # claimed_by as written by this claim: a result, a check or a renewal counts only while
    # the row still carries it (a row reclaimed after a lapsed lease has a new one).
    claim_token: str = ""


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a failed attempt, tried again at not_before
    REQUEUE = "requeue"  # not an attempt (429, released unsent): attempts given back
    MIGRATED = "migrated"  # requeued at once to the supergroup's chat id
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"  # must no longer be sent (advisory cancelled, recipient left)

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({Outcome.SENT, Outcome.UNREACHABLE, Outcome.FAILED, Outcome.CANCELLED})


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
    maybe_delivered: bool = False  # this attempt (or an earlier one) may have arrived
    advisory_id: int | None = None  # for kinds void with their advisory
    kind: str | None = None
    claim_token: str = ""  # the claim this result belongs to (see Job.claim_token)


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
    _D.c.kind,
    _D.c.advisory_id,
    _D.c.maybe_delivered,
    _D.c.created_at,
    _A.c.status.label("advisory_status"),
    _A.c.expires_at.label("advisory_expires_at"),
    _M.c.status.label("member_status"),
)
# What a row needs to be judged: its advisory and its recipient, where it has them.
_JUDGED = _D.outerjoin(_A, _A.c.id == _D.c.advisory_id).outerjoin(_M, _M.c.id == _D.c.member_id)

_STANDING_COLUMNS = (
    _D.c.id,
    _D.c.status,
    _D.c.claimed_by,
    _D.c.kind,
    _D.c.created_at,
    _A.c.status.label("advisory_status"),
    _A.c.expires_at.label("advisory_expires_at"),
    _M.c.status.label("member_status"),
)


@dataclass(frozen=True, slots=True)
class Standing:
    """Whether a held row may still go, from one check against the database."""

    ours: bool  # still claimed by this worker
    void: str | None = None  # why it must not be sent (ended as cancelled or failed)
    expired: bool = False  # its advisory expired: ended as failed, not cancelled
    give_up_at: datetime | None = None


def _judge(row: Any, *, now: datetime, max_age: timedelta) -> tuple[str | None, bool, datetime]:
    """(why it must not go, whether that is an expiry, when retrying stops) for a row."""
    give_up_at = row.created_at + max_age
    void, expired = None, False
    if row.kind in VOID_WITH_ADVISORY and row.advisory_status is not None:
        expires_at = row.advisory_expires_at
        if expires_at is not None:
            give_up_at = min(give_up_at, expires_at)
        if row.advisory_status == AdvisoryStatus.CANCELLED:
            void = "advisory cancelled before sending"
        elif expires_at is not None and expires_at <= now:
            void, expired = "advisory expired before it could be sent", True
    if void is None and row.member_status is not None and row.member_status != MemberStatus.ACTIVE:
        void = f"recipient {row.member_status} before sending"
    return void, expired, give_up_at


def _due(now: datetime) -> Any:
    return or_(
        and_(_D.c.status == DeliveryStatus.QUEUED, _D.c.not_before <= now),
        # A crashed (or stopped without release) worker's rows.
        and_(_D.c.status == DeliveryStatus.SENDING, _D.c.lease_until < now),
    )


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    claim_token: str,
    limit: int,
    lease_seconds: float,
    now: datetime,
    lease_deadline: float,
    checked_at: float,
    max_age: timedelta,
) -> list[Job]:
    """Mark up to ``limit`` due rows as ours (status sending) and return them, most urgent
    first. SKIP LOCKED keeps concurrent workers on PostgreSQL off each other's rows; on
    SQLite the transaction's BEGIN IMMEDIATE serialises claims instead.

    Due rows that must no longer go (advisory cancelled or expired, recipient no longer
    active) are ended in the same transaction instead of claimed: a claimed row has been
    checked at ``checked_at``."""
    query = (
        select(*_CLAIM_COLUMNS)
        .select_from(_JUDGED)
        .where(_due(now))
        .order_by(_D.c.priority, _D.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_D)
    )
    async with transaction(sessionmaker) as session:
        rows = (await session.execute(query)).all()
        if not rows:
            return []
        judged = [(r, *_judge(r, now=now, max_age=max_age)) for r in rows]
        void = [(r, why, expired) for r, why, expired, _ in judged if why is not None]
        if void:
            ended = [
                {
                    "b_id": r.id,
                    "b_status": DeliveryStatus.FAILED if expired else DeliveryStatus.CANCELLED,
                    "b_error": why,
                    "b_maybe": bool(r.maybe_delivered),
                    "b_message_id": None,
                    "b_sent_at": None,
                }
                for r, why, expired in void
            ]
            await session.execute(_END_UNSENT, ended)
            copies = [
                e for e, (r, _, _) in zip(ended, void, strict=True) if r.kind == Kind.ADVISORY
            ]
            if copies:
                await session.execute(_SETTLE_RECIPIENT, copies)
        rows_ok = [(r, give_up) for r, why, _, give_up in judged if why is None]
        if not rows_ok:
            return []
        await session.execute(
            update(_D)
            .where(_D.c.id.in_([r.id for r, _ in rows_ok]))
            .values(
                status=DeliveryStatus.SENDING,
                lease_until=now + timedelta(seconds=lease_seconds),
                claimed_by=claim_token,
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
            kind=r.kind,
            advisory_id=r.advisory_id if r.kind in VOID_WITH_ADVISORY else None,
            maybe_delivered=bool(r.maybe_delivered),
            give_up_at=give_up,
            checked_at=checked_at,
            claim_token=claim_token,
        )
        for r, give_up in rows_ok
    ]


# A due row ended unsent at claim time (whoever held it before: its lease ran out).
_END_UNSENT = (
    update(_D)
    .where(_D.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        error=bindparam("b_error"),
        lease_until=None,
        claimed_by=None,
    )
)


async def check(
    sessionmaker: async_sessionmaker[AsyncSession],
    tokens: dict[int, str],
    *,
    now: datetime,
    max_age: timedelta,
) -> dict[int, Standing]:
    """One read for many held rows (id -> claim token): are they still ours, and may they
    still go? A row missing from the answer is gone."""
    if not tokens:
        return {}
    query = select(*_STANDING_COLUMNS).select_from(_JUDGED).where(_D.c.id.in_(list(tokens)))
    async with reading(sessionmaker) as session:
        rows = (await session.execute(query)).all()
    standings = {}
    for row in rows:
        ours = row.status == DeliveryStatus.SENDING and row.claimed_by == tokens[row.id]
        why, expired, give_up_at = _judge(row, now=now, max_age=max_age)
        standings[row.id] = Standing(ours, why, expired, give_up_at)
    return standings


async def renew(
    sessionmaker: async_sessionmaker[AsyncSession],
    tokens: dict[int, str],
    *,
    now: datetime,
    lease_seconds: float,
) -> set[int]:
    """Extend the lease of held rows (id -> claim token); returns those still ours."""
    if not tokens:
        return set()
    statement = (
        update(_D)
        .where(
            _D.c.id.in_(list(tokens)),
            _D.c.status == DeliveryStatus.SENDING,
            _D.c.claimed_by.in_(set(tokens.values())),
        )
        .values(lease_until=now + timedelta(seconds=lease_seconds))
        .returning(_D.c.id, _D.c.claimed_by)
    )
    async with transaction(sessionmaker) as session:
        rows = (await session.execute(statement)).all()
    # A token names one claim, and one claim holds a row once: the pair settles it.
    return {row.id for row in rows if tokens[row.id] == row.claimed_by}


async def open_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Rows still queued (due or not) or being sent."""
    query = select(func.count()).where(
        _D.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
    )
    async with reading(sessionmaker) as session:
        return int((await session.execute(query)).scalar_one())


# ---------------------------------------------------------------------- recording results

# Only the claim that holds the row may move it back to the queue or end it unsent: if our
# lease ran out and the row was claimed again (by another worker or by us), that claim's
# word counts, not ours.
_ours = and_(
    _D.c.id == bindparam("b_id"),
    _D.c.status == DeliveryStatus.SENDING,
    _D.c.claimed_by == bindparam("b_claim"),
)
_released = {"lease_until": None, "claimed_by": None}
# A timed-out attempt may have arrived: once set, the flag stays.
_maybe = _D.c.maybe_delivered | bindparam("b_maybe")

# Rows per UPDATE of sent rows (two bound values each; SQLite allows 32766).
SENT_CHUNK = 500

_STATEMENTS: dict[Outcome, Update] = {
    Outcome.RETRY: update(_D)
    .where(_ours)
    .values(
        status=DeliveryStatus.QUEUED,
        not_before=bindparam("b_not_before"),
        error=bindparam("b_error"),
        maybe_delivered=_maybe,
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
    .values(
        status=DeliveryStatus.FAILED,
        error=bindparam("b_error"),
        maybe_delivered=_maybe,
        lease_until=None,
    ),
    Outcome.CANCELLED: update(_D)
    .where(_ours)
    .values(
        status=DeliveryStatus.CANCELLED,
        error=bindparam("b_error"),
        maybe_delivered=_maybe,
        lease_until=None,
    ),
}

# Other rows still waiting for a chat that became a supergroup follow it.
_FOLLOW_MIGRATION = (
    update(_D)
    .where(_D.c.chat_id == bindparam("b_chat_id"), _D.c.status == DeliveryStatus.QUEUED)
    .values(chat_id=bindparam("b_new_chat_id"))
)


def _params(result: Result, now: datetime) -> dict[str, Any]:
    return {
        "b_id": result.delivery_id,
        "b_claim": result.claim_token,
        "b_now": now,
        "b_error": result.error[:ERROR_MAX] if result.error else None,
        "b_not_before": result.not_before or now,
        "b_new_chat_id": result.new_chat_id,
        "b_maybe": result.maybe_delivered,
    }


@dataclass(slots=True)
class Recorded:
    """What a batch of results meant beyond the rows themselves."""

    # Cancelled advisories some of whose copies were settled in this batch (sent, or ended
    # after a send that may have arrived): their cancellation notices are due.
    cancelled_advisories: set[int]


async def record(
    sessionmaker: async_sessionmaker[AsyncSession],
    results: Sequence[Result],
    *,
    now: datetime,
) -> Recorded:
    """Write a batch of results in one transaction: sent rows in one UPDATE, the rarer
    outcomes in one executemany each.

    A row of a cancelled (or expired) advisory that came back unsent (a 429, a 5xx, a
    timeout) ends here instead of going back to the queue: a cancellation is final."""
    async with transaction(sessionmaker) as session:
        conn = await session.connection()
        cancelled = await _settle_void(conn, results, now)
        grouped: dict[Outcome, list[Result]] = defaultdict(list)
        for result in results:
            grouped[result.outcome].append(result)
        await _settle_recipients(conn, results, now)
        await _mark_sent(conn, grouped.pop(Outcome.SENT, []), now)
        for outcome, group in grouped.items():
            await conn.execute(_STATEMENTS[outcome], [_params(r, now) for r in group])
        await _mark_unreachable(conn, grouped.get(Outcome.UNREACHABLE, ()), now)
        await _follow_migrations(conn, grouped.get(Outcome.MIGRATED, ()))
    return Recorded(cancelled)


async def _settle_void(conn: AsyncConnection, results: Sequence[Result], now: datetime) -> set[int]:
    """End the unsent results of void advisories; returns the cancelled advisories among
    them whose copies may have reached someone in this batch."""
    advisory_ids = {r.advisory_id for r in results if r.advisory_id is not None}
    if not advisory_ids:
        return set()
    states = {
        row.id: row
        for row in await conn.execute(
            select(_A.c.id, _A.c.status, _A.c.expires_at).where(_A.c.id.in_(advisory_ids))
        )
    }
    noticed: set[int] = set()
    for result in results:
        state = states.get(result.advisory_id) if result.advisory_id is not None else None
        if state is None:
            continue
        is_cancelled = state.status == AdvisoryStatus.CANCELLED
        if not result.outcome.final:
            if is_cancelled:
                result.outcome, result.error = Outcome.CANCELLED, "advisory cancelled meanwhile"
            elif state.expires_at is not None and state.expires_at <= now:
                result.outcome, result.error = Outcome.FAILED, "advisory expired before delivery"
        reached = result.outcome is Outcome.SENT or result.maybe_delivered
        if is_cancelled and reached and result.kind == Kind.ADVISORY:
            noticed.add(state.id)
    return noticed


# An advisory copy's outcome, on the advisory's own record of its recipients.
_SETTLE_RECIPIENT = (
    update(_R)
    .where(_R.c.delivery_id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        message_id=func.coalesce(bindparam("b_message_id"), _R.c.message_id),
        sent_at=func.coalesce(bindparam("b_sent_at"), _R.c.sent_at),
        maybe_delivered=_R.c.maybe_delivered | bindparam("b_maybe"),
    )
)


async def _settle_recipients(
    conn: AsyncConnection, results: Sequence[Result], now: datetime
) -> None:
    """Advisory copies that ended, or whose send may have arrived: the recipient record
    follows (status queued until the copy settles). Sent copies, nearly all of them, in one
    statement per chunk as in _mark_sent; the rare other outcomes in one executemany."""
    copies = [r for r in results if r.kind == Kind.ADVISORY and r.advisory_id is not None]
    sent = [r for r in copies if r.outcome is Outcome.SENT]
    for start in range(0, len(sent), SENT_CHUNK):
        message_ids = {r.delivery_id: r.message_id for r in sent[start : start + SENT_CHUNK]}
        await conn.execute(
            update(_R)
            .where(_R.c.delivery_id.in_(list(message_ids)))
            .values(
                status=DeliveryStatus.SENT,
                message_id=case(message_ids, value=_R.c.delivery_id),
                sent_at=now,
            )
        )
    params = [
        {
            "b_id": r.delivery_id,
            "b_status": r.outcome.value if r.outcome.final else DeliveryStatus.QUEUED.value,
            "b_message_id": None,
            "b_sent_at": None,
            "b_maybe": r.maybe_delivered,
        }
        for r in copies
        if r.outcome is not Outcome.SENT and (r.outcome.final or r.maybe_delivered)
    ]
    if params:
        await conn.execute(_SETTLE_RECIPIENT, params)


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
