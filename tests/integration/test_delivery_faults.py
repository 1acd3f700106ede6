"""The delivery queue on a bad day, through the real bot library over HTTP and the emulator:
429 pauses longer than a lease, answers slower than the send timeout, a database that
refuses statements, a 5xx outage, a cancellation in the middle of all that, and recipients
who leave or are suspended while a fan-out runs.

On PostgreSQL each scenario runs with two workers sharing the queue, as two instances would.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from telegram import Bot

from bot import advisories
from bot.advisories import reminders
from bot.db.models import Advisory, Delivery, DeliveryStatus, Role, utcnow
from bot.db.session import is_sqlite, transaction
from bot.delivery import DeliveryWorker, SendLimiter
from bot.emulator import BotApiEmulator
from bot.i18n import Translator
from bot.services import members
from bot.supervision import Health
from bot.telegram_request import AiohttpRequest
from tests.conftest import TOKEN, grant, make_member, released_advisory, wait_until

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

T = Translator("id")
IN_FLIGHT = 16
READ_TIMEOUT_S = 0.5
TITLE = "Ancaman terhadap mal"  # released_advisory's title


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bot whose sends time out after half a second, so slow answers are quick to test."""
    request = AiohttpRequest(IN_FLIGHT + 8, read_timeout=READ_TIMEOUT_S, pool_timeout=5.0)
    async with Bot(
        TOKEN, base_url=emulator.api_url, base_file_url=emulator.file_url, request=request
    ) as tg:
        yield tg


def worker_count(database_url: str) -> int:
    # SQLite serves one instance; PostgreSQL's SKIP LOCKED lets two share the queue.
    return 1 if is_sqlite(database_url) else 2


@asynccontextmanager
async def workers(
    sessionmaker, bot: Bot, count: int, **kwargs: Any
) -> AsyncIterator[list[DeliveryWorker]]:
    health = Health()
    started: list[DeliveryWorker] = []

    async def after_cancel(advisory_ids: set[int]) -> None:
        """As the app wires it: notices for copies recorded after their cancellation."""
        async with transaction(sessionmaker) as session:
            queued = await advisories.queue_cancel_notices(
                session, translator=T, now=utcnow(), advisory_ids=sorted(advisory_ids)
            )
        if queued:
            for worker in started:
                worker.wake()

    async with AsyncExitStack() as stack:
        for i in range(count):
            worker = DeliveryWorker(
                sessionmaker,
                bot,
                SendLimiter(rate_per_s=kwargs.pop("rate", 200.0), per_chat_interval_s=0),
                worker_id=f"w{i}",
                max_in_flight=IN_FLIGHT,
                idle_poll_s=0.1,
                retry_base_s=0.2,
                health=health,
                after_cancel=after_cancel,
                **kwargs,
            )
            await worker.start()
            stack.push_async_callback(worker.stop)
            started.append(worker)
        yield started
        assert health.ok, health.problems()
        assert all(t.restarts == 0 for t in health.tasks.values()), health.tasks


async def rows(sessionmaker) -> list[Delivery]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def any_maybe_delivered(sessionmaker) -> bool:
    return any(r.maybe_delivered for r in await rows(sessionmaker))


async def all_final(sessionmaker) -> bool:
    return all(
        r.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
        for r in await rows(sessionmaker)
    )


def copies_per_chat(emulator: BotApiEmulator, chats: list[int], needle: str) -> Counter[int]:
    """Messages that reached each chat (stored by the emulator) containing ``needle``."""
    return Counter(
        {c: sum(needle in (m.text or "") for m in emulator.chat_messages(c)) for c in chats}
    )


async def fan_out(sessionmaker, emulator: BotApiEmulator, count: int) -> tuple[Advisory, list[int]]:
    """A released advisory to ``count`` security managers, queued, not yet sent."""
    author = await grant(sessionmaker, 9001, Role.COORDINATOR)
    await grant(sessionmaker, 9002, Role.COORDINATOR)
    chats = []
    for i in range(count):
        user_id = 50_000 + i
        emulator.user(user_id)
        await make_member(sessionmaker, user_id, sites=[("mall", "JI")])
        chats.append(user_id)
    advisory = await released_advisory(sessionmaker, author_id=author.id, approver_tg=9002)
    return advisory, chats


async def still_sending(sessionmaker, emulator: BotApiEmulator, pool: list[DeliveryWorker]):
    """The workers are alive: a new row is delivered promptly."""
    chat = emulator.user(77_777).id
    async with transaction(sessionmaker) as session:
        session.add(Delivery(kind="notice", chat_id=chat, text="still here", priority=15))
    for worker in pool:
        worker.wake()
    await wait_until(lambda: emulator.chat_messages(chat), 10)


# ---------------------------------------------------------------------- 429 longer than a lease


async def test_a_429_pause_longer_than_the_lease_neither_stalls_nor_duplicates(
    sessionmaker, emulator, bot, database_url
) -> None:
    _, chats = await fan_out(sessionmaker, emulator, 12)
    # Telegram asks for 3 s three times in a row; the lease is 1.5 s.
    emulator.fail_next("sendMessage", status=429, retry_after=3, count=3)
    async with workers(
        sessionmaker, bot, worker_count(database_url), lease_seconds=1.5, rate=20.0
    ) as pool:
        await wait_until(lambda: all_final(sessionmaker), 40)
        await still_sending(sessionmaker, emulator, pool)
    assert {r.status for r in await rows(sessionmaker)} == {DeliveryStatus.SENT}
    assert set(copies_per_chat(emulator, chats, TITLE).values()) == {1}
    assert emulator.stats.http_429 == 3


# ---------------------------------------------------------------------- slow answers


async def test_answers_slower_than_the_send_timeout_send_at_most_twice(
    sessionmaker, emulator, bot, database_url
) -> None:
    _, chats = await fan_out(sessionmaker, emulator, 40)
    # Every call in the next second takes 1 s to answer; the bot waits 0.5 s.
    emulator.spike(1.0, seconds=1.0)
    async with workers(sessionmaker, bot, worker_count(database_url)) as pool:
        await wait_until(lambda: all_final(sessionmaker), 40)
        await still_sending(sessionmaker, emulator, pool)
    copies = copies_per_chat(emulator, chats, TITLE)
    assert min(copies.values()) >= 1, "lost"
    assert max(copies.values()) <= 2
    duplicated = sum(n - 1 for n in copies.values())
    assert 0 < duplicated <= IN_FLIGHT * worker_count(database_url)
    # The ones that timed out are known as maybe delivered.
    flagged = {r.chat_id for r in await rows(sessionmaker) if r.maybe_delivered}
    assert {c for c, n in copies.items() if n == 2} <= flagged
    # While Telegram was slow the workers probed it instead of sending on.
    assert emulator.requests_for("getMe")


# ---------------------------------------------------------------------- outage


async def test_a_5xx_outage_loses_nothing(sessionmaker, emulator, bot, database_url) -> None:
    _, chats = await fan_out(sessionmaker, emulator, 150)
    emulator.fail_next("sendMessage", status=500, count=40)
    async with workers(sessionmaker, bot, worker_count(database_url), rate=100.0) as pool:
        await wait_until(lambda: sum(copies_per_chat(emulator, chats, TITLE).values()) >= 30, 20)
        emulator.outage(2.0, status=502)
        await wait_until(lambda: all_final(sessionmaker), 60)
        await still_sending(sessionmaker, emulator, pool)
    assert {r.status for r in await rows(sessionmaker)} == {DeliveryStatus.SENT}
    assert set(copies_per_chat(emulator, chats, TITLE).values()) == {1}
    # During the outage the workers asked getMe, not a send per queued row.
    during = [
        r
        for r in emulator.requests_for("sendMessage")
        if r.status == 502  # answered by the outage
    ]
    assert len(during) <= 2 * IN_FLIGHT * worker_count(database_url)


# ---------------------------------------------------------------------- a refusing database


@asynccontextmanager
async def refusing_database(engine, database_url: str) -> AsyncIterator[Any]:
    """A trigger that makes the database refuse every change of a delivery's status while
    switched on: what a full disk or a failing replica looks like from here."""
    sqlite = is_sqlite(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE fault_switch (refuse INTEGER NOT NULL)"))
        await conn.execute(text("INSERT INTO fault_switch VALUES (0)"))
        if sqlite:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_status BEFORE UPDATE OF status ON deliveries "
                    "WHEN (SELECT refuse FROM fault_switch) = 1 "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse_status() RETURNS trigger AS $$ BEGIN "
                    "IF (SELECT refuse FROM fault_switch) = 1 THEN "
                    "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_status BEFORE UPDATE OF status ON deliveries "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_status()"
                )
            )

    async def switch(on: bool) -> None:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE fault_switch SET refuse = :on"), {"on": int(on)})

    try:
        yield switch
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DROP TRIGGER refuse_status" + ("" if sqlite else " ON deliveries"))
            )
            if not sqlite:
                await conn.execute(text("DROP FUNCTION refuse_status()"))
            await conn.execute(text("DROP TABLE fault_switch"))


async def test_a_database_that_refuses_statements_mid_batch(
    sessionmaker, emulator, bot, engine, database_url
) -> None:
    _, chats = await fan_out(sessionmaker, emulator, 120)
    emulator.latency = 0.02
    async with (
        refusing_database(engine, database_url) as switch,
        workers(
            sessionmaker, bot, worker_count(database_url), rate=60.0, lease_seconds=5.0
        ) as pool,
    ):
        await wait_until(lambda: sum(copies_per_chat(emulator, chats, TITLE).values()) >= 20, 20)
        await switch(True)  # results, claims and renewals are refused from here
        sent_then = sum(copies_per_chat(emulator, chats, TITLE).values())
        await wait_until(
            lambda: sum(copies_per_chat(emulator, chats, TITLE).values()) > sent_then + 5,
            10,
        )
        await switch(False)
        await wait_until(lambda: all_final(sessionmaker), 60)
        await still_sending(sessionmaker, emulator, pool)
    assert {r.status for r in await rows(sessionmaker)} == {DeliveryStatus.SENT}
    copies = copies_per_chat(emulator, chats, TITLE)
    assert min(copies.values()) == 1
    # Only rows whose results could not be written before their lease ran out may repeat.
    assert sum(n - 1 for n in copies.values()) <= IN_FLIGHT * worker_count(database_url)


# ---------------------------------------------------------------------- cancellation


async def cancel(sessionmaker, advisory_id: int) -> float:
    async with transaction(sessionmaker) as session:
        coordinator = await members.by_telegram_id(session, 9001)
        await advisories.cancel(
            session, coordinator=coordinator, advisory_id=advisory_id, translator=T
        )
    return time.time()


async def test_a_cancel_during_429s_and_slow_answers_is_final(
    sessionmaker, emulator, bot, database_url
) -> None:
    advisory, chats = await fan_out(sessionmaker, emulator, 200)
    emulator.latency = 0.01
    pool_size = worker_count(database_url)
    async with workers(sessionmaker, bot, pool_size, rate=100.0, lease_seconds=3.0) as pool:
        await wait_until(lambda: sum(copies_per_chat(emulator, chats, TITLE).values()) >= 40, 20)
        emulator.fail_next("sendMessage", status=429, retry_after=1, count=2)
        emulator.spike(0.8, seconds=0.6)  # sends in flight now time out
        # Cancel once the 429s were answered and the first time-outs recorded.
        await wait_until(lambda: emulator.stats.http_429 >= 2)
        await wait_until(lambda: any_maybe_delivered(sessionmaker))
        cancelled_at = await cancel(sessionmaker, advisory.id)
        for worker in pool:
            worker.wake()  # as the handler does after its commit
        await wait_until(lambda: all_final(sessionmaker), 40)
        await still_sending(sessionmaker, emulator, pool)
        # Sends the bot gave up waiting for are still carried out by the emulator.
        await wait_until(lambda: all(r.status for r in emulator.requests_for("sendMessage")))
        await wait_until(lambda: all_final(sessionmaker), 10)

    late = [
        r
        for r in emulator.requests_for("sendMessage")
        if r.time > cancelled_at
        and TITLE in r.params.get("text", "")
        and "DIBATALKAN" not in r.params["text"]
    ]
    assert len(late) <= IN_FLIGHT * pool_size, len(late)

    copy_rows = {r.chat_id: r for r in await rows(sessionmaker) if r.kind == "advisory"}
    assert {r.status for r in copy_rows.values()} <= {
        DeliveryStatus.SENT,
        DeliveryStatus.CANCELLED,
        DeliveryStatus.FAILED,
    }
    assert any(r.status == DeliveryStatus.CANCELLED for r in copy_rows.values())
    for chat in chats:
        messages = emulator.chat_messages(chat)
        copies = [m for m in messages if "DIBATALKAN" not in (m.text or "")]
        notices = [m for m in messages if "DIBATALKAN" in (m.text or "")]
        row = copy_rows[chat]
        if not copies and not row.maybe_delivered:
            assert not notices, f"chat {chat} got a notice about an advisory it never saw"
            continue
        # Whoever got a copy, or may have (the send timed out), gets exactly one notice.
        assert len(notices) == 1, f"chat {chat}: {len(notices)} notices"
        [notice] = notices
        # No copy after its notice.
        assert max((m.message_id for m in copies), default=0) < notice.message_id
        if row.status == DeliveryStatus.SENT:
            assert notice.reply_to_message_id == row.message_id
        else:  # the send timed out: the copy may have arrived, the notice says so
            assert row.maybe_delivered
            assert notice.reply_to_message_id is None
            assert "Jika Anda menerimanya" in (notice.text or "")


# ---------------------------------------------------------------------- leaving, suspension


async def test_people_who_leave_or_are_suspended_get_nothing_more(
    sessionmaker, emulator, bot, database_url
) -> None:
    advisory, chats = await fan_out(sessionmaker, emulator, 60)
    late_leaver, late_suspended = chats[-1], chats[-2]  # their copies go out last
    async with workers(sessionmaker, bot, worker_count(database_url), rate=15.0) as pool:
        await wait_until(lambda: sum(copies_per_chat(emulator, chats, TITLE).values()) >= 5, 20)
        async with transaction(sessionmaker) as session:
            coordinator = await members.by_telegram_id(session, 9001)
            leaver = await members.by_telegram_id(session, late_leaver)
            await members.leave(session, member=leaver)
            target = await members.by_telegram_id(session, late_suspended)
            await members.suspend(session, coordinator=coordinator, target=target, reason="test")
        await wait_until(lambda: all_final(sessionmaker), 30)

        # Someone who got the advisory leaves before the reminder.
        early_leaver = chats[0]
        async with transaction(sessionmaker) as session:
            early = await members.by_telegram_id(session, early_leaver)
            assert early is not None
            early_id = early.id
            await members.leave(session, member=early)
        async with transaction(sessionmaker) as session:
            # An hour later: both reminders and the escalation are due at once.
            released = await session.get(Advisory, advisory.id)
            assert released is not None and released.released_at is not None
            released.released_at -= timedelta(minutes=61)
        for _ in range(2):
            async with transaction(sessionmaker) as session:
                await reminders.run_due(session, now=utcnow(), intervals_min=[15, 60], translator=T)
        for worker in pool:
            worker.wake()
        await wait_until(lambda: all_final(sessionmaker), 30)

    copies = copies_per_chat(emulator, chats, TITLE)
    assert copies[late_leaver] == 0 and copies[late_suspended] == 0
    by_chat = {r.chat_id: r for r in await rows(sessionmaker) if r.kind == "advisory"}
    assert by_chat[late_leaver].status == DeliveryStatus.CANCELLED
    assert by_chat[late_suspended].status == DeliveryStatus.CANCELLED
    reminded = {r.chat_id for r in await rows(sessionmaker) if r.kind == "reminder"}
    assert reminded == set(chats) - {early_leaver, late_leaver, late_suspended}
    escalation = next(r for r in await rows(sessionmaker) if r.kind == "escalation")
    assert f"#{early_id} " not in escalation.text
    assert f"Member {chats[1]}" in escalation.text
