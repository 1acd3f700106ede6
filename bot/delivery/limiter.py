"""In-process send pacing under Telegram's flood limits.

Telegram counts messages in strict rolling windows (about 30 per second overall, 1 per second
per chat) and answers 429 to the message that overflows one; a bot that keeps provoking 429s
gets restricted. So the limiter spaces sends evenly instead of bursting up to the cap: a
generic cell rate algorithm (GCRA) per traffic class, a little below the nominal rate, because
the server sees our sends after network jitter, which can only squeeze them closer together.

Three classes share the pacing:

- interactive replies (a user's own action) wait for their chat's interval like everything
  else, then go ahead of bulk senders. While bulk traffic is recent they are held to
  ``interactive_share`` of the rate, so however many people write to the bot, the queue
  keeps the rest; when the queue is idle they may use the whole rate;
- bulk sends (the delivery worker) leave ``interactive_share`` of the rate free while there
  has been interactive traffic recently, and take the full rate otherwise;
- paid broadcasts (``allow_paid_broadcast``) are paced at their own, much higher rate.

Replies and bulk sends also leave at least one interval apart (see ``departure_delay``),
whichever class they belong to: they share Telegram's window. A 429 pauses every class until
its ``retry_after`` has passed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["SendLimiter"]


class _Signal:
    """Wake every waiter on the next change (re-armed at each fire, so none is missed)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 (a wake-up deadline)
        event = self._event
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await event.wait()
        except TimeoutError:
            pass


@dataclass
class _ChatTurn:
    """Serialises the waiting senders of one chat, in arrival order; dropped once nobody
    waits on it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class SendLimiter:
    """In-process pacing shared by the worker and interactive replies."""

    # Fraction of the nominal rate left unused: Telegram's windows are strict and jitter
    # between us and the server compresses spacing, so pacing exactly at 30/s would still
    # overflow a window now and then.
    HEADROOM = 0.02
    # Added to the per-chat interval for the same reason.
    CHAT_MARGIN_S = 0.05
    # A send that would leave this little early leaves at once (see departure_delay).
    DEPARTURE_SLACK_S = 0.001
    # Interactive traffic counts as "recent" this long after the last reply.
    INTERACTIVE_WINDOW_S = 2.0
    # Bulk traffic counts as "recent" this long after a bulk sender last asked for a slot
    # (asked, not got: a queue that replies kept from sending still holds its share). A
    # worker with rows asks at every slot, so this need only bridge its short gaps.
    BULK_WINDOW_S = 1.0
    # Keep per-chat state bounded: forget chats whose interval has passed once this many.
    _CHAT_PRUNE_AT = 10_000

    def __init__(
        self,
        *,
        rate_per_s: float = 30.0,
        per_chat_interval_s: float = 1.0,
        interactive_share: float = 0.2,
        paid_rate_per_s: float = 1000.0,
    ) -> None:
        if rate_per_s <= 0 or paid_rate_per_s <= 0:
            raise ValueError("rates must be positive")
        if not 0.0 < interactive_share < 1.0:
            raise ValueError("interactive_share must be in (0, 1)")
        self.rate_per_s = rate_per_s
        self.paid_rate_per_s = paid_rate_per_s
        self.interactive_share = interactive_share
        self._interval = 1.0 / (rate_per_s * (1.0 - self.HEADROOM))
        # While both kinds of traffic are recent, each is held to its share of the rate.
        self._bulk_shared_interval = self._interval / (1.0 - interactive_share)
        self._reply_shared_interval = self._interval / interactive_share
        self._paid_interval = 1.0 / (paid_rate_per_s * (1.0 - self.HEADROOM))
        self._chat_interval = per_chat_interval_s + self.CHAT_MARGIN_S if per_chat_interval_s else 0
        # GCRA: the next time each class may send. A late wake-up may catch up by at most a
        # tenth of an interval, so loop latency does not erode the rate nor allow a burst.
        self._next_global = 0.0
        self._next_bulk = 0.0
        self._next_reply = 0.0
        self._next_paid = 0.0
        # When the last granted send (or paid one) actually leaves: see departure_delay().
        self._last_departure = -math.inf
        self._last_paid_departure = -math.inf
        self._paused_until = 0.0
        self._last_interactive = -math.inf
        self._last_bulk_demand = -math.inf
        # The chat of the reply at the head of the line, if any: bulk stands aside for it
        # once nothing but the next global slot holds it back.
        self._reply_head: int | None = None
        self._chat_ready: dict[int, float] = {}
        self._chat_turns: dict[int, _ChatTurn] = {}
        self._interactive_gate = asyncio.Lock()
        self._changed = _Signal()

    # ------------------------------------------------------------------ public API

    async def acquire_interactive(self, chat_id: int) -> None:
        """Wait for this chat's interval and any pause, then a slot ahead of every bulk
        sender, within the replies' share of the rate while the queue is sending. Returns
        when the reply may leave (its departure already counted: send at once)."""
        self._last_interactive = self._now()
        async with self._chat_turn(chat_id):
            while True:
                await self._wait_for_chat(chat_id)
                # Replies to other chats line up here, not behind this chat's interval.
                async with self._interactive_gate:
                    leave = await self._take_interactive(chat_id)
                if leave is not None:
                    break
        delay = leave - self._now()
        if delay > 0:
            await asyncio.sleep(delay)

    def try_acquire_bulk(self, chat_id: int, *, paid: bool = False) -> bool:
        """Take a bulk (or paid) slot only if one is free right now; never waits.

        For a dispatcher that chooses the row at the last moment: it asks when a slot falls
        free (:meth:`next_bulk_at`) and then gives it to the most urgent row at that time,
        instead of lining rows up in front of the limiter in a fixed order.
        """
        now = self._now()
        if not paid:
            self._last_bulk_demand = now
        if self.chat_ready_at(chat_id) > now or self._paused_until > now:
            return False
        if paid:
            if self._next_paid > now:
                return False
            self._grant_paid(now)
        else:
            # A reply due now always goes first.
            if self._reply_due(now) or self._bulk_at(now) > now:
                return False
            self._grant_bulk(now)
        self._mark_chat(chat_id, now)
        return True

    def next_bulk_at(self, *, paid: bool = False) -> float:
        """``loop.time()`` at which the next bulk (or paid) slot may be free."""
        now = self._now()
        at = max(self._next_paid, self._paused_until) if paid else self._bulk_at(now)
        if not paid and self._reply_due(now):
            at = max(at, now + self._interval)
        return at

    def departure_delay(self, *, paid: bool = False) -> float:
        """Seconds a send granted a slot should still wait before it leaves, and its
        departure noted. A stall between a grant and its send (the event loop busy, a
        connection being opened) would let the next, punctual send leave right behind it,
        and such squeezed pairs overflow Telegram's strict windows; so sends leave at least
        one interval apart, whenever their slots were granted (replies included: they take
        their departure in acquire_interactive). Under a millisecond is not worth an extra
        turn of the loop."""
        now = self._now()
        return self._depart(now, paid=paid) - now

    def pause_for(self, seconds: float) -> None:
        """After a 429: nothing is sent until ``seconds`` from now."""
        self._paused_until = max(self._paused_until, self._now() + max(seconds, 0.0))
        self._changed.fire()

    def chat_ready_at(self, chat_id: int) -> float:
        """``loop.time()`` at which this chat may get its next message."""
        return self._chat_ready.get(chat_id, 0.0)

    @property
    def chat_interval_s(self) -> float:
        """Spacing the limiter keeps between two messages to one chat."""
        return self._chat_interval

    @property
    def paused_until(self) -> float:
        return self._paused_until

    # ------------------------------------------------------------------ slots

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _advance(self, next_at: float, now: float, interval: float) -> float:
        return max(next_at, now - interval * 0.1) + interval

    def _advance_share(self, next_at: float, now: float, interval: float) -> float:
        """A share's schedule may also catch up the global slot the other class took when
        this one was due: otherwise every such turn would cost it that much of its share.
        (It cannot burst: every send still waits for its global slot.)"""
        return max(next_at, now - interval * 0.1 - self._interval) + interval

    def _interactive_recent(self, now: float) -> bool:
        return now - self._last_interactive < self.INTERACTIVE_WINDOW_S

    def _bulk_recent(self, now: float) -> bool:
        return now - self._last_bulk_demand < self.BULK_WINDOW_S

    def _bulk_at(self, now: float) -> float:
        at = max(self._next_global, self._paused_until)
        if self._interactive_recent(now):
            at = max(at, self._next_bulk)
        return at

    def _reply_at(self, now: float) -> float:
        """When the head reply may take a global slot, its chat aside."""
        at = max(self._next_global, self._paused_until)
        if self._bulk_recent(now):
            at = max(at, self._next_reply)
        return at

    def _reply_due(self, now: float) -> bool:
        """A reply waits for nothing but the next global slot (its chat free, its share
        not used up): bulk senders let it have that slot."""
        head = self._reply_head
        if head is None or self.chat_ready_at(head) > now:
            return False
        return not (self._bulk_recent(now) and self._next_reply > now)

    def _grant_bulk(self, now: float) -> None:
        self._next_global = self._advance(self._next_global, now, self._interval)
        # A share is accounted only while it applies: a fan-out alone runs ahead of its
        # share's schedule, and a reply arriving later would otherwise find the queue held
        # back for as long as it had run alone.
        if self._interactive_recent(now):
            self._next_bulk = self._advance_share(self._next_bulk, now, self._bulk_shared_interval)

    def _grant_reply(self, now: float) -> None:
        self._next_global = self._advance(self._next_global, now, self._interval)
        if self._bulk_recent(now):
            self._next_reply = self._advance_share(
                self._next_reply, now, self._reply_shared_interval
            )

    def _grant_paid(self, now: float) -> None:
        self._next_paid = self._advance(self._next_paid, now, self._paid_interval)

    def _depart(self, now: float, *, paid: bool = False) -> float:
        """The time a send granted now leaves: an interval after the previous one."""
        last = self._last_paid_departure if paid else self._last_departure
        interval = self._paid_interval if paid else self._interval
        leave = max(now, last + interval)
        if leave - now < self.DEPARTURE_SLACK_S:
            leave = now
        if paid:
            self._last_paid_departure = leave
        else:
            self._last_departure = leave
        return leave

    async def _take_interactive(self, chat_id: int) -> float | None:
        """At the head of the replies' line: a slot, and the time the reply leaves; None if
        a bulk send took the chat meanwhile (the reply then waits for it again, out of line)."""
        self._reply_head = chat_id
        try:
            while True:
                now = self._now()
                if self.chat_ready_at(chat_id) > now:
                    return None
                at = self._reply_at(now)
                if at <= now:
                    self._grant_reply(now)
                    self._last_interactive = now
                    leave = self._depart(now)
                    self._mark_chat(chat_id, leave)
                    return leave
                await self._changed.wait(at - now)
        finally:
            self._reply_head = None
            self._changed.fire()  # a bulk sender that stood aside may go now

    # ------------------------------------------------------------------ per chat

    @asynccontextmanager
    async def _chat_turn(self, chat_id: int) -> AsyncIterator[None]:
        turn = self._chat_turns.get(chat_id)
        if turn is None:
            turn = self._chat_turns[chat_id] = _ChatTurn()
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._chat_turns[chat_id]

    async def _wait_for_chat(self, chat_id: int) -> None:
        # A chat's time only moves later, so a plain sleep will do (waking on every change
        # would wake each waiting chat at every send); re-read after it, as another sender
        # may have pushed the time meanwhile.
        while (wait := self.chat_ready_at(chat_id) - self._now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    def _mark_chat(self, chat_id: int, at: float) -> None:
        """The chat got a message leaving at ``at``: the next waits an interval from then."""
        if not self._chat_interval:
            return
        if len(self._chat_ready) >= self._CHAT_PRUNE_AT:
            now = self._now()
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        self._chat_ready[chat_id] = max(
            self._chat_ready.get(chat_id, 0.0), at + self._chat_interval
        )
