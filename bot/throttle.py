"""Per-account flood protection for incoming messages.

An account that sends more than ``limit`` messages within ``window_s`` seconds is throttled:
its messages are dropped until it slows down, and the first dropped one of each spell earns
one notice. A script or a stuck client then costs one dictionary lookup per message, no
database work and no replies that would eat into Telegram's limits.

Messages are counted by the time they were sent (the caller's clock; the bot uses the date
Telegram gives each message), so how long they waited to be handled changes nothing.

Every message counts, dropped ones too: an account that keeps flooding stays throttled (one
spell, one notice) instead of getting a few messages through at each turn of the window. The
spell ends with the first message that is within the rate again.

The state lives in this process's memory: this is ephemeral abuse protection, per instance.
A restart forgets it, and with several instances each counts the updates it is given; both
are acceptable for what it is for. Memory stays bounded: at most ``limit`` times per account,
and an account is forgotten once its newest message has left the window (it could not be
throttled for anything it sent before).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["AccountThrottle", "Verdict", "account_tag"]


class Verdict(Enum):
    PASS = "pass"
    DROP = "drop"
    # Dropped, and the first of a spell: tell the account (once) and log it.
    NOTIFY = "notify"


@dataclass(slots=True)
class _Account:
    # When its last ``limit`` messages arrived, oldest first (dropped ones included).
    times: deque[float]
    throttled: bool = False
    # The album (media group) of its last message: the rest of an album counts as one.
    album: str | None = None


@dataclass(slots=True)
class AccountThrottle:
    """Counts each account's messages in a sliding window. Counters for metrics:
    ``throttled_total`` (spells begun) and ``dropped_total`` (messages dropped)."""

    limit: int
    window_s: float
    throttled_total: int = 0
    dropped_total: int = 0
    _accounts: dict[int, _Account] = field(default_factory=dict)
    _pruned_at: float = float("-inf")

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_s <= 0:
            raise ValueError("limit must be at least 1 and window_s positive")

    def check(self, account_id: int, now: float, *, album: str | None = None) -> Verdict:
        """A message from this account, sent at ``now`` (in seconds); ``album`` is its
        media group, if any: Telegram delivers the ten photos of one album as ten messages,
        which were sent as one."""
        self._prune(now)
        account = self._accounts.get(account_id)
        if account is None:
            account = self._accounts[account_id] = _Account(deque(maxlen=self.limit))
        if album is not None and album == account.album:
            if not account.throttled:
                return Verdict.PASS
            self.dropped_total += 1
            return Verdict.DROP
        account.album = album
        times = account.times
        # Over the rate if the message ``limit`` before this one is still inside the window.
        over = len(times) == self.limit and times[0] > now - self.window_s
        times.append(now)
        if not over:
            account.throttled = False
            return Verdict.PASS
        self.dropped_total += 1
        if account.throttled:
            return Verdict.DROP
        account.throttled = True
        self.throttled_total += 1
        return Verdict.NOTIFY

    def __len__(self) -> int:
        """Accounts tracked right now."""
        return len(self._accounts)

    def _prune(self, now: float) -> None:
        # At most once a window, so the cost per message stays constant.
        if now - self._pruned_at < self.window_s:
            return
        self._pruned_at = now
        horizon = now - self.window_s
        self._accounts = {i: a for i, a in self._accounts.items() if a.times[-1] > horizon}


def account_tag(user_id: int, key: str) -> str:
    """A stable pseudonym for a Telegram user id in logs: a keyed hash (HMAC-SHA256), so
    it cannot be reversed by hashing every possible id, as a plain hash could."""
    digest = hmac.new(key.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return digest[:12]
