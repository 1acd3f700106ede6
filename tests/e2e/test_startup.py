"""Start-up an operator can read: no route to Telegram yet, a refused token, a cancelled run."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket

import pytest

from bot import app
from bot.app import serve
from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN, make_settings, say, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unclosed(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()  # aiohttp reports an unclosed session when it is collected
    return [r.getMessage() for r in caplog.records if "Unclosed" in r.getMessage()]


async def test_a_bot_started_before_the_network_waits_for_it_then_serves(
    database_url, engine, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(app, "CONNECT_RETRY_S", (0.2,))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url,
        telegram={"api_url": f"{base}/bot", "file_url": f"{base}/file/bot"},
    )
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING):
        running = asyncio.create_task(serve(settings, stop=stop))
        await wait_until(
            lambda: sum("cannot reach the Bot API" in r.getMessage() for r in caplog.records) >= 2
        )
        emulator = BotApiEmulator(token=TOKEN, bot_username="perisai_test_bot")
        await emulator.start(port=port)
        try:
            user = emulator.user(4242, first_name="Sari", language_code="id")
            await say(user, "/help", "", within=20)  # any answer: the bot is serving
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 20) == 0
            await emulator.stop()
    failures = [r for r in caplog.records if "cannot reach the Bot API" in r.getMessage()]
    assert all(r.exc_info is None for r in failures), "one line per attempt, no traceback"
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert unclosed(caplog) == []


async def test_a_refused_token_exits_2_with_one_line(
    database_url, engine, emulator, caplog
) -> None:
    settings = make_settings(
        database_url,
        telegram={
            "token": "987654321:REVOKED-TOKEN-abcdefghijklmnop",  # well-formed, unknown
            "api_url": emulator.api_url,
            "file_url": emulator.file_url,
        },
    )
    with caplog.at_level(logging.WARNING):
        assert await asyncio.wait_for(serve(settings), 20) == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "refused the bot token" in errors[0].getMessage()
    assert errors[0].exc_info is None
    assert all("REVOKED-TOKEN" not in r.getMessage() for r in caplog.records)
    assert unclosed(caplog) == []


async def test_a_cancelled_run_leaves_nothing_running(running_bot, emulator) -> None:
    task = running_bot._task
    assert task is not None
    ours = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    running_bot._task = None
    # Every task that the bot started (polling, handlers, worker loops, scheduler) is done;
    # only the emulator's server tasks, which belong to the fixture, may still run.
    started = {t for t in asyncio.all_tasks() if t not in ours and not t.done()}
    left = sorted(t.get_name() for t in ours | started if not t.done() and t is not task)
    bot_tasks = [n for n in left if not n.startswith("Task-")]
    assert bot_tasks == [], left
