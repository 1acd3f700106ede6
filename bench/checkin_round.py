"""Check-in round benchmark: creating a round for N sites, then N operators answering.

    python -m bench.checkin_round [--sites 10000] [--database-url URL]

1. Round creation: N active operators with one site each (all sectors, all 38 provinces). A
   fresh process creates the round as the scheduler does (``checkins.start_round``) and
   commits: its site check-ins and N queued checklist messages. Reports the seconds and that
   process's peak RSS (``ru_maxrss``), and its RSS before it started, for reference.
2. Answers: the real bot (``bot.app.serve``: polling, handlers, delivery worker) delivers the
   N checklists to the Bot API emulator (its own process, no latency, no limits); then every
   operator presses "Yes" on the first item at once. Processed = the press was answered
   (after its transaction committed) and the checklist message edited to show progress.
   Baseline, same run, same presses on the same messages: a bare python-telegram-bot
   application with the same builder settings whose handler only answers the callback, on
   PTB's own HTTP client (httpx); it runs before and after Perisai, and its mean counts.
3. For reference only (not the issue's target), each once:
   - the bare application on Perisai's HTTP client (aiohttp, bot/telegram_request.py),
     before Perisai: how much of Perisai's rate is the cheaper client;
   - the bare application answering AND editing the message with a checklist-sized text
     and keyboard, as the issue requires of a press. It runs last, on an emulator that has
     stored the other runs' requests, so its rate is if anything a little low (and
     Perisai's ratio to it a little high).

Human-readable lines first, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing as mp
import resource
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bench.remote_emulator import RemoteEmulator
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import Delivery, Member, Site
from bot.db.session import create_engine, create_sessionmaker, transaction
from bot.reference import PROVINCES
from bot.telegram_request import AiohttpRequest

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
FIRST_USER = 500_000
POLL_S = 0.05


def _settings(database_url: str, emulator: RemoteEmulator | None = None) -> Settings:
    telegram: dict[str, Any] = {"token": TOKEN, "poll_timeout": 1}
    if emulator is not None:
        telegram |= {"api_url": emulator.api_url, "file_url": emulator.file_url}
    return Settings(
        telegram=telegram,
        database={"url": database_url},
        # No pacing: the emulator enforces no limits here; this measures processing.
        delivery={"rate_per_s": 1000.0, "per_chat_interval_s": 0.0},
        checkins={"run_scheduler": False},
    )


async def seed(database_url: str, sites: int) -> list[int]:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    sectors = Settings().bot.sectors
    users = [FIRST_USER + i for i in range(sites)]
    now = datetime.now(UTC)
    try:
        async with transaction(sessionmaker) as session:
            for start in range(0, sites, 2000):
                chunk = users[start : start + 2000]
                await session.execute(
                    insert(Member),
                    [
                        {
                            "telegram_user_id": uid,
                            "full_name": f"Operator {uid}",
                            "organisation": "Bench",
                            "role": "operator",
                            "status": "active",
                            "language": "id" if uid % 3 else "en",
                            "scope_provinces": [],
                            "scope_sectors": [],
                            "created_at": now,
                            "updated_at": now,
                        }
                        for uid in chunk
                    ],
                )
            ids = dict((await session.execute(select(Member.telegram_user_id, Member.id))).all())
            await session.execute(
                insert(Site),
                [
                    {
                        "member_id": ids[uid],
                        "name": f"Venue {uid}",
                        "sector": sectors[i % len(sectors)],
                        "province": PROVINCES[i % len(PROVINCES)].code,
                        "active": True,
                        "created_at": now,
                    }
                    for i, uid in enumerate(users)
                ],
            )
    finally:
        await engine.dispose()
    return users


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _create_round(database_url: str, conn: Any) -> None:
    """Child process: create one round for every active site; report seconds and memory."""

    async def main() -> tuple[float, int]:
        from bot import checkins
        from bot.runtime import Runtime

        runtime = Runtime.from_settings(_settings(database_url))
        try:
            now = datetime.now(UTC)
            started = time.perf_counter()
            async with runtime.transaction() as session:
                created = await checkins.start_round(
                    session,
                    sectors=[],
                    provinces=[],
                    scheduled_at=now,
                    deadline_at=now + timedelta(hours=24),
                    now=now,
                    translator=runtime.translator,
                    known_sectors=runtime.rules.sectors,
                    reminder_before=timedelta(hours=2),
                )
                assert created is not None
            return time.perf_counter() - started, created.sites
        finally:
            await runtime.engine.dispose()

    before = _rss_mb()
    seconds, sites = asyncio.run(main())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    conn.send((seconds, sites, peak, before))


def create_round(database_url: str) -> tuple[float, int, float, float]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_create_round, args=(database_url, child))
    process.start()
    result = parent.recv()
    process.join(60)
    return result


async def _wait_progress(emulator: RemoteEmulator, n: int, *, edits: bool, timeout: float):  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        answered, edited = await emulator.press_progress()
        if answered >= n and (not edits or edited >= n):
            return
        if loop.time() > deadline:
            raise TimeoutError(f"{answered} answered, {edited} edited of {n} within {timeout}s")
        await asyncio.sleep(POLL_S)


async def _delivered(database_url: str, n: int, timeout: float = 60) -> list[Any]:  # noqa: ASYNC109
    """The checklist messages, once the worker has recorded all n as sent."""
    engine = create_engine(database_url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    query = select(
        Delivery.chat_id, Delivery.message_id, Delivery.reply_markup, Delivery.text
    ).where(Delivery.kind == "checkin", Delivery.message_id.is_not(None))
    try:
        while True:
            async with engine.connect() as conn:
                rows = (await conn.execute(query)).all()
            if len(rows) >= n:
                return rows
            if loop.time() > deadline:
                raise TimeoutError(f"{len(rows)} of {n} checklists recorded as sent")
            await asyncio.sleep(POLL_S)
    finally:
        await engine.dispose()


Press = tuple[int, int, int, str]  # user id, chat id, message id, callback data


async def _timed_presses(emulator: RemoteEmulator, presses: list[Press], *, edits: bool) -> float:
    """One warm-up press (the bot is polling and warm once it is answered), then all of
    them at once; seconds until every one is processed."""
    await emulator.press(presses[:1])
    await _wait_progress(emulator, 1, edits=edits, timeout=60)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await emulator.press(presses)
    await _wait_progress(emulator, len(presses), edits=edits, timeout=600)
    return loop.time() - started


async def deliver(
    database_url: str, emulator: RemoteEmulator, n: int
) -> tuple[list[Press], dict[int, tuple[str, dict]]]:
    """The real bot delivers the round's checklists; the "Yes" press for each, and each
    checklist message's (text, keyboard) by message id."""
    from bot.app import serve

    stop = asyncio.Event()
    bot = asyncio.create_task(serve(_settings(database_url, emulator), stop=stop))
    try:
        await emulator.wait_sent(n, 600)
        rows = await _delivered(database_url, n)
    finally:
        stop.set()
        await bot
    presses = [
        (chat, chat, message_id, markup["inline_keyboard"][0][0]["callback_data"])
        for chat, message_id, markup, _text in rows
    ]
    return presses, {message_id: (text, markup) for _chat, message_id, markup, text in rows}


async def answer_with_perisai(database_url: str, emulator: RemoteEmulator, presses) -> float:
    """Seconds for the real bot to process the presses (answered and message edited)."""
    from bot.app import serve

    stop = asyncio.Event()
    bot = asyncio.create_task(serve(_settings(database_url, emulator), stop=stop))
    try:
        return await _timed_presses(emulator, presses, edits=True)
    finally:
        stop.set()
        await bot


async def answer_bare(
    emulator: RemoteEmulator,
    presses: list[Press],
    messages: dict[int, tuple[str, dict]] | None = None,
    *,
    aiohttp: bool = False,
) -> float:
    """Seconds for a bare PTB application, built like Perisai's, to answer the same presses
    (and, given the messages, to edit each pressed message as well). PTB's own HTTP client
    (httpx), or with ``aiohttp`` the one Perisai uses."""
    settings = Settings()
    edits = {
        # A changed text (the first item marked done), or Telegram says "not modified".
        message_id: (text.replace("👉", "✅", 1), InlineKeyboardMarkup.de_json(markup, None))
        for message_id, (text, markup) in (messages or {}).items()
    }

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        if not edits:
            await query.answer()
            return
        assert query.message is not None
        text, markup = edits[query.message.message_id]

        async def edit() -> None:
            # "Not modified": the warm-up's message is pressed twice (Perisai's too).
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)

        await asyncio.gather(query.answer(), edit())

    builder = (
        Application.builder()
        .token(TOKEN)
        .base_url(emulator.api_url)
        .base_file_url(emulator.file_url)
        .concurrent_updates(settings.telegram.concurrent_updates)
    )
    pool = settings.telegram.connection_pool_size
    if aiohttp:
        builder = builder.request(AiohttpRequest(pool, pool_timeout=10.0)).get_updates_request(
            AiohttpRequest(1)
        )
    else:
        builder = builder.connection_pool_size(pool).pool_timeout(10.0)
    application = builder.build()
    application.add_handler(CallbackQueryHandler(answer))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            return await _timed_presses(emulator, presses, edits=bool(edits))
        finally:
            await application.updater.stop()
            await application.stop()


async def run(sites: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        print(f"seeding {sites} active operators with one site each")
        users = await seed(url, sites)
        seconds, created, peak, before = await asyncio.to_thread(create_round, url)
        print(f"round creation: {created} sites in {seconds:.2f}s")
        print(f"  process RSS: {before:.0f} MB before, peak {peak:.0f} MB")
        async with RemoteEmulator(TOKEN) as emulator:
            await emulator.configure(latency=0.0, global_per_s=None, per_chat_per_s=None)
            await emulator.add_users(users)
            presses, messages = await deliver(url, emulator, created)
            # The baseline runs before and after, and its mean counts: the emulator slows a
            # little as it stores updates, which would otherwise favour whichever runs first.
            bare_before = await answer_bare(emulator, presses)
            bare_aiohttp_s = await answer_bare(emulator, presses, aiohttp=True)
            ours_s = await answer_with_perisai(url, emulator, presses)
            bare_after = await answer_bare(emulator, presses)
            bare_edit_s = await answer_bare(emulator, presses, messages)
        ours, bare = created / ours_s, created / ((bare_before + bare_after) / 2)
        bare_aiohttp, bare_edit = created / bare_aiohttp_s, created / bare_edit_s
        print(
            f"answers: Perisai {ours:.0f}/s (answered and message edited); bare PTB "
            f"{created / bare_before:.0f}/s before, {created / bare_after:.0f}/s after"
        )
        print(f"  answers/bare (mean): {ours / bare:.3f}")
        print("  for reference, not the issue's baseline:")
        print(
            f"    bare PTB on Perisai's HTTP client (aiohttp) {bare_aiohttp:.0f}/s; "
            f"Perisai/that: {ours / bare_aiohttp:.3f}"
        )
        print(
            f"    bare PTB answering and editing {bare_edit:.0f}/s; "
            f"Perisai/that: {ours / bare_edit:.3f}"
        )
    return {
        "round_create_s": round(seconds, 3),
        "round_peak_rss_mb": round(peak, 1),
        "answers_per_s": round(ours, 1),
        "answers_vs_bare": round(ours / bare, 4),
        # Not the keys: against a bare bot on Perisai's HTTP client (aiohttp), and
        # against a bare bot that also edits the message.
        "answers_vs_bare_aiohttp": round(ours / bare_aiohttp, 4),
        "answers_vs_bare_edit": round(ours / bare_edit, 4),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checkin_round", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default=None, help="an empty scratch database (default: SQLite)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(run(args.sites, args.database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
