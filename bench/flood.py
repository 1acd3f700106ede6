"""Flood benchmark: a fan-out while people write to the bot, against the Bot API emulator.

    python -m bench.flood [--recipients 600] [--database-url URL]

The real bot runs here (python-telegram-bot over HTTP, the handlers with the per-account
throttle, the delivery worker, the database), with the default configuration. The emulator
runs in a process of its own (bench/remote_emulator.py) with Telegram's limits, 30 messages/s
overall and 1/s per chat, and answers every call after 150 ms; the emulated users who write
to the bot run there too, so their pace does not depend on this process's event loop.

The same fan-out (N rows to N distinct chats, unregistered people writing meanwhile, each
of whose messages is answered) runs quiet, then with 30 incoming messages a second from:

- one account at 30/s, and ten accounts at 3/s: the issue's two floods; both are over the
  throttle's 5 messages in 3 s, so after a few replies each account gets one notice;
- thirty accounts at 1/s: within the throttle, so every message wants a reply, and it is
  the limiter's reply share that keeps the fan-out going.

Each prints the fan-out's duration (first to last of its messages at the emulator), its ratio
to the quiet run (target at most 1.5), the emulator's 429s (target 0), the replies and
notices the writers got (and how long after the fan-out the last came), and the throttle's
counters. Human-readable lines first, then one JSON line. By default a fresh SQLite file in
a temporary directory; a ``--database-url`` must point at a scratch database.
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
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bench.fanout import LATENCY_S, TOKEN, _enqueue, _row
from bench.remote_emulator import RemoteEmulator
from bot.app import serve
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import Delivery
from bot.db.session import create_engine, transaction
from bot.runtime import Runtime

CAP_PER_S = 30
# name: (accounts, messages per second each)
SCENARIOS: dict[str, tuple[int, float]] = {
    "quiet": (0, 0.0),
    "one_at_30": (1, 30.0),
    "ten_at_3": (10, 3.0),
    "thirty_at_1": (30, 1.0),
}
SPAN = 1_000_000  # chat ids of one scenario: its recipients, then its writers
WRITERS_AT = 500_000
POLL_S = 0.1
SETTLED_S = 2.0  # no message for this long: the replies still owed have all gone


@dataclass
class Run:
    name: str
    duration_s: float
    http_429: int
    incoming: int
    replies: int
    replies_lag_s: float  # from the fan-out's end to the last reply
    throttled: int
    dropped: int


async def _until(predicate: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        await asyncio.sleep(POLL_S)


async def _settle(
    emulator: RemoteEmulator,
    low: int,
    high: int,
    timeout: float,  # noqa: ASYNC109
) -> tuple[int, float]:
    """Wait until chats in [low, high) have received nothing new for SETTLED_S: how many
    messages they got, and seconds from the call to the last one (within POLL_S)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    count, since = await emulator.received(low, high), start
    while loop.time() - since < SETTLED_S:
        if loop.time() > start + timeout:
            raise TimeoutError(f"replies still coming after {timeout}s")
        await asyncio.sleep(POLL_S)
        now = await emulator.received(low, high)
        if now != count:
            count, since = now, loop.time()
    return count, since - start


async def scenario(
    name: str, index: int, n: int, runtime: Runtime, emulator: RemoteEmulator
) -> Run:
    accounts, per_s = SCENARIOS[name]
    base = (index + 1) * SPAN
    chats = list(range(base, base + n))
    writers = [(base + WRITERS_AT + i, per_s) for i in range(accounts)]
    await emulator.add_users(chats)
    # Fresh counters (and flood windows long quiet): each run's 429s are its own.
    await emulator.configure(latency=LATENCY_S, global_per_s=CAP_PER_S, per_chat_per_s=1)
    mark = await emulator.mark()
    throttled, dropped = runtime.throttle.throttled_total, runtime.throttle.dropped_total

    await _enqueue(runtime.sessionmaker, [_row(c) for c in chats])
    runtime.wake_delivery()  # as a releasing service does after its commit
    if writers:
        await emulator.load(writers)

    async def fanned_out() -> bool:
        return await emulator.received(base, base + n) >= n

    await _until(fanned_out, n / 5 + 120, f"{name}: fewer than {n} fan-out messages")
    incoming = await emulator.load_stop()
    span = await emulator.span(base, base + n, mark)
    assert span is not None
    first, last, _ = span
    low = base + WRITERS_AT
    replies, lag = await _settle(emulator, low, low + max(accounts, 1), 300)
    return Run(
        name=name,
        duration_s=last - first,
        http_429=await emulator.http_429(),
        incoming=incoming,
        replies=replies,
        replies_lag_s=lag,
        throttled=runtime.throttle.throttled_total - throttled,
        dropped=runtime.throttle.dropped_total - dropped,
    )


async def run(recipients: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        async with RemoteEmulator(TOKEN) as emulator:
            settings = Settings(
                telegram={
                    "token": TOKEN,
                    "api_url": emulator.api_url,
                    "file_url": emulator.file_url,
                    "poll_timeout": 1,
                },
                database={"url": url},
                checkins={"run_scheduler": False},
            )
            runtime = Runtime.from_settings(settings, engine=engine)
            async with transaction(runtime.sessionmaker) as session:
                await session.execute(delete(Delivery))
            stop = asyncio.Event()
            bot = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))

            async def serving() -> bool:
                if bot.done():
                    bot.result()  # raises what stopped it
                # The worker is running once it took over the wake-up.
                return getattr(runtime.wake_delivery, "__self__", None) is not None

            await _until(serving, 60, "the bot did not start")
            print(f"database: {engine.url.render_as_string(hide_password=True)}")
            print(
                f"fan-out of {recipients} at {CAP_PER_S}/s (1/s per chat, {LATENCY_S}s a call);"
                f" reply share {settings.delivery.interactive_share}, throttle"
                f" {settings.abuse.flood_messages} messages in {settings.abuse.flood_window_s:g}s"
            )
            runs: list[Run] = []
            try:
                for index, name in enumerate(SCENARIOS):
                    result = await scenario(name, index, recipients, runtime, emulator)
                    runs.append(result)
                    quiet = runs[0].duration_s
                    accounts, per_s = SCENARIOS[name]
                    load = f"{accounts} x {per_s:g}/s" if accounts else "no incoming"
                    print(
                        f"  {name:12} {load:12} {result.duration_s:6.2f}s"
                        f" = {result.duration_s / quiet:.3f} x quiet; 429s: {result.http_429};"
                        f" incoming {result.incoming}, answered {result.replies}"
                        f" (the last {result.replies_lag_s:.1f}s after the fan-out);"
                        f" throttled accounts {result.throttled}, dropped {result.dropped}"
                    )
            finally:
                stop.set()
                await bot
    quiet = runs[0].duration_s
    figures: dict[str, Any] = {"recipients": recipients, "quiet_s": round(quiet, 3)}
    for result in runs[1:]:
        figures[f"{result.name}_s"] = round(result.duration_s, 3)
        figures[f"{result.name}_ratio"] = round(result.duration_s / quiet, 4)
        figures[f"{result.name}_replies"] = result.replies
        figures[f"{result.name}_replies_lag_s"] = round(result.replies_lag_s, 1)
        figures[f"{result.name}_throttled"] = result.throttled
    figures["max_ratio"] = round(max(r.duration_s for r in runs) / quiet, 4)
    figures["http_429"] = sum(r.http_429 for r in runs)
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flood", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--recipients", type=int, default=600)
    parser.add_argument(
        "--database-url", default=None, help="a scratch database (default: SQLite in a temp dir)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # One line per throttled account: counted in the figures instead.
    logging.getLogger("handlers.throttle").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*retry_after.*")
    result = asyncio.run(run(args.recipients, args.database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
