"""What a failed send means for its row, decided by exception class first, text second.

In python-telegram-bot ``BadRequest`` and ``TimedOut`` both subclass ``NetworkError``, so a
blanket ``except NetworkError`` would retry a message Telegram will never accept; the order
of the checks below matters.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from .store import Outcome

__all__ = ["Verdict", "backoff_seconds", "classify", "retry_after_seconds"]

# Telegram's description for a chat that does not exist (or the bot never had).
_CHAT_NOT_FOUND = "chat not found"
# Cap of one retry wait, so a long outage does not push rows hours out.
MAX_BACKOFF_S = 300.0


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    delay_s: float = 0.0  # for RETRY / REQUEUE
    pause_s: float = 0.0  # for a 429: how long every send must wait
    new_chat_id: int | None = None


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives an int (deprecated) or, with PTB_TIMEDELTA, a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form warns on every access
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def backoff_seconds(attempts: int, base_s: float) -> float:
    """Exponential in the attempts made so far, with jitter so retries do not re-align."""
    ceiling = min(MAX_BACKOFF_S, base_s * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def classify(
    exc: BaseException, *, attempts: int, max_attempts: int, retry_base_s: float
) -> Verdict:
    """The row's next state after ``exc`` ended its ``attempts``-th attempt."""
    if isinstance(exc, RetryAfter):
        wait = retry_after_seconds(exc)
        # Not the message's fault: the attempt is given back.
        return Verdict(Outcome.REQUEUE, delay_s=wait, pause_s=wait)
    if isinstance(exc, ChatMigrated):
        return Verdict(Outcome.MIGRATED, new_chat_id=int(exc.new_chat_id))
    if isinstance(exc, Forbidden):  # blocked, deactivated, kicked
        return Verdict(Outcome.UNREACHABLE)
    if isinstance(exc, BadRequest):
        if _CHAT_NOT_FOUND in exc.message.lower():
            return Verdict(Outcome.UNREACHABLE)
        # The message itself is wrong (entities, length, markup): resending cannot help.
        return Verdict(Outcome.FAILED)
    # TimedOut, 5xx and connection errors (every NetworkError left), and InvalidToken or
    # Conflict, which a configuration fix or the other instance going away can cure.
    if isinstance(exc, NetworkError | InvalidToken | Conflict):
        if attempts >= max_attempts:
            return Verdict(Outcome.FAILED)
        return Verdict(Outcome.RETRY, delay_s=backoff_seconds(attempts, retry_base_s))
    return Verdict(Outcome.FAILED)
