"""Fault injection and Telegram's flood limits.

:class:`Faults` is what a test or benchmark switches on: latency, a latency spike, an outage,
scripted failures of one method. The server applies it to every call before the method runs.
:class:`FloodLimits` is Telegram's own behaviour, off until limits are set: the send methods
ask it just before they create a message, and it answers 429 with Telegram's retry_after once
a rolling window is full.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass

from .models import ApiError, ChatState

__all__ = ["Faults", "FloodLimits"]


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


class Faults:
    """Latency, spikes, outages and scripted failures, applied to every call."""

    def __init__(self) -> None:
        self.latency: float = 0.0
        # Scripted failures by lower-cased method name (Telegram's names are case-insensitive).
        self._scripted: dict[str, deque[_Fault]] = {}
        self._outage: tuple[int, str] = (502, "Bad Gateway")
        self._outage_until = 0.0
        self._spike_latency = 0.0
        self._spike_until = 0.0

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` answer this error (queued after any
        failures already scheduled). ``retry_after`` adds ``parameters.retry_after``.

        A 429 always carries retry_after like Telegram's (default 1) and, unless a
        description is given, Telegram's "Too Many Requests: retry after N" text.
        """
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        queue = self._scripted.setdefault(method.lower(), deque())
        queue.extend(_Fault(status, description, retry_after) for _ in range(count))

    def clear(self) -> None:
        """Drop scripted failures and end any outage or spike (latency stays)."""
        self._scripted.clear()
        self._outage_until = 0.0
        self._spike_until = 0.0

    def outage(
        self, seconds: float, *, status: int = 502, description: str = "Bad Gateway"
    ) -> None:
        """Every call answers ``status`` for the next ``seconds`` (Telegram down, or the
        proxy in front of it): what an operator sees during an outage."""
        self._outage = (status, description)
        self._outage_until = time.monotonic() + seconds

    def spike(self, latency: float, seconds: float) -> None:
        """Calls that arrive in the next ``seconds`` are answered ``latency`` seconds late,
        and carried out all the same: a client that gives up waiting does not undo a send,
        as with Telegram."""
        self._spike_latency = latency
        self._spike_until = time.monotonic() + seconds

    async def on_arrival(self) -> None:
        """A call arrives: wait out the latency (and any spike), then answer the outage's
        error if the call arrived during one."""
        arrived = time.monotonic()
        delay = self.latency + (self._spike_latency if arrived < self._spike_until else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)
        if arrived < self._outage_until:
            raise ApiError(*self._outage)

    def raise_scripted(self, method: str) -> None:
        """Answer the next failure scripted for ``method``, if there is one."""
        scripted = self._scripted.get(method.lower())
        if scripted:
            fault = scripted.popleft()
            params = {"retry_after": fault.retry_after} if fault.retry_after else None
            raise ApiError(fault.status, fault.description, params)


class FloodLimits:
    """Telegram's send limits: rolling windows, strict. None means unlimited."""

    def __init__(self) -> None:
        self.global_per_s: int | None = None
        self.per_chat_per_s: int | None = None
        self.per_group_per_min: int | None = None
        self._global_sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = {}
        self._group_sends: dict[int, deque[float]] = {}

    def set(
        self,
        global_per_s: int | None = None,
        per_chat_per_s: int | None = None,
        per_group_per_min: int | None = None,
    ) -> None:
        self.global_per_s = global_per_s
        self.per_chat_per_s = per_chat_per_s
        self.per_group_per_min = per_group_per_min

    def check(self, chat: ChatState) -> None:
        """Raise 429 if this send would exceed a limit; otherwise count it."""
        now = time.monotonic()
        checks: list[tuple[deque[float], int | None, float]] = [
            (self._global_sends, self.global_per_s, 1.0),
            (self._chat_sends.setdefault(chat.id, deque()), self.per_chat_per_s, 1.0),
        ]
        if chat.is_group:
            checks.append(
                (self._group_sends.setdefault(chat.id, deque()), self.per_group_per_min, 60.0)
            )
        limited, wait = False, 0.0
        for window, limit, span in checks:
            while window and window[0] <= now - span:
                window.popleft()
            if limit is None:
                continue
            if limit <= 0:
                limited = True
            elif len(window) >= limit:
                # The window frees once enough of the oldest sends have aged out.
                limited = True
                wait = max(wait, window[len(window) - limit] + span - now)
        if limited:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for window, _, _ in checks:
            window.append(now)
