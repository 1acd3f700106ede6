"""aiosqlite with one thread round trip per statement.

aiosqlite runs every call on its connection's own thread, and SQLAlchemy's adapter makes
four such calls for a SELECT (open a cursor, execute, fetch, close) and three for a write.
A round trip costs about 150 µs of CPU on the machines measured here (a queue hand-off, a
wake-up through the event loop's self-pipe, the GIL changing hands): more than the
statement itself, and a check-in press makes six statements. The cursor below does the
whole statement in one round trip (cursor, execute, every row, close) and then serves the
rows from memory.

SQLAlchemy reaches it through its public ``async_creator`` hook; the dialect, pool and
everything above them stay SQLAlchemy's own aiosqlite ones. What it gives up: a result is
read whole, not streamed (Perisai streams none), and it relies on two private members of
aiosqlite's ``Connection`` (``_execute`` and ``_conn``, and ``_thread`` as SQLAlchemy does),
so aiosqlite is pinned to its current minor version in pyproject.toml; the whole test suite
runs on this driver.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

__all__ = ["Connection", "async_creator"]

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(
    connection: sqlite3.Connection, sql: str, parameters: Any, *, many: bool = False
) -> _Outcome:
    """On the connection's thread: the statement from cursor to closed cursor."""
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
        outcome: _Outcome = await self._connection.run_on_thread(
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
    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    def run_on_thread(self, fn: Callable[[sqlite3.Connection], Any]) -> Awaitable[Any]:
        """``fn(sqlite3_connection)`` on this connection's thread, in one round trip."""
        return self._execute(lambda: fn(self._conn))


def async_creator(url: URL) -> Callable[[], Connection]:
    """For ``create_async_engine(url, async_creator=...)``: connections to the database the
    URL names, with the arguments SQLAlchemy's own aiosqlite dialect would pass."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    (database,) = args

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    def create() -> Connection:
        connection = Connection(connector, iter_chunk_size=64)
        # As SQLAlchemy does for its own: a connection left open must not keep the
        # interpreter from exiting.
        connection._thread.daemon = True
        return connection

    return create
