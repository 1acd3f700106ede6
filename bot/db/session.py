"""Engines and sessions for SQLite (default) and PostgreSQL.

SQLite runs on the stock aiosqlite driver. Each connection gets WAL (readers and the writer
do not block each other), a busy timeout, foreign keys and the configured durability
(``synchronous``: FULL by default, so a committed report or answer survives a power loss).
Every write transaction starts with ``BEGIN IMMEDIATE``: a read-then-write transaction then
waits for the write lock up front instead of failing with "database is locked" when another
handler writes first.

SQLite has one writer at a time, and its busy handler waits for the lock by sleeping in
steps of up to 100 ms. Transactions opened through ``transaction()`` therefore queue on an
asyncio lock per engine first, so a burst of concurrent updates is served one after the
other without those sleeps. PostgreSQL needs no such thing.

A read that writes nothing can go through ``reading()`` instead: on SQLite it begins with a
plain (deferred) ``BEGIN``, which in WAL mode neither takes nor waits for the write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# An execution option of ours: this connection's transaction only reads.
_READ_ONLY = "perisai_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def create_engine(
    url: str,
    *,
    echo: bool = False,
    busy_timeout_ms: int = 15_000,
    sqlite_synchronous: str = "FULL",
) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")

    engine = create_async_engine(url, echo=echo)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 would open its own transactions; SQLAlchemy's BEGIN below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            f"PRAGMA busy_timeout = {int(busy_timeout_ms)}",
            "PRAGMA journal_mode = WAL",
            f"PRAGMA synchronous = {sqlite_synchronous}",
            "PRAGMA foreign_keys = ON",
        ):
            cursor.execute(pragma)
            cursor.fetchall()
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """``info`` is copied into every session's ``Session.info`` (the outbox's waker)."""
    return async_sessionmaker(engine, expire_on_commit=False, info=info or {})


_SQLITE_WRITERS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def _writer_lock(sessionmaker: async_sessionmaker[AsyncSession]) -> Any:
    bind = sessionmaker.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return contextlib.nullcontext()
    lock = _SQLITE_WRITERS.get(bind.sync_engine)
    if lock is None:
        lock = _SQLITE_WRITERS[bind.sync_engine] = asyncio.Lock()
    return lock


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error (commit at the edge).

    Not re-entrant on SQLite: a transaction must not open another one inside it."""
    async with _writer_lock(sessionmaker), sessionmaker() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work that only reads (rolled back at the end): it neither queues behind
    SQLite's writers nor holds them up. A write inside it fails on SQLite once another
    connection has written, so anything that writes goes through ``transaction()``."""
    async with sessionmaker() as session:
        await session.connection(execution_options={_READ_ONLY: True})
        yield session
