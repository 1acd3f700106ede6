"""What every edge (Telegram handlers, CLI, later HTTP and scheduler) shares at run time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.session import create_engine, create_sessionmaker, transaction
from bot.delivery.limiter import SendLimiter
from bot.delivery.outbox import WAKER, Waker
from bot.i18n import Translator
from bot.services.registration import Rules
from bot.supervision import Health
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
    # Every commit that enqueued calls it; the app points it at the delivery worker.
    waker: Waker = field(default_factory=Waker)
    bot_username: str = ""
    # Pacing shared by the delivery worker and replies to people (set by the app).
    limiter: SendLimiter | None = None
    # The background loops' state, for the readiness check.
    health: Health = field(default_factory=Health)

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: AsyncEngine | None = None) -> Runtime:
        engine = engine or create_engine(
            settings.database_url,
            echo=settings.database.echo,
            busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
            sqlite_synchronous=settings.database.sqlite_synchronous,
        )
        waker = Waker()
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine, info={WAKER: waker}),
            waker=waker,
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

    def wake_delivery(self) -> None:
        """Tell the worker to look now (commits that enqueue do this by themselves)."""
        self.waker()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self.sessionmaker) as session:
            yield session
