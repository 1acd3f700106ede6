"""Building and running the Telegram application next to the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, Defaults

from bot import advisories
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import utcnow
from bot.delivery.limiter import SendLimiter
from bot.delivery.worker import DeliveryWorker
from bot.i18n import LANGUAGES
from bot.runtime import Runtime
from bot.scheduling import Scheduler
from bot.services import members
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
            AiohttpRequest(
                tg.connection_pool_size,
                pool_timeout=POOL_TIMEOUT_S,
                read_timeout=tg.read_timeout_s,
                connect_timeout=tg.connect_timeout_s,
            )
        ).get_updates_request(AiohttpRequest(1, connect_timeout=tg.connect_timeout_s))
    else:
        builder = (
            builder.connection_pool_size(tg.connection_pool_size)
            .pool_timeout(POOL_TIMEOUT_S)
            .read_timeout(tg.read_timeout_s)
            .connect_timeout(tg.connect_timeout_s)
        )
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


async def queue_late_cancel_notices(runtime: Runtime, advisory_ids: set[int]) -> None:
    """The worker recorded copies of cancelled advisories: their notices go out now."""
    async with runtime.transaction() as session:
        await advisories.queue_cancel_notices(
            session, translator=runtime.translator, now=utcnow(), advisory_ids=sorted(advisory_ids)
        )


class TokenRefused(Exception):
    """Telegram answered 401: the token is wrong or was revoked."""


# Waits between attempts to reach Telegram at start (the network may not be up yet).
CONNECT_RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


async def wait_for_telegram(settings: Settings, stop: asyncio.Event) -> bool:
    """Ask Telegram who we are until it answers; False if stopped first. One log line per
    failed attempt, no traceback: at start, a missing route is an operator's matter."""
    attempt = 0
    while not stop.is_set():
        request = AiohttpRequest(1, pool_timeout=POOL_TIMEOUT_S)
        bot = Bot(settings.token, base_url=settings.telegram.api_url, request=request)
        try:
            await request.initialize()
            await bot.get_me()
            return True
        except InvalidToken as exc:
            raise TokenRefused(str(exc).replace(settings.token, "<token>")) from None
        except (NetworkError, TelegramError) as exc:
            wait = CONNECT_RETRY_S[min(attempt, len(CONNECT_RETRY_S) - 1)]
            message = str(exc).replace(settings.token, "<token>")
            log.warning(
                "cannot reach the Bot API at %s (%s: %s); retrying in %.0fs",
                _host(settings.telegram.api_url),
                type(exc).__name__,
                message,
                wait,
            )
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        finally:
            await request.shutdown()
    return False


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def build_worker(runtime: Runtime, bot: Bot) -> DeliveryWorker:
    delivery = runtime.settings.delivery
    assert runtime.limiter is not None
    return DeliveryWorker(
        runtime.sessionmaker,
        bot,
        runtime.limiter,
        max_in_flight=delivery.max_in_flight,
        lease_seconds=delivery.lease_seconds,
        max_age_s=delivery.max_age_minutes * 60.0,
        retry_base_s=delivery.retry_base_s,
        after_cancel=lambda ids: queue_late_cancel_notices(runtime, ids),
        health=runtime.health,
    )


async def serve(
    settings: Settings, *, stop: asyncio.Event | None = None, runtime: Runtime | None = None
) -> int:
    """Run until ``stop`` is set (or SIGINT/SIGTERM); returns the process's exit code.

    The parts start in order and stop in reverse through one exit stack, whether ``stop``
    was set, a part failed, or this coroutine was cancelled: nothing keeps running once the
    engine is disposed."""
    runtime = runtime or Runtime.from_settings(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as parts:
        parts.push_async_callback(runtime.engine.dispose)
        await prepare(runtime)
        try:
            if not await wait_for_telegram(settings, stop):
                return 0
        except TokenRefused as exc:
            log.error("Telegram refused the bot token (401 %s): check [telegram] token", exc)
            return 2
        runtime.limiter = build_limiter(settings)
        application = build_application(runtime)
        # Stopped in reverse: updates stop coming, handlers in progress finish, then the
        # scheduler and the worker (its sends under way finish), then the HTTP clients.
        await parts.enter_async_context(application)
        runtime.bot_username = application.bot.username
        await set_default_commands(application, runtime)
        if settings.delivery.run_worker:
            worker = build_worker(runtime, application.bot)
            await worker.start()
            parts.push_async_callback(worker.stop)
            runtime.waker.target = worker.wake
            parts.callback(setattr, runtime.waker, "target", None)
        if settings.checkins.run_scheduler:
            scheduler = Scheduler(runtime)
            await scheduler.start()
            parts.push_async_callback(scheduler.stop)
        await application.start()
        parts.push_async_callback(application.stop)
        updater = application.updater
        assert updater is not None
        await updater.start_polling(
            timeout=settings.telegram.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        parts.push_async_callback(updater.stop)
        log.info("Perisai is running as @%s", runtime.bot_username)
        await stop.wait()
    return 0
