"""The delivery worker against the Bot API emulator (real PTB over HTTP) and the real database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.db.models import Delivery, DeliveryStatus, Member, MemberStatus
from bot.db.session import create_sessionmaker, is_sqlite, transaction
from bot.delivery import DeliveryWorker, Kind, Outgoing, Priority, SendLimiter, Waker, outbox
from bot.delivery.errors import classify, retry_after_seconds
from bot.delivery.store import Outcome
from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN

pytestmark = pytest.mark.filterwarnings(
    # PTB warns when it builds a RetryAfter (its retry_after type is changing).
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

ROUTINE = 50
EXTREME = 0


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.api_url, base_file_url=emulator.file_url) as tg:
        yield tg


def row(chat_id: int, text: str | None = None, **values: Any) -> dict[str, Any]:
    return {
        "kind": "notice",
        "chat_id": chat_id,
        "text": text if text is not None else f"<b>Notice</b> for {chat_id}",
        "priority": ROUTINE,
        "status": DeliveryStatus.QUEUED,
        "not_before": datetime.now(UTC),
        "attempts": 0,
        "protect_content": False,
        "paid_broadcast": False,
        "created_at": datetime.now(UTC),
        **values,
    }


async def enqueue(sessionmaker, rows: list[dict[str, Any]]) -> None:
    async with transaction(sessionmaker) as session:
        await session.execute(insert(Delivery), rows)


async def deliveries(sessionmaker) -> list[Delivery]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


def users(emulator: BotApiEmulator, first: int, count: int) -> list[int]:
    return [emulator.user(first + i).id for i in range(count)]


def sends_to(emulator: BotApiEmulator, chat_id: int) -> list[float]:
    """Arrival times of sendMessage requests to a chat."""
    return [r.time for r in emulator.requests_for("sendMessage") if r.params["chat_id"] == chat_id]


def delivered_order(emulator: BotApiEmulator) -> list[int]:
    return [m.chat_id for m in emulator.sent_messages]


@asynccontextmanager
async def running(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def make_worker(sessionmaker, bot: Bot, **kwargs: Any) -> DeliveryWorker:
    limiter = kwargs.pop("limiter", None) or SendLimiter(rate_per_s=kwargs.pop("rate", 100.0))
    kwargs.setdefault("idle_poll_s", 0.1)
    kwargs.setdefault("retry_base_s", 0.05)
    return DeliveryWorker(sessionmaker, bot, limiter, **kwargs)


# ---------------------------------------------------------------------- ordering, exactly once


async def test_every_row_sent_once_in_priority_order(sessionmaker, emulator, bot) -> None:
    chats = users(emulator, 1000, 30)
    # Mixed priorities, inserted in the reverse of their urgency.
    await enqueue(sessionmaker, [row(c, priority=30 - 10 * (i % 3)) for i, c in enumerate(chats)])
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)

    priorities = {c: 30 - 10 * (i % 3) for i, c in enumerate(chats)}
    order = [priorities[c] for c in delivered_order(emulator)]
    assert order == sorted(order)
    assert Counter(delivered_order(emulator)) == Counter(chats)
    rows = await deliveries(sessionmaker)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert all(r.message_id and r.sent_at and r.attempts == 1 for r in rows)
    sent = {m.chat_id: m for m in emulator.sent_messages}
    assert sent[chats[0]].html == f"<b>Notice</b> for {chats[0]}"
    assert sent[chats[0]].parse_mode == "HTML"


async def test_extreme_row_overtakes_a_running_fan_out(sessionmaker, emulator, bot) -> None:
    chats = users(emulator, 2000, 150)
    urgent = emulator.user(2999).id
    await enqueue(sessionmaker, [row(c) for c in chats])
    async with running(make_worker(sessionmaker, bot, claim_batch=20)) as worker:
        await emulator.wait_until(lambda: len(emulator.sent_messages) >= 20, 10)
        await enqueue(sessionmaker, [row(urgent, priority=EXTREME, kind="advisory")])
        # No wake(): the claimer must pick it up on its own.
        await worker.drain(15)

    order = delivered_order(emulator)
    assert Counter(order) == Counter([*chats, urgent])
    assert order.index(urgent) < 75, "the Extreme row should beat most routine rows"


async def test_markup_protection_and_reply_are_passed(sessionmaker, emulator, bot) -> None:
    chat = emulator.user(3000).id
    earlier = await bot.send_message(chat, "the report")
    markup = {"inline_keyboard": [[{"text": "Acknowledge", "callback_data": "ack:1"}]]}
    await enqueue(
        sessionmaker,
        [row(chat, reply_markup=markup, protect_content=True, reply_to_message_id=999)],
    )
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)
    await enqueue(sessionmaker, [row(chat, "decision", reply_to_message_id=earlier.message_id)])
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)
    _, message, reply = emulator.chat_messages(chat)
    assert message.button_texts() == ["Acknowledge"]
    assert message.protect_content
    assert message.link_preview_options == {"is_disabled": True}
    # The message it answered does not exist: sent anyway, without the reply.
    assert message.reply_to_message_id is None
    assert reply.reply_to_message_id == earlier.message_id


# ---------------------------------------------------------------------- pacing


async def test_pacing_provokes_no_429(sessionmaker, emulator, bot) -> None:
    emulator.set_flood_limits(global_per_s=30, per_chat_per_s=1)
    emulator.latency = 0.05
    chats = users(emulator, 4000, 150)
    busy = emulator.user(4999).id
    await enqueue(sessionmaker, [row(busy, f"n{i}") for i in range(5)])
    await enqueue(sessionmaker, [row(c) for c in chats])

    async with running(DeliveryWorker(sessionmaker, bot, SendLimiter())) as worker:
        await worker.drain(20)

    assert emulator.stats.http_429 == 0
    assert Counter(delivered_order(emulator)) == Counter([*chats, *[busy] * 5])
    times = sends_to(emulator, busy)
    assert len(times) == 5
    assert all(b - a >= 1.0 for a, b in pairwise(times)), times
    assert [m.text for m in emulator.chat_messages(busy)] == [f"n{i}" for i in range(5)]


async def test_limiter_serves_interactive_first_and_honours_pauses() -> None:
    """Through the calls the worker makes (try_acquire_bulk, next_bulk_at)."""
    limiter = SendLimiter(rate_per_s=20.0, per_chat_interval_s=0)
    loop = asyncio.get_running_loop()
    assert limiter.try_acquire_bulk(1)
    assert not limiter.try_acquire_bulk(2)  # the next slot is an interval away
    asked = loop.time()
    await limiter.acquire_interactive(99)  # a reply takes the next slot, ahead of the queue
    assert loop.time() - asked <= 2 / 20.0
    assert not limiter.try_acquire_bulk(3)

    limiter.pause_for(0.3)
    start = loop.time()
    assert limiter.next_bulk_at() >= start + 0.29
    assert not limiter.try_acquire_bulk(4)
    await limiter.acquire_interactive(98)  # replies wait out the pause too
    assert loop.time() - start >= 0.29


# ---------------------------------------------------------------------- errors


async def test_429_storm_loses_and_duplicates_nothing(sessionmaker, emulator, bot) -> None:
    chats = users(emulator, 5000, 30)
    await enqueue(sessionmaker, [row(c) for c in chats])
    emulator.fail_next("sendMessage", status=429, retry_after=1, count=3)
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(15)

    assert emulator.stats.http_429 == 3
    assert Counter(delivered_order(emulator)) == Counter(chats)
    rows = await deliveries(sessionmaker)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert {r.attempts for r in rows} == {1}, "a 429 is not a failed attempt"


async def test_unreachable_chats_are_marked_and_not_retried(sessionmaker, emulator, bot) -> None:
    blocked, gone, ok = emulator.user(6001).id, emulator.user(6002).id, emulator.user(6003).id
    emulator.block(blocked)
    emulator.deactivate(gone)
    async with transaction(sessionmaker) as session:
        member = Member(
            telegram_user_id=blocked, status=MemberStatus.ACTIVE, language="id", role="operator"
        )
        session.add(member)
        await session.flush()
        member_id = member.id
    await enqueue(
        sessionmaker,
        [row(blocked, member_id=member_id), row(gone), row(6004), row(ok)],  # 6004: no chat
    )
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)

    by_chat = {r.chat_id: r for r in await deliveries(sessionmaker)}
    assert by_chat[ok].status == DeliveryStatus.SENT
    for chat, text in ((blocked, "blocked"), (gone, "deactivated"), (6004, "chat not found")):
        assert by_chat[chat].status == DeliveryStatus.UNREACHABLE
        assert text in (by_chat[chat].error or "").lower()
        assert len(sends_to(emulator, chat)) == 1, "not retried"
    async with sessionmaker() as session:
        member = await session.get(Member, member_id)
        assert member is not None and member.unreachable_at is not None


async def test_unparseable_message_fails_without_retry(sessionmaker, emulator, bot) -> None:
    chat = emulator.user(7000).id
    await enqueue(sessionmaker, [row(chat, "<b>unclosed")])
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)
    [delivery] = await deliveries(sessionmaker)
    assert delivery.status == DeliveryStatus.FAILED
    assert "can't parse entities" in (delivery.error or "").lower()
    assert len(sends_to(emulator, chat)) == 1


async def test_server_errors_are_retried_then_sent(sessionmaker, emulator, bot) -> None:
    chat = emulator.user(7100).id
    await enqueue(sessionmaker, [row(chat)])
    emulator.fail_next("sendMessage", status=500, count=2)
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)
    [delivery] = await deliveries(sessionmaker)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3
    assert len(emulator.chat_messages(chat)) == 1


async def test_persistent_server_errors_fail_at_the_maximum_age_after_gentle_probing(
    sessionmaker, emulator, bot
) -> None:
    chat = emulator.user(7200).id
    await enqueue(sessionmaker, [row(chat)])
    emulator.fail_next("sendMessage", status=502, description="Bad Gateway", count=1000)
    async with running(make_worker(sessionmaker, bot, max_age_s=2.0)) as worker:
        await worker.drain(10)
    [delivery] = await deliveries(sessionmaker)
    assert delivery.status == DeliveryStatus.FAILED
    assert "gave up" in (delivery.error or "") and "Bad Gateway" in (delivery.error or "")
    # Retried by time, not burnt through: each failure paused sending for a probe.
    attempts = len(sends_to(emulator, chat))
    assert 2 <= attempts <= 8, attempts
    assert len(emulator.requests_for("getMe")) >= attempts - 1


async def test_migrated_group_is_followed(sessionmaker, emulator, bot) -> None:
    old_chat, new_chat = -100, -1001234567890
    emulator.add_group(old_chat, "Ops")
    emulator.migrate_group(old_chat, new_chat)  # Telegram answers 400 with the new id
    await enqueue(sessionmaker, [row(old_chat), row(old_chat, "two")])
    async with running(make_worker(sessionmaker, bot, claim_batch=1)) as worker:
        await worker.drain(10)
    rows = await deliveries(sessionmaker)
    assert {(r.status, r.chat_id, r.attempts) for r in rows} == {(DeliveryStatus.SENT, new_chat, 1)}
    assert len(emulator.chat_messages(new_chat)) == 2


def test_errors_are_classified_by_class_then_text() -> None:
    def verdict(exc: Exception, attempts: int = 1):
        return classify(exc, attempts=attempts, retry_base_s=1.0)

    assert verdict(RetryAfter(timedelta(seconds=7))).pause_s == 7
    assert retry_after_seconds(RetryAfter(3)) == 3
    assert verdict(RetryAfter(3)).outcome is Outcome.REQUEUE
    assert verdict(ChatMigrated(-1005)).new_chat_id == -1005
    assert verdict(Forbidden("Forbidden: bot was kicked")).outcome is Outcome.UNREACHABLE
    assert verdict(BadRequest("Chat not found")).outcome is Outcome.UNREACHABLE
    assert verdict(BadRequest("Message text is empty")).outcome is Outcome.FAILED
    assert verdict(TimedOut()).outcome is Outcome.RETRY
    assert verdict(TimedOut()).maybe_delivered and verdict(TimedOut()).server_side
    # A time-out before the request left: not delivered, retried as a server-side failure.
    not_sent = TimedOut("Pool timeout: ... Request was *not* sent to Telegram.")
    assert verdict(not_sent).outcome is Outcome.RETRY and not verdict(not_sent).maybe_delivered
    # Two time-outs of one message: the second one ends it (a third copy is worse).
    twice = classify(TimedOut(), attempts=2, retry_base_s=1.0, maybe_delivered_before=True)
    assert twice.outcome is Outcome.FAILED and twice.maybe_delivered
    assert verdict(NetworkError("Internal Server Error")).outcome is Outcome.RETRY
    # Bounded by time, not attempts: the 30th failure is still a retry.
    assert verdict(NetworkError("Bad Gateway"), attempts=30).outcome is Outcome.RETRY
    assert verdict(NetworkError("Bad Gateway"), attempts=30).delay_s <= 300
    assert verdict(ValueError("bug")).outcome is Outcome.FAILED
    assert 0.5 <= verdict(TimedOut(), attempts=1).delay_s <= 1.0


# ---------------------------------------------------------------------- stop, crash, restart


async def test_stop_finishes_sends_and_gives_the_rest_back(sessionmaker, emulator, bot) -> None:
    emulator.latency = 0.1
    chats = users(emulator, 8000, 60)
    await enqueue(sessionmaker, [row(c) for c in chats])
    worker = make_worker(sessionmaker, bot, rate=30.0)
    await worker.start()
    await emulator.wait_until(lambda: len(emulator.sent_messages) >= 10, 10)
    await worker.stop()

    rows = await deliveries(sessionmaker)
    sent = {r.chat_id for r in rows if r.status == DeliveryStatus.SENT}
    assert sent == {m.chat_id for m in emulator.sent_messages}
    assert {r.status for r in rows} == {DeliveryStatus.SENT, DeliveryStatus.QUEUED}
    assert {r.attempts for r in rows if r.status == DeliveryStatus.QUEUED} == {0}

    async with running(make_worker(sessionmaker, bot)) as again:
        await again.drain(10)
    assert Counter(delivered_order(emulator)) == Counter(chats)


async def test_rows_of_a_dead_worker_are_sent_after_their_lease(
    sessionmaker, emulator, bot
) -> None:
    chats = users(emulator, 9000, 20)
    now = datetime.now(UTC)
    # Claimed by a worker that died: ten with their lease run out, ten about to run out.
    await enqueue(
        sessionmaker,
        [
            row(
                c,
                status=DeliveryStatus.SENDING,
                claimed_by="dead",
                attempts=1,
                lease_until=now + timedelta(seconds=-5 if i < 10 else 1),
            )
            for i, c in enumerate(chats)
        ],
    )
    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(10)
    assert Counter(delivered_order(emulator)) == Counter(chats)
    claims = {r.claimed_by for r in await deliveries(sessionmaker)}
    assert {c.split("#")[0] for c in claims} == {worker.worker_id}


async def test_crash_mid_fan_out_loses_nothing(sessionmaker, emulator, bot) -> None:
    emulator.latency = 0.1
    chats = users(emulator, 10_000, 80)
    await enqueue(sessionmaker, [row(c) for c in chats])
    crashed = make_worker(sessionmaker, bot, rate=40.0, lease_seconds=2.0, claim_batch=10)
    await crashed.start()
    await emulator.wait_until(lambda: len(emulator.sent_messages) >= 25, 10)
    await crashed.kill()
    async with sessionmaker() as session:
        in_flight = set(
            await session.scalars(
                select(Delivery.chat_id).where(Delivery.status == DeliveryStatus.SENDING)
            )
        )
    # Requests cut off by the crash may still land: wait until the emulator answered them all.
    await emulator.wait_until(
        lambda: all(r.status is not None for r in emulator.requests_for("sendMessage")), 5
    )

    async with running(make_worker(sessionmaker, bot)) as worker:
        await worker.drain(15)
    received = Counter(delivered_order(emulator))
    assert set(received) == set(chats), "nothing lost"
    duplicated = {c for c, n in received.items() if n > 1}
    assert duplicated <= in_flight, "only rows in flight at the crash may repeat"
    rows = await deliveries(sessionmaker)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}


async def test_two_workers_never_send_a_row_twice(
    sessionmaker, emulator, bot, database_url
) -> None:
    if is_sqlite(database_url):
        pytest.skip("several workers need PostgreSQL's SKIP LOCKED; SQLite runs one worker")
    chats = users(emulator, 11_000, 300)
    await enqueue(sessionmaker, [row(c) for c in chats])
    workers = [make_worker(sessionmaker, bot, rate=150.0, worker_id=f"w{i}") for i in (1, 2)]
    for worker in workers:
        await worker.start()
    try:
        await workers[0].drain(15)
    finally:
        for worker in workers:
            await worker.stop()
    received = Counter(delivered_order(emulator))
    assert received == Counter(chats)
    rows = await deliveries(sessionmaker)
    assert {(r.claimed_by or "").split("#")[0] for r in rows} == {"w1", "w2"}


async def test_wake_claims_at_once(sessionmaker, emulator, bot) -> None:
    chat = emulator.user(12_000).id
    async with running(make_worker(sessionmaker, bot, idle_poll_s=30.0)) as worker:
        await asyncio.sleep(0)  # the claimer has found nothing and sleeps for 30 s
        await enqueue(sessionmaker, [row(chat)])
        worker.wake()
        await emulator.wait_until(lambda: emulator.chat_messages(chat), 3)


async def test_requeued_rows_keep_their_not_before(sessionmaker, emulator, bot) -> None:
    chat = emulator.user(12_100).id
    later = datetime.now(UTC) + timedelta(seconds=60)
    await enqueue(sessionmaker, [row(chat, not_before=later)])
    async with running(make_worker(sessionmaker, bot)) as worker:
        with pytest.raises(TimeoutError):
            await worker.drain(0.5)
        async with transaction(sessionmaker) as session:
            await session.execute(update(Delivery).values(not_before=datetime.now(UTC)))
        await worker.drain(5)
    assert len(emulator.chat_messages(chat)) == 1


async def test_a_finished_send_frees_its_place_at_once(sessionmaker, emulator, bot) -> None:
    # One place in flight and a long idle poll: each send must hand its place to the next
    # row at once, not after the dispatcher's idle poll (30 rows x 5 s would time out).
    chats = users(emulator, 12_200, 30)
    await enqueue(sessionmaker, [row(c) for c in chats])
    worker = make_worker(sessionmaker, bot, rate=1e9, max_in_flight=1, idle_poll_s=5.0)
    async with running(worker):
        worker.wake()
        await emulator.wait_until(lambda: len(emulator.sent_messages) == len(chats), 4)
    assert Counter(delivered_order(emulator)) == Counter(chats)


async def test_sends_leave_an_interval_apart_after_a_stall() -> None:
    # Two slots granted an interval apart, but the first send started late (a stall): the
    # second must not leave right behind it.
    limiter = SendLimiter(rate_per_s=10.0, per_chat_interval_s=0)
    interval = 1 / (10.0 * (1 - SendLimiter.HEADROOM))
    assert limiter.departure_delay() == 0.0  # the first leaves at once
    second = limiter.departure_delay()
    assert interval - 0.01 < second <= interval
    # Paid broadcasts are spaced on their own, much shorter interval.
    assert limiter.departure_delay(paid=True) == 0.0
    # An uncapped limiter never delays.
    uncapped = SendLimiter(rate_per_s=1e9)
    assert [uncapped.departure_delay() for _ in range(3)] == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------- the outbox


async def test_a_commit_that_enqueued_wakes_the_worker_by_itself(engine) -> None:
    waker, wakes = Waker(), []
    waker.target = lambda: wakes.append(1)
    sessionmaker = create_sessionmaker(engine, info={outbox.WAKER: waker})
    message = Outgoing(kind=Kind.NOTICE, chat_id=1, text="hello")

    async with transaction(sessionmaker) as session:
        await session.execute(select(Delivery.id))  # a transaction that queues nothing
    assert wakes == []
    with pytest.raises(RuntimeError):
        async with transaction(sessionmaker) as session:
            await outbox.enqueue(session, [message])
            raise RuntimeError("rolled back: nothing to send")
    assert wakes == []
    async with transaction(sessionmaker) as session:
        ids = await outbox.enqueue(session, [message, message], returning=True)
    assert wakes == [1]
    rows = await deliveries(sessionmaker)
    assert [r.id for r in rows] == ids
    assert {(r.kind, r.status, r.priority) for r in rows} == {
        ("notice", DeliveryStatus.QUEUED, Priority.NOTICE)
    }


async def test_messages_to_one_chat_keep_their_order_while_replies_cut_in(
    sessionmaker, emulator, bot
) -> None:
    """A report's card, its photos and its location to one coordinator: replies to that
    coordinator take the chat's turn now and then, and the queued rows still arrive in order."""
    chat = emulator.user(13_000).id
    await enqueue(sessionmaker, [row(chat, f"part {i}") for i in range(8)])
    limiter = SendLimiter(rate_per_s=100.0, per_chat_interval_s=0.1)
    async with running(make_worker(sessionmaker, bot, limiter=limiter)) as worker:

        async def replies() -> None:
            for _ in range(6):
                await limiter.acquire_interactive(chat)  # a reply takes the chat's slot
                await bot.send_message(chat, "reply")

        await asyncio.gather(replies(), worker.drain(20))
    parts = [m.text for m in emulator.chat_messages(chat) if m.text.startswith("part")]
    assert parts == [f"part {i}" for i in range(8)]
