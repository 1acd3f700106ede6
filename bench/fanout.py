"""Fan-out benchmark of the delivery worker against the Bot API emulator.

    python -m bench.fanout [--recipients 3000] [--database-url URL]

The emulator runs in a process of its own (bench/remote_emulator.py), as a server would.

1. Capped fan-out: the emulator enforces 30 msg/s overall and 1/s per chat and answers every
   call after 150 ms; N rows to N distinct chats go through the real worker and the real PTB
   Bot (on the bot's own HTTP client, aiohttp). Reports the rate (and its ratio to the cap),
   429s, lost and duplicated messages.
   Meanwhile, one Extreme row is committed a third of the way in (without ``wake()``, as
   when another process commits it) and the time to its delivery is measured; a second one,
   with ``wake()``, two thirds of the way in; and an Immediate report's card (priority -10,
   with ``wake()``) half-way: it must reach its coordinator within 1 s.
2. Uncapped pipeline: no limits, no latency; the worker's throughput against a bare PTB send
   loop (as many senders as the worker's max_in_flight, same Bot) in the same run,
   alternating ``--rounds`` times; the medians are compared. Also the CPU this process spends
   per message in each, a figure less sensitive than wall time to other load on the machine.

Human-readable lines first, then one JSON line. By default a fresh SQLite file in a temporary
directory; a ``--database-url`` must point at a scratch database (its deliveries are used).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode

from bench.remote_emulator import RemoteEmulator
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import Delivery, DeliveryStatus
from bot.db.session import create_engine, create_sessionmaker, transaction
from bot.delivery import DeliveryWorker, Priority, SendLimiter
from bot.telegram_request import AiohttpRequest

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
CAP_PER_S = 30
LATENCY_S = 0.15
ROUTINE, EXTREME = 50, 0
IMMEDIATE_REPORT = int(Priority.IMMEDIATE_REPORT)  # a report card: someone in danger now
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
    immediate_report_s: float


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
    priority: int = EXTREME,
    kind: str = "advisory",
) -> float:
    """Commit one urgent row once ``after_sent`` messages are out; seconds to delivery."""
    await emulator.wait_sent(after_sent, 600)
    loop = asyncio.get_running_loop()
    await _enqueue(sessionmaker, [_row(chat_id, priority) | {"kind": kind}])
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
    probes = [FIRST_CHAT - 1, FIRST_CHAT - 2, FIRST_CHAT - 3]
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
    # An Immediate report's card, committed by the reporter's handler (which wakes the
    # worker of its own process) half-way through the routine fan-out.
    report = asyncio.create_task(
        _extreme_probe(
            sessionmaker,
            emulator,
            worker,
            chat_id=probes[2],
            after_sent=n // 2,
            wake=True,
            priority=IMMEDIATE_REPORT,
            kind="report",
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
        immediate_report_s=await report,
    )


@dataclass
class Phase:
    """One timed phase: wall seconds and this process's CPU seconds (all threads)."""

    wall_s: float
    cpu_s: float


@asynccontextmanager
async def _timed(out: list[Phase]) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    wall, cpu = loop.time(), time.process_time()
    yield
    out.append(Phase(loop.time() - wall, time.process_time() - cpu))


async def bare_loop(bot: Bot, chats: Sequence[int], concurrency: int) -> None:
    """A plain PTB send loop over the same messages: ``concurrency`` senders taking the next
    chat from one iterator (cheaper than a task per message behind a semaphore, so the
    stronger baseline)."""
    pending = iter(chats)

    async def sender() -> None:
        for chat_id in pending:
            await bot.send_message(chat_id, TEXT, parse_mode=ParseMode.HTML, reply_markup=None)

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def pipeline(sessionmaker: Sessionmaker, bot: Bot, chats: Sequence[int]) -> Phase:
    """The worker sends and records the same messages, pacing off (timed from its start to
    the moment no row is left queued or sending)."""
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Delivery))
    await _enqueue(sessionmaker, [_row(c) | {"reply_markup": None} for c in chats])
    limiter = SendLimiter(rate_per_s=1e9)
    worker = DeliveryWorker(sessionmaker, bot, limiter, max_in_flight=MAX_IN_FLIGHT)
    timed: list[Phase] = []
    async with _timed(timed):
        await worker.start()
        await worker.drain(600)
    await worker.stop()
    return timed[0]


async def uncapped(
    sessionmaker: Sessionmaker, emulator: RemoteEmulator, bot: Bot, n: int, rounds: int
) -> tuple[Phase, Phase]:
    """(bare, pipeline): the median phase of each, with no limits and no latency.

    The two alternate, bare first and last, so that drift in the machine's load or in the
    emulator (which slows a little as it stores messages) falls on both alike; the median
    drops a round that another process on this shared machine happened to disturb."""
    await emulator.configure(latency=0.0, global_per_s=None, per_chat_per_s=None)
    chats = [FIRST_CHAT + i for i in range(n)]
    await emulator.add_users(chats)
    await bare_loop(bot, chats[:200], MAX_IN_FLIGHT)  # warm-up: connections, code paths
    bare: list[Phase] = []
    pipe: list[Phase] = []
    for _ in range(rounds):
        async with _timed(bare):
            await bare_loop(bot, chats, MAX_IN_FLIGHT)
        pipe.append(await pipeline(sessionmaker, bot, chats))
    async with _timed(bare):
        await bare_loop(bot, chats, MAX_IN_FLIGHT)
    print("  bare PTB loop msg/s: " + ", ".join(f"{n / p.wall_s:.0f}" for p in bare))
    print("  pipeline rows/s:     " + ", ".join(f"{n / p.wall_s:.0f}" for p in pipe))
    return _median(bare), _median(pipe)


def _median(phases: list[Phase]) -> Phase:
    return Phase(
        statistics.median(p.wall_s for p in phases), statistics.median(p.cpu_s for p in phases)
    )


async def run(recipients: int, database_url: str | None, rounds: int) -> dict[str, Any]:
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
                # Both the bare loop and the pipeline use the HTTP client the bot uses.
                Bot(
                    TOKEN,
                    base_url=emulator.api_url,
                    base_file_url=emulator.file_url,
                    request=AiohttpRequest(Settings().telegram.connection_pool_size),
                    get_updates_request=AiohttpRequest(1),
                ) as bot,
            ):
                print(f"database: {engine.url.render_as_string(hide_password=True)}")
                print(f"capped fan-out: {recipients} recipients, {CAP_PER_S}/s, {LATENCY_S}s")
                fan = await capped_fan_out(sessionmaker, emulator, bot, recipients)
                print(f"  {fan.msg_per_s:.2f} msg/s = {fan.msg_per_s / CAP_PER_S:.3f} of the cap")
                print(f"  429s: {fan.http_429}, lost: {fan.lost}, duplicated: {fan.duplicated}")
                print(f"  Extreme row, commit to delivery: {fan.extreme_s:.3f}s (no wake)")
                print(f"  Extreme row, commit to delivery: {fan.extreme_woken_s:.3f}s (wake)")
                print(f"  Immediate report card, commit to delivery: {fan.immediate_report_s:.3f}s")
                print(f"uncapped: {recipients} messages, no limits, no latency")
                bare, pipe = await uncapped(sessionmaker, emulator, bot, recipients, rounds)
                pipe_vs_bare = bare.wall_s / pipe.wall_s
                n = recipients
                print(
                    f"  median: bare {n / bare.wall_s:.0f} msg/s, pipeline {n / pipe.wall_s:.0f}"
                    f" rows/s; pipeline/bare: {pipe_vs_bare:.3f}"
                )
                print(
                    f"  CPU per message: bare {1000 * bare.cpu_s / n:.2f} ms,"
                    f" pipeline {1000 * pipe.cpu_s / n:.2f} ms (this process, all threads)"
                )
        finally:
            await engine.dispose()
    return {
        "msg_per_s": round(fan.msg_per_s, 3),
        "cap_ratio": round(fan.msg_per_s / CAP_PER_S, 4),
        "http_429": fan.http_429,
        "lost": fan.lost,
        "duplicated": fan.duplicated,
        "extreme_first_delivery_s": round(fan.extreme_s, 3),
        "pipeline_vs_bare": round(pipe_vs_bare, 4),
        "extreme_woken_first_delivery_s": round(fan.extreme_woken_s, 3),
        "immediate_report_first_delivery_s": round(fan.immediate_report_s, 3),
        "bare_cpu_ms_per_msg": round(1000 * bare.cpu_s / recipients, 3),
        "pipeline_cpu_ms_per_msg": round(1000 * pipe.cpu_s / recipients, 3),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="uncapped rounds of each, alternating (median)"
    )
    parser.add_argument(
        "--database-url", default=None, help="a scratch database (default: SQLite in a temp dir)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message=".*retry_after.*")
    result = asyncio.run(run(args.recipients, args.database_url, args.rounds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
