"""Fan-out benchmark of the delivery worker against the Bot API emulator.

    python -m bench.fanout [--recipients 3000] [--database-url URL]

The emulator runs in a process of its own (bench/remote_emulator.py), as a server would.

1. Capped fan-out: the emulator enforces 30 msg/s overall and 1/s per chat and answers every
   call after 150 ms; N rows to N distinct chats go through the real worker and the real PTB
   Bot. Reports the rate (and its ratio to the cap), 429s, lost and duplicated messages.
   Meanwhile, one Extreme row is committed a third of the way in (without ``wake()``, as
   when another process commits it) and the time to its delivery is measured; a second one,
   with ``wake()``, two thirds of the way in.
2. Uncapped pipeline: no limits, no latency; the worker's throughput against a bare PTB send
   loop (asyncio.gather bounded to the worker's max_in_flight, same Bot) in the same run.

Human-readable lines first, then one JSON line. By default a fresh SQLite file in a temporary
directory; a ``--database-url`` must point at a scratch database (its deliveries are used).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode

from bench.remote_emulator import RemoteEmulator
from bot.db.migrate import upgrade
from bot.db.models import Delivery, DeliveryStatus
from bot.db.session import create_engine, create_sessionmaker, transaction
from bot.delivery import DeliveryWorker, SendLimiter

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
CAP_PER_S = 30
LATENCY_S = 0.15
ROUTINE, EXTREME = 50, 0
FIRST_CHAT = 100_000
MAX_IN_FLIGHT = 64  # the worker's default, and the bare loop's concurrency
TEXT = (
    "<b>[MODERATE] Advisory 42</b>\n<i>TLP:GREEN</i>\n\nSuspicious reconnaissance of "
    "<u>public venues</u> reported; review access control and report anomalies."
)
MARKUP = {"inline_keyboard": [[{"text": "Acknowledge", "callback_data": "ack:42"}]]}

Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass
class FanOut:
    msg_per_s: float
    http_429: int
    lost: int
    duplicated: int
    extreme_s: float
    extreme_woken_s: float


def _row(chat_id: int, priority: int = ROUTINE) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "kind": "advisory",
        "chat_id": chat_id,
        "text": TEXT,
        "reply_markup": MARKUP,
        "priority": priority,
        "status": DeliveryStatus.QUEUED,
        "not_before": now,
        "attempts": 0,
        "protect_content": False,
        "paid_broadcast": False,
        "created_at": now,
    }


async def _enqueue(sessionmaker: Sessionmaker, rows: Sequence[dict[str, Any]]) -> None:
    async with transaction(sessionmaker) as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Delivery), list(rows[start : start + 1000]))


async def _extreme_probe(
    sessionmaker: Sessionmaker,
    emulator: RemoteEmulator,
    worker: DeliveryWorker,
    *,
    chat_id: int,
    after_sent: int,
    wake: bool,
) -> float:
    """Commit one Extreme row once ``after_sent`` messages are out; seconds to delivery."""
    await emulator.wait_sent(after_sent, 600)
    loop = asyncio.get_running_loop()
    await _enqueue(sessionmaker, [_row(chat_id, EXTREME)])
    committed = loop.time()
    if wake:
        worker.wake()
    await emulator.wait_chat(chat_id, 60)
    return loop.time() - committed


async def capped_fan_out(
    sessionmaker: Sessionmaker, emulator: RemoteEmulator, bot: Bot, n: int
) -> FanOut:
    await emulator.configure(latency=LATENCY_S, global_per_s=CAP_PER_S, per_chat_per_s=1)
    chats = [FIRST_CHAT + i for i in range(n)]
    probes = [FIRST_CHAT - 1, FIRST_CHAT - 2]
    await emulator.add_users([*chats, *probes])
    worker = DeliveryWorker(sessionmaker, bot, SendLimiter(), max_in_flight=MAX_IN_FLIGHT)
    await worker.start()
    loop = asyncio.get_running_loop()

    await _enqueue(sessionmaker, [_row(c) for c in chats])
    started = loop.time()
    worker.wake()  # as the releasing service does after its commit
    extreme = asyncio.create_task(
        _extreme_probe(
            sessionmaker, emulator, worker, chat_id=probes[0], after_sent=n // 3, wake=False
        )
    )
    woken = asyncio.create_task(
        _extreme_probe(
            sessionmaker, emulator, worker, chat_id=probes[1], after_sent=2 * n // 3, wake=True
        )
    )
    total = n + len(probes)
    await emulator.wait_sent(total, n / 10 + 60)
    elapsed = loop.time() - started
    await worker.drain(60)
    await worker.stop()

    received = await emulator.per_chat()
    targets = [*chats, *probes]
    return FanOut(
        msg_per_s=total / elapsed,
        http_429=await emulator.http_429(),
        lost=sum(1 for c in targets if received[c] == 0),
        duplicated=sum(1 for c in targets if received[c] > 1),
        extreme_s=await extreme,
        extreme_woken_s=await woken,
    )


async def bare_loop(bot: Bot, chats: Sequence[int], concurrency: int) -> float:
    """Seconds for a plain bounded-concurrency PTB send loop over the same messages."""
    gate = asyncio.Semaphore(concurrency)

    async def send(chat_id: int) -> None:
        async with gate:
            await bot.send_message(chat_id, TEXT, parse_mode=ParseMode.HTML, reply_markup=None)

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(send(c) for c in chats))
    return loop.time() - started


async def pipeline(sessionmaker: Sessionmaker, bot: Bot, chats: Sequence[int]) -> float:
    """Seconds for the worker to send and record the same messages, pacing off."""
    await _enqueue(sessionmaker, [_row(c) | {"reply_markup": None} for c in chats])
    limiter = SendLimiter(rate_per_s=1e9)
    worker = DeliveryWorker(sessionmaker, bot, limiter, max_in_flight=MAX_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await worker.start()
    await worker.drain(600)
    elapsed = loop.time() - started
    await worker.stop()
    return elapsed


async def uncapped(
    sessionmaker: Sessionmaker, emulator: RemoteEmulator, bot: Bot, n: int
) -> tuple[float, float]:
    """(bare messages/s, pipeline rows/s) with no limits and no latency.

    The bare loop runs before and after the pipeline and its mean is the baseline: the
    emulator slows down a little as it stores messages, which would otherwise favour
    whichever runs first."""
    await emulator.configure(latency=0.0, global_per_s=None, per_chat_per_s=None)
    chats = [FIRST_CHAT + i for i in range(n)]
    await emulator.add_users(chats)
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Delivery))
    await bare_loop(bot, chats[:200], MAX_IN_FLIGHT)  # warm-up: connections, code paths
    before = await bare_loop(bot, chats, MAX_IN_FLIGHT)
    pipe_s = await pipeline(sessionmaker, bot, chats)
    after = await bare_loop(bot, chats, MAX_IN_FLIGHT)
    print(f"  bare PTB loop: {n / before:.0f} msg/s before, {n / after:.0f} msg/s after")
    return n / ((before + after) / 2), n / pipe_s


async def run(recipients: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        async with transaction(sessionmaker) as session:
            await session.execute(delete(Delivery))
        try:
            async with (
                RemoteEmulator(TOKEN) as emulator,
                Bot(TOKEN, base_url=emulator.api_url, base_file_url=emulator.file_url) as bot,
            ):
                print(f"database: {engine.url.render_as_string(hide_password=True)}")
                print(f"capped fan-out: {recipients} recipients, {CAP_PER_S}/s, {LATENCY_S}s")
                fan = await capped_fan_out(sessionmaker, emulator, bot, recipients)
                print(f"  {fan.msg_per_s:.2f} msg/s = {fan.msg_per_s / CAP_PER_S:.3f} of the cap")
                print(f"  429s: {fan.http_429}, lost: {fan.lost}, duplicated: {fan.duplicated}")
                print(f"  Extreme row, commit to delivery: {fan.extreme_s:.3f}s (no wake)")
                print(f"  Extreme row, commit to delivery: {fan.extreme_woken_s:.3f}s (wake)")
                print(f"uncapped: {recipients} messages, no limits, no latency")
                bare, pipe = await uncapped(sessionmaker, emulator, bot, recipients)
                print(f"  bare PTB loop (mean): {bare:.0f} msg/s; pipeline: {pipe:.0f} rows/s")
                print(f"  pipeline/bare: {pipe / bare:.3f}")
        finally:
            await engine.dispose()
    return {
        "msg_per_s": round(fan.msg_per_s, 3),
        "cap_ratio": round(fan.msg_per_s / CAP_PER_S, 4),
        "http_429": fan.http_429,
        "lost": fan.lost,
        "duplicated": fan.duplicated,
        "extreme_first_delivery_s": round(fan.extreme_s, 3),
        "pipeline_vs_bare": round(pipe / bare, 4),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument(
        "--database-url", default=None, help="a scratch database (default: SQLite in a temp dir)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message=".*retry_after.*")
    result = asyncio.run(run(args.recipients, args.database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
