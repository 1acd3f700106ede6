"""The Bot API emulator in its own process, for benchmarks.

In the benchmark's own event loop the emulator would share stalls with the worker it
measures: requests sent during a stall get timestamped together when the loop resumes, and
its strict rolling flood window then counts a burst the worker never sent. In a process of
its own it sees requests as a separate server would.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
from collections import Counter
from typing import Any

from bot.emulator import BotApiEmulator

POLL_S = 0.02  # how often waiting benchmark code asks the emulator process


def _serve(conn: Any, token: str) -> None:
    """Child process: run the emulator; answer control calls arriving on ``conn``."""

    async def main() -> None:
        emulator = BotApiEmulator(token=token)
        await emulator.start()
        conn.send((emulator.api_url, emulator.file_url))
        loop = asyncio.get_running_loop()
        while True:
            # The pipe is read in a thread so the emulator keeps serving meanwhile.
            command, args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                await emulator.stop()
                conn.send(None)
                return
            conn.send(_control(emulator, command, args))

    asyncio.run(main())


def _control(emulator: BotApiEmulator, command: str, args: tuple[Any, ...]) -> Any:
    if command == "configure":
        latency, global_per_s, per_chat_per_s = args
        emulator.latency = latency
        emulator.set_flood_limits(global_per_s=global_per_s, per_chat_per_s=per_chat_per_s)
        emulator.stats.reset()
        return None
    if command == "fail":  # the next N calls of a method answer an error
        method, status, count, retry_after = args
        emulator.fail_next(method, status=status, count=count, retry_after=retry_after)
        return None
    if command == "outage":  # every call answers 502 for N seconds
        emulator.outage(args[0])
        return None
    if command == "spike":  # calls in the next N seconds are answered L seconds late
        latency, seconds = args
        emulator.spike(latency, seconds)
        return None
    if command == "reset_messages":
        emulator.sent_messages.clear()
        emulator.clear_faults()
        return None
    if command == "users":
        for user_id in args[0]:
            emulator.user(user_id)
        return None
    if command == "sent_count":
        return len(emulator.sent_messages)
    if command == "chat_count":
        return len(emulator.chat_messages(args[0]))
    if command == "per_chat":
        return Counter(m.chat_id for m in emulator.sent_messages)
    if command == "http_429":
        return emulator.stats.http_429
    if command == "press":
        # Users press inline buttons: [(user id, chat id, message id, callback data), ...].
        answers = _STATE.setdefault("answers", [])
        _STATE["edits_from"] = len(emulator.requests)
        for user_id, chat_id, message_id, data in args[0]:
            answers.append(
                emulator.post_callback(emulator.user(user_id), chat_id, message_id, data)
            )
        return None
    if command == "press_progress":
        # (callbacks answered, messages edited) since the last "press"
        answers = _STATE.get("answers", [])
        start = _STATE.get("edits_from", 0)
        edits = sum(1 for r in emulator.requests[start:] if r.method == "editMessageText")
        return sum(1 for a in answers if a.answered), edits
    if command == "press_reset":
        _STATE.clear()
        return None
    if command == "load":
        # Users write to the bot, each at its rate: [(user id, messages per second), ...],
        # from here (the emulator's process), until "load_stop".
        loop = asyncio.get_running_loop()
        tasks = _STATE.setdefault("load", [])
        for user_id, per_s in args[0]:
            user = emulator.user(user_id, language_code="en")
            tasks.append(loop.create_task(_write(emulator, user, per_s)))
        return None
    if command == "load_stop":
        for task in _STATE.pop("load", []):
            task.cancel()
        return _STATE.pop("posted", 0)  # messages the users sent
    if command == "mark":
        return len(emulator.requests)
    if command == "span":
        # (first, last, count) of the messages sent to chats in [low, high) since a mark.
        low, high, since = args
        times = [
            r.time
            for r in emulator.requests[since:]
            if r.method == "sendMessage" and r.status == 200 and low <= r.params["chat_id"] < high
        ]
        return (min(times), max(times), len(times)) if times else None
    if command == "received":
        # Bot messages to chats in [low, high) so far.
        low, high = args
        return sum(1 for m in emulator.sent_messages if low <= m.chat_id < high)
    raise ValueError(command)


async def _write(emulator: BotApiEmulator, user: Any, per_s: float) -> None:
    """One user sending text messages at ``per_s`` on a schedule, until cancelled."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in itertools.count():
        delay = start + i / per_s - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        emulator.post_message(user, user.id, {"text": f"halo {i}"})
        _STATE["posted"] = _STATE.get("posted", 0) + 1


_STATE: dict[str, Any] = {}  # the child's bookkeeping for benchmark-driven presses


class RemoteEmulator:
    """A BotApiEmulator in a child process, driven through a pipe."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> RemoteEmulator:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, self._token), daemon=True)
        self._process.start()
        self.api_url, self.file_url = await self._recv()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.call("stop")
        self._process.join(10)

    async def _recv(self) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def call(self, command: str, *args: Any) -> Any:
        async with self._lock:  # one request and its answer at a time on the pipe
            self._conn.send((command, args))
            return await self._recv()

    async def configure(
        self, *, latency: float, global_per_s: int | None, per_chat_per_s: int | None
    ) -> None:
        await self.call("configure", latency, global_per_s, per_chat_per_s)

    async def add_users(self, user_ids: list[int]) -> None:
        await self.call("users", user_ids)

    async def sent_count(self) -> int:
        return await self.call("sent_count")

    async def per_chat(self) -> Counter[int]:
        return await self.call("per_chat")

    async def http_429(self) -> int:
        return await self.call("http_429")

    async def wait_sent(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        """Until the emulator has received ``count`` messages in all (polled, with a deadline)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.sent_count() < count:
            if loop.time() > deadline:
                raise TimeoutError(f"fewer than {count} messages within {timeout}s")
            await asyncio.sleep(POLL_S)

    async def press(self, presses: list[tuple[int, int, int, str]]) -> None:
        await self.call("press_reset")
        await self.call("press", presses)

    async def press_progress(self) -> tuple[int, int]:
        return await self.call("press_progress")

    async def load(self, writers: list[tuple[int, float]]) -> None:
        """Users write to the bot: (user id, messages per second) each, until load_stop()."""
        await self.call("load", writers)

    async def load_stop(self) -> int:
        """Stop the writers; the number of messages they sent."""
        return await self.call("load_stop")

    async def mark(self) -> int:
        return await self.call("mark")

    async def span(self, low: int, high: int, since: int) -> tuple[float, float, int] | None:
        """(first, last, count) of the messages to chats in [low, high) since ``mark()``."""
        return await self.call("span", low, high, since)

    async def received(self, low: int, high: int) -> int:
        """Bot messages to chats in [low, high) so far."""
        return await self.call("received", low, high)

    async def wait_chat(self, chat_id: int, timeout: float) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.call("chat_count", chat_id):
            if loop.time() > deadline:
                raise TimeoutError(f"nothing for chat {chat_id} within {timeout}s")
            await asyncio.sleep(POLL_S)
