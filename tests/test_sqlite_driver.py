"""The SQLite connection under SQLAlchemy: DB-API behaviour as aiosqlite's, one thread round
trip per statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from bot.db import sqlite_driver
from bot.db.session import create_engine

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


async def test_one_round_trip_per_statement(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    trips = 0
    run_on_thread = sqlite_driver.Connection.run_on_thread

    def counted(self, fn):
        nonlocal trips
        trips += 1
        return run_on_thread(self, fn)

    monkeypatch.setattr(sqlite_driver.Connection, "run_on_thread", counted)
    async with engine.begin() as conn:
        before = trips
        await conn.execute(insert(things).values(name="tiga"))
        await conn.execute(select(things))
        await conn.execute(insert(things).values(name="empat").returning(things.c.id))
        assert trips - before == 3
