"""Long-running background tasks that cannot die unseen.

Every loop of the application (the delivery worker's claiming, dispatching and recording,
reminders, the scheduler's ticks) runs under :func:`supervise`: an unexpected exception is
logged with its traceback, the loop starts again after a backoff, and :class:`Health` shows
which loops are failing, for the readiness check and for tests. A loop that returns has
finished its work (the application is stopping); cancelling the supervisor cancels the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Health", "TaskHealth", "supervise"]

log = logging.getLogger(__name__)

# After a crash the loop waits this long before it starts again, doubling up to the cap;
# a loop that then ran this long without crashing starts counting from the base again.
RESTART_BASE_S = 0.5
RESTART_MAX_S = 30.0
STABLE_AFTER_S = 60.0


@dataclass(slots=True)
class TaskHealth:
    name: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    last_error_at: float | None = None  # time.time()
    finished: bool = False  # returned: the application is stopping
    # A job run now and then (a scheduler tick) rather than a loop: failing while its last
    # run failed.
    periodic: bool = False
    last_run_failed: bool = False

    @property
    def failing(self) -> bool:
        """Not running when it should, or crashed within the last STABLE_AFTER_S."""
        if self.periodic:
            return self.last_run_failed
        if self.finished:
            return False
        if not self.running:
            return True
        return self.last_error_at is not None and time.time() - self.last_error_at < STABLE_AFTER_S


@dataclass(slots=True)
class Health:
    """What the supervised loops are doing; read by /readyz and by tests."""

    tasks: dict[str, TaskHealth] = field(default_factory=dict)

    def task(self, name: str) -> TaskHealth:
        entry = self.tasks.get(name)
        if entry is None:
            entry = self.tasks[name] = TaskHealth(name)
        return entry

    @property
    def ok(self) -> bool:
        return not any(t.failing for t in self.tasks.values())

    def ran(self, name: str, error: BaseException | None = None) -> None:
        """A periodic job's run ended, well or with ``error`` (which the caller logs)."""
        entry = self.task(name)
        entry.periodic = True
        entry.last_run_failed = error is not None
        if error is not None:
            entry.restarts += 1
            entry.last_error = f"{type(error).__name__}: {error}"[:300]
            entry.last_error_at = time.time()

    def problems(self) -> dict[str, str]:
        return {t.name: t.last_error or "failing" for t in self.tasks.values() if t.failing}


async def supervise(
    name: str,
    loop: Callable[[], Coroutine[Any, Any, None]],
    health: Health,
    *,
    base_s: float = RESTART_BASE_S,
    max_s: float = RESTART_MAX_S,
) -> None:
    """Run ``loop()`` until it returns; restart it with backoff whenever it raises."""
    entry = health.task(name)
    delay = base_s
    while True:
        started = time.monotonic()
        entry.running, entry.finished = True, False
        try:
            await loop()
        except asyncio.CancelledError:
            entry.running, entry.finished = False, True
            raise
        except Exception as exc:
            entry.running = False
            entry.restarts += 1
            entry.last_error = f"{type(exc).__name__}: {exc}"[:300]
            entry.last_error_at = time.time()
            if time.monotonic() - started > STABLE_AFTER_S:
                delay = base_s
            wait = delay / 2 + random.uniform(0, delay / 2)
            log.exception("background task %s crashed; restarting in %.1fs", name, wait)
            await asyncio.sleep(wait)
            delay = min(delay * 2, max_s)
            continue
        entry.running, entry.finished = False, True
        return
