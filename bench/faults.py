"""The delivery queue on a bad day: a fan-out through Telegram's faults, what it loses and
repeats, and how long it takes beyond the fault itself.

    python -m bench.faults [--recipients 2000] [--database-url URL] [--only storm,outage,spike]

The emulator runs in a process of its own with Telegram's limits (30 msg/s overall, 1/s per
chat) and 150 ms of latency; the real worker sends through the real PTB Bot on the bot's own
HTTP client (read time-out 5 s). Each scenario queues ``--recipients`` advisory copies and
injects its fault once a part of them is out:

- quiet: no fault, the baseline;
- storm: a 429 with retry_after 40 s (longer than the 30 s lease) five times in a row,
  half-way through;
- outage: 300 answers of HTTP 500 a quarter of the way, then every call answers 502 for
  30 s half-way;
- spike: every call in a 10 s window is answered 6 s late (over the 5 s read time-out), a
  third of the way.

For each it prints whether every row ended, lost (recipients with no copy) and duplicated
(recipients with more than one; at most the in-flight window is the target, and nobody gets
more than 2), the 429s, and the seconds beyond the quiet run and the fault's own length.
Human-readable lines first, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from telegram import Bot

from bench.fanout import FIRST_CHAT, LATENCY_S, MAX_IN_FLIGHT, Sessionmaker, _enqueue, _row
from bench.remote_emulator import RemoteEmulator
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import Delivery
from bot.db.session import create_engine, create_sessionmaker, reading, transaction
from bot.delivery import DeliveryWorker, SendLimiter
from bot.telegram_request import AiohttpRequest

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
Inject = Callable[[RemoteEmulator], Awaitable[float]]  # returns the fault's own seconds


async def _storm(emulator: RemoteEmulator) -> float:
    await emulator.call("fail", "sendMessage", 429, 5, 40)
    return 40.0


async def _outage(emulator: RemoteEmulator, n: int) -> float:
    await emulator.call("fail", "sendMessage", 500, 300, None)
    await emulator.wait_sent(n // 2, 600)
    await emulator.call("outage", 30.0)
    return 30.0


async def _spike(emulator: RemoteEmulator) -> float:
    await emulator.call("spike", 6.0, 10.0)
    return 10.0


async def scenario(
    sessionmaker: Sessionmaker,
    emulator: RemoteEmulator,
    bot: Bot,
    n: int,
    *,
    at: float,
    inject: Callable[[RemoteEmulator], Awaitable[float]] | None,
) -> dict[str, Any]:
    await emulator.call("reset_messages")
    await emulator.configure(latency=LATENCY_S, global_per_s=30, per_chat_per_s=1)
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Delivery))
    chats = [FIRST_CHAT + i for i in range(n)]
    await emulator.add_users(chats)
    worker = DeliveryWorker(sessionmaker, bot, SendLimiter(), max_in_flight=MAX_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    await _enqueue(sessionmaker, [_row(c) for c in chats])
    await worker.start()
    started = loop.time()
    worker.wake()
    fault_s = 0.0
    if inject is not None:
        await emulator.wait_sent(int(n * at), 600)
        fault_s = await inject(emulator)
    ended = True
    try:
        await worker.drain(n / 10 + 600)
    except TimeoutError:
        ended = False
    elapsed = loop.time() - started
    await worker.stop()
    async with reading(sessionmaker) as session:
        statuses = Counter(
            dict(
                (
                    await session.execute(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    )
                ).all()
            )
        )
    received = await emulator.per_chat()
    copies = [received[c] for c in chats]
    return {
        "ended": ended,
        "elapsed_s": round(elapsed, 1),
        "fault_s": fault_s,
        "lost": sum(1 for c in copies if c == 0),
        "duplicated": sum(1 for c in copies if c > 1),
        "max_copies": max(copies),
        "http_429": await emulator.http_429(),
        "statuses": dict(statuses),
    }


async def run(recipients: int, database_url: str | None, only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        n = recipients
        scenarios: dict[str, tuple[float, Inject | None]] = {
            "quiet": (0.0, None),
            "storm": (0.5, _storm),
            "outage": (0.25, lambda emu: _outage(emu, n)),
            "spike": (0.33, _spike),
        }
        try:
            async with (
                RemoteEmulator(TOKEN) as emulator,
                Bot(
                    TOKEN,
                    base_url=emulator.api_url,
                    base_file_url=emulator.file_url,
                    request=AiohttpRequest(Settings().telegram.connection_pool_size),
                    get_updates_request=AiohttpRequest(1),
                ) as bot,
            ):
                print(f"database: {engine.url.render_as_string(hide_password=True)}")
                print(f"{n} recipients, 30/s and 1/s per chat, {LATENCY_S}s latency")
                for name, (at, inject) in scenarios.items():
                    if name != "quiet" and only and name not in only:
                        continue
                    figures = await scenario(sessionmaker, emulator, bot, n, at=at, inject=inject)
                    quiet = results.get("quiet", {}).get("elapsed_s")
                    if quiet is not None and name != "quiet":
                        beyond = figures["elapsed_s"] - quiet - figures["fault_s"]
                        figures["beyond_fault_s"] = round(beyond, 1)
                    results[name] = figures
                    print(f"  {name}: {figures}")
        finally:
            await engine.dispose()
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--only", default="", help="comma-separated: storm,outage,spike")
    parser.add_argument(
        "--database-url", default=None, help="a scratch database (default: SQLite in a temp dir)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message=".*retry_after.*")
    only = {s for s in args.only.split(",") if s}
    result = asyncio.run(run(args.recipients, args.database_url, only))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
