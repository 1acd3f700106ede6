"""Perisai's SQLite connections: aiosqlite, one thread round trip per statement, and none for
the short transactions that ask for it.

**One round trip per statement.** aiosqlite runs every call on its connection's own thread,
and SQLAlchemy's adapter makes four such calls for a SELECT (open a cursor, execute, fetch,
close) and three for a write. A round trip costs about 150 µs of CPU on the machines measured
here (a queue hand-off, a wake-up through the event loop's self-pipe, the GIL changing
hands), more under load: more than the statement itself. The cursor below does the whole
statement in one round trip (cursor, execute, every row, close) and then serves the rows from
memory.

**No round trip for short transactions.** Even one round trip a statement was a third of a
check-in press, which is six statements; and while a transaction waits for the thread, the
in-process writer queue (``bot.db.session``) holds every other writer. Code whose
transaction is a few indexed statements says so (``statements_on_loop()``, reached through
``transaction(short=True)``), and its statements run on the event loop's thread directly.
That is safe only where a statement cannot wait, so:

- *Locks.* In this mode SQLite's busy timeout is 0 on the loop. A statement that finds the
  database locked (another process is writing) fails at once with SQLITE_BUSY, having done
  nothing, and runs again on the thread, which waits up to the configured busy timeout.
  For COMMIT that is SQLite's own remedy (the transaction stays open after a BUSY).
- *The disk.* Only in WAL mode: with ``synchronous = NORMAL`` a commit appends to the WAL
  without fsync, and readers and the writer do not block each other. The fsync happens at
  checkpoints, which SQLite would otherwise run inside whichever commit crosses the
  auto-checkpoint size; so auto-checkpoint is off, and after a commit the connection's
  thread checkpoints (PASSIVE: it waits for no one) at most once a second. A database that is
  not in WAL mode (``:memory:``, a file system without shared memory) runs everything on the
  thread.
- *Order.* A statement runs on the loop only when nothing of its connection is still queued
  on the thread (a checkpoint, a statement whose task was cancelled).

What the mode cannot bound is the statement itself: a transaction that opts in and then
scans a large table blocks the event loop for the scan. Hence it is opt-in, for the hot
paths whose statements are indexed lookups and single-row writes.

SQLAlchemy reaches this through its public ``async_creator`` hook; the dialect, pool and
everything above them stay SQLAlchemy's own aiosqlite ones. What it gives up: a result is
read whole, not streamed (Perisai streams none). It relies on private members of aiosqlite's
``Connection`` (``_execute`` and ``_conn``, and ``_thread`` as SQLAlchemy does), so aiosqlite
is pinned to its current minor version in pyproject.toml; the whole test suite runs on this
driver.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

__all__ = ["Connection", "async_creator", "statements_on_loop"]

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 1.0

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows

_ON_LOOP: ContextVar[bool] = ContextVar("perisai_sqlite_statements_on_loop", default=False)


@contextmanager
def statements_on_loop() -> Iterator[None]:
    """Within this block (and the tasks it starts), this task's SQLite statements run on the
    event loop's thread where they cannot wait (see the module's docstring)."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def _run(
    connection: sqlite3.Connection, sql: str, parameters: Any, *, many: bool = False
) -> _Outcome:
    """The statement from cursor to closed cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description is not None else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _pragma(connection: sqlite3.Connection, sql: str) -> Any:
    """A PRAGMA's first value, its statement finished (not left open until collected)."""
    cursor = connection.execute(sql)
    try:
        row = cursor.fetchone()
        return row[0] if row else None
    finally:
        cursor.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


class Cursor:
    """The part of aiosqlite's cursor that SQLAlchemy's adapter uses, without a round trip
    for opening, fetching or closing."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, sql: str, parameters: Any, many: bool) -> Cursor:
        outcome: _Outcome = await self._connection.run(
            lambda conn: _run(conn, sql, parameters, many=many)
        )
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self._run(sql, parameters, False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> Cursor:
        return await self._run(sql, parameters, True)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class Connection(aiosqlite.Connection):
    def __init__(self, database: str, connect_args: dict[str, Any], busy_timeout_ms: int) -> None:
        super().__init__(self._open, iter_chunk_size=64)
        # As SQLAlchemy does for its own: a connection left open must not keep the
        # interpreter from exiting.
        self._thread.daemon = True
        self._database, self._connect_args = database, connect_args
        self._busy_timeout_ms = busy_timeout_ms
        self.wal = False  # set once open; statements run on the loop only in WAL mode
        # Jobs handed to the thread, and the last one it finished: equal when none is queued.
        self._jobs = itertools.count(1)
        self._queued = self._finished = 0
        self._last_checkpoint = time.monotonic()
        self._checkpoint: asyncio.Task[None] | None = None

    def _open(self) -> sqlite3.Connection:
        """On the connection's thread: open and configure the connection."""
        conn = sqlite3.connect(self._database, **self._connect_args)
        # Transactions are SQLAlchemy's (BEGIN IMMEDIATE, see bot.db.session), not the
        # sqlite3 module's implicit ones.
        conn.isolation_level = None
        _pragma(conn, f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        mode = _pragma(conn, "PRAGMA journal_mode = WAL")
        _pragma(conn, "PRAGMA synchronous = NORMAL")
        _pragma(conn, "PRAGMA foreign_keys = ON")
        self.wal = str(mode).lower() == "wal"
        if self.wal:
            _pragma(conn, "PRAGMA wal_autocheckpoint = 0")  # ours: see _after_commit
            _pragma(conn, "PRAGMA busy_timeout = 0")  # on the loop; the thread sets its own
        return conn

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """``fn(sqlite3_connection)``: on the loop if this task asked for it and it may,
        else (or if the database is locked) on the connection's thread."""
        if _ON_LOOP.get() and self.wal and self._queued == self._finished:
            try:
                return fn(self._conn)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
        return await self.run_on_thread(fn)

    async def run_on_thread(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """``fn(sqlite3_connection)`` on this connection's thread, in one round trip."""
        job = self._queued = next(self._jobs)

        def call() -> Any:
            conn = self._conn
            try:
                if not self.wal:
                    return fn(conn)
                # The thread may wait for a lock; the loop may not (see _open).
                _pragma(conn, f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
                try:
                    return fn(conn)
                finally:
                    _pragma(conn, "PRAGMA busy_timeout = 0")
            finally:
                self._finished = job

        return await self._execute(call)

    async def commit(self) -> None:
        await self.run(lambda conn: conn.commit())
        self._after_commit()

    async def rollback(self) -> None:
        await self.run(lambda conn: conn.rollback())

    def _after_commit(self) -> None:
        """With auto-checkpoint off, copy the WAL back into the database on the thread, at
        most once a second: the WAL stays small, and no checkpoint's fsync runs on the loop."""
        if not self.wal or (self._checkpoint is not None and not self._checkpoint.done()):
            return
        now = time.monotonic()
        if now - self._last_checkpoint < CHECKPOINT_EVERY_S:
            return
        self._last_checkpoint = now
        self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_wal())

    async def _checkpoint_wal(self) -> None:
        try:
            await self.run_on_thread(lambda conn: _pragma(conn, "PRAGMA wal_checkpoint(PASSIVE)"))
        except (sqlite3.Error, ValueError) as exc:  # ValueError: closed meanwhile
            log.warning("WAL checkpoint of %s failed: %s", self._database, exc)


def async_creator(url: URL, *, busy_timeout_ms: int = 15_000) -> Callable[[], Connection]:
    """For ``create_async_engine(url, async_creator=...)``: connections to the database the
    URL names, with the arguments SQLAlchemy's own aiosqlite dialect would pass."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    (database,) = args
    kwargs.pop("timeout", None)  # the busy timeout is ours to switch (see run_on_thread)

    def create() -> Connection:
        return Connection(database, kwargs, busy_timeout_ms)

    return create
