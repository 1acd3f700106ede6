"""The SQLite connection under SQLAlchemy: DB-API behaviour as aiosqlite's, one thread round
trip per statement, none in a short transaction (and what keeps that safe)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.db import sqlite_driver
from bot.db.session import create_engine
from tests.conftest import wait_until

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_statements_behave_as_on_aiosqlite(engine) -> None:
    async with engine.begin() as conn:
        one = await conn.execute(insert(things).values(name="satu"))
        assert one.inserted_primary_key == (1,)
        many = await conn.execute(insert(things), [{"name": f"n{i}"} for i in range(5)])
        assert many.rowcount == 5
        returned = await conn.execute(
            insert(things).values(name="tujuh").returning(things.c.id, things.c.name)
        )
        assert returned.one() == (7, "tujuh")
        updated = await conn.execute(text("UPDATE things SET name = name || '!' WHERE id > 5"))
        assert updated.rowcount == 2
    async with engine.connect() as conn:
        result = await conn.execute(select(things.c.name).order_by(things.c.id))
        assert result.fetchone() == ("satu",)
        assert result.fetchmany(2) == [("n0",), ("n1",)]
        assert result.scalars().all() == ["n2", "n3", "n4!", "tujuh!"]
        assert (await conn.execute(select(things).where(things.c.id == 99))).first() is None


async def test_an_error_rolls_back_and_keeps_its_class(engine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="dua"))
            await conn.execute(insert(things).values(name="dua"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(things))).all() == []


def _count_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    trips = [0]
    run_on_thread = sqlite_driver.Connection.run_on_thread

    def counted(self, fn):
        trips[0] += 1
        return run_on_thread(self, fn)

    monkeypatch.setattr(sqlite_driver.Connection, "run_on_thread", counted)
    return trips


async def test_one_round_trip_per_statement(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    trips = _count_trips(monkeypatch)
    async with engine.begin() as conn:
        before = trips[0]
        await conn.execute(insert(things).values(name="tiga"))
        await conn.execute(select(things))
        await conn.execute(insert(things).values(name="empat").returning(things.c.id))
        assert trips[0] - before == 3


# --- statements on the event loop (short transactions) ---


async def test_a_short_transaction_makes_no_round_trip(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY_S", 3600.0)
    trips = _count_trips(monkeypatch)
    with sqlite_driver.statements_on_loop():
        async with engine.begin() as conn:  # BEGIN IMMEDIATE ... COMMIT
            await conn.execute(insert(things).values(name="lima"))
            assert (await conn.execute(select(things.c.name))).scalars().all() == ["lima"]
    assert trips[0] == 0
    # The same transaction outside the block: one round trip per statement, as before.
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(name="enam"))
        await conn.execute(select(things.c.name))
    assert trips[0] >= 4  # BEGIN, INSERT, SELECT, COMMIT
    async with engine.connect() as conn:
        assert (await conn.execute(select(things.c.name))).scalars().all() == ["lima", "enam"]


async def test_a_locked_database_is_waited_for_on_the_thread(tmp_path: Path) -> None:
    """Another process holds the write lock: the short transaction waits for it without
    holding up the event loop, then writes."""
    path = tmp_path / "locked.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=20_000)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            with sqlite_driver.statements_on_loop():
                async with engine.begin() as conn:
                    await conn.execute(insert(things).values(name="tujuh"))

        writer = asyncio.create_task(write())
        turns = 0

        def loop_turns() -> bool:
            nonlocal turns
            turns += 1
            return turns >= 20

        # Twenty turns of the loop (a second at least) while the writer waits: had it waited
        # on the loop, no turn would come before the 20 s busy timeout ran out, and the
        # writer would be done (failed) by then.
        await wait_until(loop_turns)
        assert not writer.done()
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(writer, 10)
        async with engine.connect() as conn:
            assert (await conn.execute(select(things.c.name))).scalars().all() == ["tujuh"]
    finally:
        await engine.dispose()


async def test_a_statement_waits_behind_its_connections_thread(engine) -> None:
    """Work still queued on a connection's thread (a checkpoint, a cancelled statement)
    runs before a statement that could otherwise run on the loop."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        release, order = threading.Event(), []

        def slow(_conn: sqlite3.Connection) -> None:
            release.wait(10)
            order.append("thread")

        blocker = asyncio.create_task(driver.run_on_thread(slow))
        await wait_until(lambda: driver._queued != driver._finished)
        with sqlite_driver.statements_on_loop():
            follower = asyncio.create_task(driver.cursor().execute("SELECT 1"))
        follower.add_done_callback(lambda _: order.append("loop"))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not follower.done()
        release.set()
        await asyncio.wait_for(asyncio.gather(blocker, follower), 10)
        assert order == ["thread", "loop"]


async def test_without_wal_everything_runs_on_the_thread(monkeypatch) -> None:
    engine = create_engine("sqlite+aiosqlite://")  # in memory: no WAL
    try:
        trips = _count_trips(monkeypatch)
        with sqlite_driver.statements_on_loop():
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
                await conn.execute(insert(things).values(name="delapan"))
                driver = (await conn.get_raw_connection()).driver_connection
        assert not driver.wal
        assert trips[0] > 3
    finally:
        await engine.dispose()


async def test_the_wal_is_checkpointed_off_the_loop(
    engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own checkpoints are off (they would fsync inside a commit on the loop); the
    connection's thread copies the WAL into the database after commits instead."""
    database = tmp_path / "driver.db"
    size = database.stat().st_size
    rows = [{"name": f"{i:06d}" + "x" * 200} for i in range(25_000)]  # about 5 MB
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY_S", 3600.0)
    with sqlite_driver.statements_on_loop():
        async with engine.begin() as conn:
            await conn.execute(insert(things), rows)
    assert database.stat().st_size == size  # still in the WAL: no automatic checkpoint
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY_S", 0.0)
    with sqlite_driver.statements_on_loop():
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="sembilan"))
    await wait_until(lambda: database.stat().st_size > size + 4_000_000)
