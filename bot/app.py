"""Building and running the Telegram application next to the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, Defaults

from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import utcnow
from bot.delivery.limiter import SendLimiter
from bot.delivery.worker import DeliveryWorker
from bot.i18n import LANGUAGES
from bot.runtime import Runtime
from bot.scheduling import CheckinScheduler
from bot.services import advisories, members, reminders
from bot.supervision import supervise
from bot.telegram_request import AiohttpRequest
from handlers import register
from handlers.base import PerisaiApplication, PerisaiContext
from handlers.commands import NEWCOMER

log = logging.getLogger(__name__)

# Seconds a call may wait for a free Bot API connection before it fails as "not sent".
POOL_TIMEOUT_S = 10.0


def build_application(runtime: Runtime) -> PerisaiApplication:
    settings = runtime.settings
    tg = settings.telegram
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(tg.api_url)
        .base_file_url(tg.file_url)
        .context_types(ContextTypes(context=PerisaiContext))
        .concurrent_updates(tg.concurrent_updates)
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
    )
    # The pool must cover every handler that may be sending at once (PTB #3950).
    if tg.http_client == "aiohttp":
        builder = builder.request(
            AiohttpRequest(tg.connection_pool_size, pool_timeout=POOL_TIMEOUT_S)
        ).get_updates_request(AiohttpRequest(1))
    else:
        builder = builder.connection_pool_size(tg.connection_pool_size).pool_timeout(POOL_TIMEOUT_S)
    application = builder.build()
    application.bot_data["runtime"] = runtime
    register(application)
    application.add_error_handler(_on_error)
    return application


async def _on_error(update: object, context: PerisaiContext) -> None:
    log.error(
        "unhandled error for update %s", getattr(update, "update_id", None), exc_info=context.error
    )
    if isinstance(update, Update) and update.effective_user and update.effective_chat:
        if update.effective_chat.type != "private":
            return
        runtime = context.runtime
        language = (update.effective_user.language_code or "")[:2] or None
        try:
            await context.bot.send_message(
                update.effective_user.id, runtime.translator.t(language, "error-internal")
            )
        except TelegramError as exc:
            log.warning("could not tell user %s about the error: %s", update.effective_user.id, exc)


async def prepare(runtime: Runtime) -> None:
    """Migrate the schema and apply the config's admins list; before any update is served."""
    await upgrade(runtime.engine)
    async with runtime.transaction() as session:
        await members.ensure_admins(
            session,
            telegram_user_ids=runtime.settings.bot.admins,
            default_language=runtime.settings.bot.default_language,
        )


async def set_default_commands(application: PerisaiApplication, runtime: Runtime) -> None:
    """What people who are not registered see, per language."""
    for language in LANGUAGES:
        commands = [BotCommand(n, runtime.translator.t(language, f"cmd-{n}")) for n in NEWCOMER]
        code = None if language == runtime.settings.bot.default_language else language
        await application.bot.set_my_commands(commands, language_code=code)
        if code is None:
            await application.bot.set_my_commands(commands, language_code=language)


def build_limiter(settings: Settings) -> SendLimiter:
    d = settings.delivery
    return SendLimiter(
        rate_per_s=d.rate_per_s,
        per_chat_interval_s=d.per_chat_interval_s,
        interactive_share=d.interactive_share,
        paid_rate_per_s=d.paid_rate_per_s,
    )


async def run_reminders_once(runtime: Runtime) -> int:
    async with runtime.transaction() as session:
        queued = await reminders.run_due(
            session,
            now=utcnow(),
            intervals_min=runtime.settings.advisories.reminder_minutes,
            translator=runtime.translator,
        )
        # Copies recorded after their advisory's cancellation whose notice the worker's own
        # call missed (a crash between the two): found from the rows, queued once.
        queued += await advisories.queue_cancel_notices(
            session, translator=runtime.translator, now=utcnow()
        )
    return queued


async def queue_late_cancel_notices(runtime: Runtime, advisory_ids: set[int]) -> None:
    """The worker recorded copies of cancelled advisories: their notices go out now."""
    async with runtime.transaction() as session:
        await advisories.queue_cancel_notices(
            session, translator=runtime.translator, now=utcnow(), advisory_ids=sorted(advisory_ids)
        )


async def _every(seconds: float, stop: asyncio.Event, job, *args) -> None:
    """Run ``job`` now and then every ``seconds`` until ``stop``. A failure is logged and
    the job runs again at its next turn; anything else that escapes reaches the supervisor."""
    while not stop.is_set():
        try:
            await job(*args)
        except Exception:
            log.exception("periodic job %s failed", job.__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


async def serve(
    settings: Settings, *, stop: asyncio.Event | None = None, runtime: Runtime | None = None
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM)."""
    runtime = runtime or Runtime.from_settings(settings)
    stop = stop or asyncio.Event()
    await prepare(runtime)
    runtime.limiter = build_limiter(settings)
    application = build_application(runtime)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with application:
            runtime.bot_username = application.bot.username
            await set_default_commands(application, runtime)
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=settings.telegram.poll_timeout,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            await application.start()
            worker = None
            if settings.delivery.run_worker:
                delivery = settings.delivery
                worker = DeliveryWorker(
                    runtime.sessionmaker,
                    application.bot,
                    runtime.limiter,
                    max_in_flight=delivery.max_in_flight,
                    lease_seconds=delivery.lease_seconds,
                    max_age_s=delivery.max_age_minutes * 60.0,
                    retry_base_s=delivery.retry_base_s,
                    after_cancel=lambda ids: queue_late_cancel_notices(runtime, ids),
                    health=runtime.health,
                )
                await worker.start()
                runtime.waker.target = worker.wake
            scheduler = None
            if settings.checkins.run_scheduler:
                scheduler = CheckinScheduler(runtime)
                await scheduler.start()
            periodic = asyncio.create_task(
                supervise(
                    "advisory-reminders",
                    lambda: _every(
                        settings.advisories.check_interval_s, stop, run_reminders_once, runtime
                    ),
                    runtime.health,
                )
            )
            log.info("Perisai is running as @%s", runtime.bot_username)
            await stop.wait()
            await application.updater.stop()
            await periodic
            if scheduler is not None:
                await scheduler.stop()
            if worker is not None:
                await worker.stop()
            await application.stop()
    finally:
        await runtime.engine.dispose()
