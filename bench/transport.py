"""HTTP client benchmark: python-telegram-bot's own (httpx) against Perisai's (aiohttp).

    python -m bench.transport [--calls 3000] [--in-flight 32] [--rounds 3]

A PTB ``Bot`` edits one message ``--calls`` times, ``--in-flight`` at once, against the Bot
API emulator in its own process (no latency, no limits), once on each client per round,
alternating; medians of the rounds. Reports calls per second and the CPU this process spends
per call (the figure other load on the machine disturbs least), then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.remote_emulator import RemoteEmulator
from bot.telegram_request import AiohttpRequest

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
CHAT = 777


async def edits(
    emulator: RemoteEmulator, request: BaseRequest, calls: int, in_flight: int
) -> tuple[float, float]:
    """(calls per second, CPU ms per call) for one client."""
    bot = Bot(TOKEN, base_url=emulator.api_url, request=request)
    async with bot:
        message = await bot.send_message(CHAT, "0")
        pending = iter(range(1, calls + 1))

        async def editor() -> None:
            for n in pending:
                await bot.edit_message_text(str(n), CHAT, message.message_id)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(editor() for _ in range(in_flight)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return calls / wall, 1000 * cpu / calls


async def run(calls: int, in_flight: int, rounds: int) -> dict[str, Any]:
    results: dict[str, list[tuple[float, float]]] = {"httpx": [], "aiohttp": []}
    async with RemoteEmulator(TOKEN) as emulator:
        await emulator.configure(latency=0.0, global_per_s=None, per_chat_per_s=None)
        await emulator.add_users([CHAT])
        for _ in range(rounds):
            results["httpx"].append(
                await edits(emulator, HTTPXRequest(in_flight * 2), calls, in_flight)
            )
            results["aiohttp"].append(
                await edits(emulator, AiohttpRequest(in_flight * 2), calls, in_flight)
            )
    figures: dict[str, Any] = {}
    for client, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{client:8} {rate:6.0f} calls/s  {cpu:.3f} ms CPU per call  (median of {rounds})")
        figures[f"{client}_calls_per_s"] = round(rate, 1)
        figures[f"{client}_cpu_ms_per_call"] = round(cpu, 3)
    figures["aiohttp_vs_httpx_cpu"] = round(
        figures["aiohttp_cpu_ms_per_call"] / figures["httpx_cpu_ms_per_call"], 3
    )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.transport", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.calls, args.in_flight, args.rounds))))


if __name__ == "__main__":
    main()
