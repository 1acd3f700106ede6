"""Engines and sessions for SQLite (default) and PostgreSQL.

SQLite gets WAL, a busy timeout and foreign keys (set in ``bot.db.sqlite_driver``), and
every transaction starts with ``BEGIN IMMEDIATE``: a read-then-write transaction then waits
for the write lock up front instead of failing with "database is locked" when another
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

from bot.db.sqlite_driver import async_creator, statements_on_loop

# An execution option of ours: this connection's transaction only reads.
_READ_ONLY = "perisai_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = 15_000) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, echo=echo, pool_pre_ping=True)

    # WAL, the busy timeout and the other PRAGMAs are set where each connection opens, in
    # the driver: it also decides which statements may run on the event loop.
    engine = create_async_engine(
        url, echo=echo, async_creator=async_creator(make_url(url), busy_timeout_ms=busy_timeout_ms)
    )

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
    sessionmaker: async_sessionmaker[AsyncSession], *, short: bool = False
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error (commit at the edge).

    ``short``: the caller promises a few indexed statements (a button press), and on SQLite
    they run on the event loop's thread instead of a round trip each to the connection's
    thread (see ``bot.db.sqlite_driver``). No effect on PostgreSQL.

    Not re-entrant on SQLite: a transaction must not open another one inside it."""
    on_loop = statements_on_loop() if short else contextlib.nullcontext()
    async with _writer_lock(sessionmaker):
        with on_loop:
            async with sessionmaker() as session, session.begin():
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
