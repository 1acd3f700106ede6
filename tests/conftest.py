"""Fixtures: a migrated database per test (SQLite, or PostgreSQL when
PERISAI_TEST_DATABASE_URL is set), the Bot API emulator, and the real bot running against it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import advisories
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import Advisory, Base, Member, MemberStatus, Role, Site, utcnow
from bot.db.session import create_engine, create_sessionmaker, is_sqlite, transaction
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.i18n import Translator
from bot.runtime import Runtime
from bot.services import members
from bot.services.audit import Actor

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
PG_URL = os.environ.get("PERISAI_TEST_DATABASE_URL")


async def wait_until(predicate, within: float = 10.0):
    """Poll an async or plain condition until true or the deadline passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def pytest_report_header(config: pytest.Config) -> str:
    return f"perisai database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def _migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(_migrate())
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> bool:
    if not PG_URL:
        return False

    async def _reset() -> None:
        engine = create_engine(PG_URL)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(_reset())
    return True


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path | None, pg_migrated: bool) -> Iterator[str]:
    if PG_URL:
        yield PG_URL
        return
    assert sqlite_template is not None
    target = tmp_path / "perisai.db"
    shutil.copy(sqlite_template, target)
    yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if not is_sqlite(database_url):
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine):
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker) -> AsyncIterator[AsyncSession]:
    """A session for service tests; the test commits or not as the edge would."""
    async with sessionmaker() as session:
        yield session


def make_settings(database_url: str, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "telegram": {
            "token": TOKEN,
            "api_url": "http://127.0.0.1:9/bot",
            "file_url": "http://127.0.0.1:9/file/bot",
            "poll_timeout": 1,
        },
        "database": {"url": database_url},
    }
    for section, values in overrides.items():
        data.setdefault(section, {}).update(values)
    return Settings(**data)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


async def grant(
    sessionmaker,
    user_id: int,
    role: Role,
    *,
    provinces: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    name: str | None = None,
    language: str = "id",
) -> Member:
    """A coordinator or admin as `perisai admin grant` makes one, with a name to show."""
    async with transaction(sessionmaker) as session:
        member = await members.grant_role(
            session,
            telegram_user_id=user_id,
            role=role,
            actor=Actor.system("test"),
            default_language=language,
            known_sectors=Settings().bot.sectors,
            provinces=provinces,
            sectors=sectors,
            full_name=name or f"{role} {user_id}",
            organisation="BNPT",
        )
        member.language = language
    return member


async def make_member(
    sessionmaker,
    user_id: int,
    *,
    sites: list[tuple[str, str]],
    status: MemberStatus = MemberStatus.ACTIVE,
    language: str = "id",
) -> Member:
    async with transaction(sessionmaker) as session:
        member = Member(
            telegram_user_id=user_id,
            full_name=f"Member {user_id}",
            organisation="Org",
            phone="+628100000000",
            member_type="venue_operator",
            role=Role.OPERATOR,
            status=status,
            language=language,
            scope_provinces=[],
            scope_sectors=[],
            sites=[Site(name=f"Site {user_id}", sector=s, province=p) for s, p in sites],
        )
        session.add(member)
    return member


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="perisai_test_bot") as emu:
        yield emu


class RunningBot:
    """The real application (python-telegram-bot over HTTP) against the emulator; restartable."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.runtime: Runtime | None = None  # the running bot's, once started

    async def start(self, emulator: BotApiEmulator) -> None:
        from bot.app import serve

        self._stop = asyncio.Event()
        runtime = self.runtime = Runtime.from_settings(self.settings)
        self._task = asyncio.create_task(serve(self.settings, stop=self._stop, runtime=runtime))
        # Running once polling has begun: the first getUpdates has reached the emulator.
        polls = len(emulator.requests_for("getUpdates"))
        polling = asyncio.create_task(
            emulator.wait_until(lambda: len(emulator.requests_for("getUpdates")) > polls, 20)
        )
        await asyncio.wait({polling, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            polling.cancel()
            self._task.result()  # raises what stopped the bot
            raise AssertionError("the bot stopped before polling")
        polling.result()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=20)
        self._task = None


@pytest.fixture
async def running_bot(
    emulator: BotApiEmulator, database_url: str, engine
) -> AsyncIterator[RunningBot]:
    settings = make_settings(
        database_url,
        telegram={"api_url": emulator.api_url, "file_url": emulator.file_url},
        # Emulated users answer at machine speed; test_flood.py tests the throttle, and
        # the pacing tests keep Telegram's 1 s per chat. Here a short interval keeps every
        # conversation step from waiting a second (the emulator enforces no limit here).
        abuse={"flood_messages": 1000},
        delivery={"per_chat_interval_s": 0.1},
    )
    bot = RunningBot(settings)
    await bot.start(emulator)
    yield bot
    await bot.stop()


async def say(user: EmulatedUser, text: str, expect: str, within: float = 10.0):
    """The user sends text; waits for a bot message containing ``expect``."""
    user.mark()
    await user.send(text)
    return await user.wait_for_text(expect, within)


async def tap(user: EmulatedUser, button: str, expect: str, within: float = 10.0):
    """The user presses the newest button with that label; waits for ``expect``."""
    user.mark()
    await user.press(button)
    return await user.wait_for_text(expect, within)


async def released_advisory(
    sessionmaker, *, author_id: int, approver_tg: int, **fields
) -> Advisory:
    """Release through the services, as the handlers do."""
    async with transaction(sessionmaker) as session:
        advisory = Advisory(
            author_id=author_id,
            status="submitted",
            title="Ancaman terhadap mal",
            body="Isi",
            actions="",
            severity=fields.get("severity", "Severe"),
            urgency=fields.get("urgency", "Expected"),
            certainty="Likely",
            tlp=fields.get("tlp", "AMBER"),
            exercise=fields.get("exercise", False),
            ack_required=True,
            audience_sectors=fields.get("sectors", ["mall"]),
            audience_provinces=fields.get("provinces", ["JI"]),
            audience_member_ids=fields.get("named", []),
            expires_at=utcnow() + timedelta(hours=24),
        )
        session.add(advisory)
        await session.flush()
        approver = await members.by_telegram_id(session, approver_tg)
        await advisories.decide(
            session,
            approver=approver,
            advisory_id=advisory.id,
            approve=True,
            reason=None,
            translator=Translator("id"),
        )
    return advisory
