"""The schema comes from Alembic; the models must agree with it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.db.migrate import current_revision, head_revision
from bot.db.models import Base
from bot.db.session import is_sqlite


async def test_migrated_database_matches_the_models(engine) -> None:
    def _diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(engine) -> None:
    assert await current_revision(engine) == head_revision()


async def test_constraints_are_named(engine) -> None:
    def _names(connection):
        inspector = inspect(connection)
        found = []
        for table in Base.metadata.sorted_tables:
            found += [fk["name"] for fk in inspector.get_foreign_keys(table.name)]
            found += [ck["name"] for ck in inspector.get_check_constraints(table.name)]
        return found

    async with engine.connect() as connection:
        names = await connection.run_sync(_names)
    assert names and all(names), names


async def test_sqlite_connections_are_durable_and_checked(engine, database_url) -> None:
    """WAL, commits that reach the disk (synchronous FULL = 2), foreign keys enforced."""
    if not is_sqlite(database_url):
        return  # PostgreSQL: its own defaults (fsync on) apply
    async with engine.connect() as connection:
        pragmas = [
            (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        ]
    assert pragmas == ["wal", 2, 1]
