"""What every edge (Telegram handlers, CLI, later HTTP and scheduler) shares at run time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.session import create_engine, create_sessionmaker, transaction
from bot.delivery.limiter import SendLimiter
from bot.i18n import Translator
from bot.services.registration import Rules
from bot.throttle import AccountThrottle


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    translator: Translator
    rules: Rules
    # Per-account flood protection of incoming messages; its counters are for metrics.
    throttle: AccountThrottle
    bot_username: str = ""
    # Set by the app once the delivery worker runs; tells it new rows are committed.
    wake_delivery: Callable[[], None] = field(default=lambda: None)
    # Pacing shared by the delivery worker and replies to people (set by the app).
    limiter: SendLimiter | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: AsyncEngine | None = None) -> Runtime:
        engine = engine or create_engine(
            settings.database_url,
            echo=settings.database.echo,
            busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            translator=Translator(
                settings.bot.default_language,
                {code: names.model_dump() for code, names in settings.bot.sector_names.items()},
            ),
            rules=Rules(
                sectors=tuple(settings.bot.sectors),
                max_sites=settings.registration.max_sites,
                consent_version=settings.registration.consent_version,
                default_language=settings.bot.default_language,
            ),
            throttle=AccountThrottle(
                limit=settings.abuse.flood_messages, window_s=settings.abuse.flood_window_s
            ),
        )

    @asynccontextmanager
    async def transaction(self, *, short: bool = False) -> AsyncIterator[AsyncSession]:
        async with transaction(self.sessionmaker, short=short) as session:
            yield session
