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
    TimedOut,
)

from .store import Outcome

__all__ = ["Verdict", "backoff_seconds", "classify", "retry_after_seconds", "was_not_sent"]

# Telegram's description for a chat that does not exist (or the bot never had).
_CHAT_NOT_FOUND = "chat not found"
# Cap of one retry wait, so a long outage does not push rows hours out.
MAX_BACKOFF_S = 300.0
# Both PTB's httpx transport and ours say this of a request that never left.
_NOT_SENT = "was *not* sent"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    delay_s: float = 0.0  # for RETRY / REQUEUE
    pause_s: float = 0.0  # for a 429: how long every send must wait
    new_chat_id: int | None = None
    # The request reached Telegram and no answer came: the message may have arrived.
    maybe_delivered: bool = False
    # Telegram (or the way to it) failed, not this message: sending should pause and probe.
    server_side: bool = False


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


def was_not_sent(exc: TimedOut) -> bool:
    """A pool or connect time-out: the request never left (PTB's and our transport's text)."""
    return _NOT_SENT in exc.message


def classify(
    exc: BaseException,
    *,
    attempts: int,
    retry_base_s: float,
    maybe_delivered_before: bool = False,
) -> Verdict:
    """The row's next state after ``exc`` ended its ``attempts``-th attempt.

    Server-side trouble (5xx, time-outs, refused connections) is retried for as long as the
    row may still go (its advisory's expiry or the queue's maximum age, applied by the
    worker), not a fixed number of times. A send that timed out after it reached Telegram
    may have arrived: it is retried once at most, so nobody gets more than two copies."""
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
    delay = backoff_seconds(attempts, retry_base_s)
    if isinstance(exc, TimedOut) and not was_not_sent(exc):
        if maybe_delivered_before:
            # Twice without an answer: a third copy is worse than not knowing.
            return Verdict(Outcome.FAILED, maybe_delivered=True, server_side=True)
        return Verdict(Outcome.RETRY, delay_s=delay, maybe_delivered=True, server_side=True)
    # 5xx and connection errors (every NetworkError left), and InvalidToken or Conflict,
    # which a configuration fix or the other instance going away can cure.
    if isinstance(exc, NetworkError | InvalidToken | Conflict):
        return Verdict(Outcome.RETRY, delay_s=delay, server_side=isinstance(exc, NetworkError))
    return Verdict(Outcome.FAILED)
