"""The delivery worker: drains ``deliveries`` to Telegram, paced, concurrent and durable.

Four loops cooperate, none holding a transaction while Telegram answers, each supervised
(``bot.supervision``: a crash is logged and the loop restarts):

- the claimer keeps a fraction of a second of work claimed (status ``sending`` under a
  lease), so a row more urgent than the local backlog, committed by another process, is
  claimed within about a quarter of a second. Rows that must no longer go (their advisory
  was cancelled or expired, their recipient left or was suspended) are ended instead;
- the keeper checks the rows held in memory against the database a few times a second
  (still ours? advisory still live? recipient still active?) and renews their leases, so a
  row outlives a long 429 pause or an outage in memory without being claimed twice;
- the dispatcher waits for the shared :class:`SendLimiter`'s next slot and gives it to the
  most urgent held row that was checked recently and whose chat may receive now, in a send
  task of its own (a row whose chat is still inside its 1 s interval waits aside, or goes
  back to the queue with a later ``not_before``). Choosing at the slot, not before, lets an
  urgent row claimed a moment ago take the very next slot;
- the flusher writes results in batches (one transaction per ~100 ms).

Each row is in memory at most once (``_held``, keyed by id); the heaps hold (priority, id,
generation) keys, never rows, so they never compare two rows. When Telegram stops answering
(5xx, time-outs, refused connections) the dispatcher pauses and a probe asks ``getMe`` with
a growing interval until Telegram answers again; failed rows wait in the queue with an
exponential backoff until their advisory expires or they reach the maximum age.

A crash loses nothing: claimed rows become due again once their lease has expired, and only
messages in flight at the crash can be sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import telegram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode

from bot.supervision import Health, supervise
from bot.telegram_request import NO_LINK_PREVIEW, call_raw

from .errors import classify
from .limiter import SendLimiter
from .store import Job, Outcome, Result, check, claim, open_count, record, renew

__all__ = ["AfterCancel", "DeliveryWorker", "OnSent"]

logger = logging.getLogger(__name__)

OnSent = Callable[[int, int], Awaitable[None]]
# Called with cancelled advisories whose copies were just settled (sent, or maybe sent).
AfterCancel = Callable[[set[int]], Awaitable[None]]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def reply_markup_from_json(data: dict[str, Any] | None) -> ReplyMarkup | None:
    """The stored JSON markup as PTB's object (PTB's types are what send_message documents)."""
    if data is None:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, None)
    if data.get("force_reply"):
        return ForceReply.de_json(data, None)
    raise ValueError(f"unknown reply_markup keys: {sorted(data)}")


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s crashed", task.get_name(), exc_info=task.exception())


async def _wait(event: asyncio.Event, timeout: float | None) -> None:  # noqa: ASYNC109
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


class DeliveryWorker:
    FLUSH_INTERVAL_S = 0.1
    FLUSH_MAX = 200
    # One claim holds this much sending at the limiter's rate: the local backlog an urgent
    # row from another process may have to wait behind (the low-water mark is half of it).
    CLAIM_SPAN_S = 0.5
    # Upper bound of one claim (when the rate is uncapped, the span would be huge).
    MAX_CLAIM = 500
    # A row whose chat is busy waits locally only this long; later, it goes back to the queue.
    DEFER_HORIZON_S = 2.0
    # Never start a send with less than this left on the lease (a request takes time).
    LEASE_MARGIN_S = 5.0
    DB_RETRY_S = 1.0
    # A held row is sent only if the database said this recently that it may still go, and
    # after the last wake-up (a cancel in this process wakes the worker once committed).
    CHECK_MAX_AGE_S = 0.5
    CHECK_EVERY_S = 0.2
    _HANDED_BACK_PRUNE_AT = 10_000
    # While Telegram does not answer: the first probe at once, then at most this far apart.
    PROBE_MAX_S = 5.0

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: telegram.Bot,
        limiter: SendLimiter,
        *,
        worker_id: str | None = None,
        max_in_flight: int = 64,
        lease_seconds: float = 30.0,
        max_age_s: float = 6 * 3600.0,
        idle_poll_s: float = 0.5,
        claim_batch: int | None = None,
        on_sent: OnSent | None = None,
        after_cancel: AfterCancel | None = None,
        retry_base_s: float = 1.0,
        health: Health | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bot = bot
        self.limiter = limiter
        # Room for the claim counter in claimed_by (64 characters).
        self.worker_id = (worker_id or _default_worker_id())[:52]
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        self.max_age = timedelta(seconds=max_age_s)
        self.idle_poll_s = idle_poll_s
        self.on_sent = on_sent
        self.after_cancel = after_cancel
        self.retry_base_s = retry_base_s
        self.health = health or Health()
        self.claim_batch = claim_batch or max(
            8, min(self.MAX_CLAIM, math.ceil(limiter.rate_per_s * self.CLAIM_SPAN_S))
        )
        self._low_water = max(1, self.claim_batch // 2)
        self._lease_margin = min(self.LEASE_MARGIN_S, lease_seconds / 3)
        self._chat_interval = limiter.chat_interval_s

        # Every claimed row in memory, once: ready, deferred or being sent.
        self._held: dict[int, Job] = {}
        # Keys into _held: ready ones by (priority, id), those waiting for their chat by time.
        # An entry whose generation is not its row's current one is stale and skipped.
        self._ready: list[tuple[int, int, int]] = []
        # Rows waiting for their chat's interval, per chat in queue order (so that messages
        # to one chat never overtake each other), and when each chat may be tried next.
        self._chat_queues: dict[int, list[tuple[int, int, int]]] = {}
        self._deferred: list[tuple[float, int]] = []  # (loop time, chat id)
        # Chats whose waiting rows went back to the database, until when they are due there.
        self._handed_back: dict[int, float] = {}
        self._sending: dict[asyncio.Task[None], Job] = {}
        self._results: list[Result] = []
        self._generations = itertools.count(1)
        self._claims = itertools.count(1)

        self._dispatch_kick = asyncio.Event()
        self._claim_kick = asyncio.Event()
        self._flush_kick = asyncio.Event()
        self._check_kick = asyncio.Event()
        self._queue_exhausted = False  # the last claim found less than a batch
        self._woken = False
        # Rows checked before this loop.time() must be checked again before they go.
        self._recheck_since = -math.inf
        self._stopping = False
        self._flushing = True
        self._outage_since: float | None = None
        self._probe: asyncio.Task[None] | None = None
        self._loops: dict[str, asyncio.Task[None]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._loops:
            raise RuntimeError("worker already started")
        self._stopping = False
        self._flushing = True
        loops: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
            "claim": self._claim_loop,
            "dispatch": self._dispatch_loop,
            "keep": self._keep_loop,
            "flush": self._flush_loop,
        }
        for name, loop in loops.items():
            task_name = f"delivery-{name}"
            self._loops[name] = asyncio.create_task(
                supervise(task_name, loop, self.health), name=f"{task_name}-{self.worker_id}"
            )

    async def stop(self) -> None:
        """Finish sends already under way, give unsent claimed rows back, record, return."""
        if not self._loops:
            return
        self._stopping = True
        for event in (self._claim_kick, self._dispatch_kick, self._check_kick):
            event.set()
        await self._cancel_probe()
        # The claimer finishes its claim (if any) so those rows can be given back too.
        await asyncio.gather(
            self._loops["claim"],
            self._loops["dispatch"],
            self._loops["keep"],
            return_exceptions=True,
        )
        # Sends under way finish; claimed rows not yet sent go back to the queue.
        await asyncio.gather(*self._sending, return_exceptions=True)
        self._release_local()
        # Not cancelled: a flush cut short would leave its rows to the lease.
        self._flushing = False
        self._flush_kick.set()
        await asyncio.gather(self._loops["flush"], return_exceptions=True)
        await self._flush_all()
        self._loops = {}

    async def kill(self) -> None:
        """Drop everything at once, writing nothing: what a crash leaves (tests, benchmarks)."""
        tasks = [*self._loops.values(), *self._sending]
        if self._probe is not None:
            tasks.append(self._probe)
        self._stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops = {}

    def wake(self) -> None:
        """Rows were committed (new ones, or a cancellation): claim now rather than at the
        next idle poll, and check held rows again before any of them goes."""
        self._woken = True
        self._queue_exhausted = False
        self._claim_kick.set()
        with contextlib.suppress(RuntimeError):  # no running loop: nothing is held yet
            self._recheck_since = asyncio.get_running_loop().time()
        self._check_kick.set()

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 (public API)
        """Wait until no row is queued or sending; TimeoutError at the deadline."""
        async with asyncio.timeout(timeout):
            # Polled: rows may be finished by other workers, whose progress we do not see.
            while True:
                if not await open_count(self.sessionmaker):
                    return
                await asyncio.sleep(0.05)

    @property
    def held(self) -> int:
        """Rows in memory (tests and metrics)."""
        return len(self._held)

    @property
    def in_outage(self) -> bool:
        return self._outage_since is not None

    # ------------------------------------------------------------------ claiming

    def _backlog(self) -> int:
        return len(self._held) - len(self._sending)

    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._claim_kick.clear()
            woken, self._woken = self._woken, False
            backlog = self._backlog()
            # A wake-up claims even above the low-water mark (an urgent row may have come),
            # but within bounds so repeated wake-ups cannot pile up rows in memory.
            wanted = backlog <= self._low_water or (woken and backlog < 3 * self.claim_batch)
            if wanted and not self.in_outage and await self._claim_once() == self.claim_batch:
                continue  # probably more due
            await _wait(self._claim_kick, self.idle_poll_s)
            if not self._claim_kick.is_set():
                self._queue_exhausted = False  # idle poll: look again

    async def _claim_once(self) -> int:
        now = asyncio.get_running_loop().time()
        try:
            jobs = await claim(
                self.sessionmaker,
                claim_token=f"{self.worker_id}#{next(self._claims):x}",
                limit=self.claim_batch,
                lease_seconds=self.lease_seconds,
                now=_utcnow(),
                lease_deadline=now + self.lease_seconds,
                checked_at=now,
                max_age=self.max_age,
            )
        except Exception:
            logger.exception("claiming deliveries failed; retrying in %ss", self.DB_RETRY_S)
            await asyncio.sleep(self.DB_RETRY_S)
            return 0
        sending = {job.id for job in self._sending.values()}
        for job in jobs:
            if job.id in self._held:
                # Only if our lease ran out unseen (a stalled loop). The new claim is the
                # row's now; a send of the old one under way finishes and records its fact.
                logger.warning("delivery %s claimed again while held; kept once", job.id)
                if job.id in sending:
                    continue
                self._drop(self._held[job.id])
            self._held[job.id] = job
            self._push_ready(job)
        self._queue_exhausted = len(jobs) < self.claim_batch
        if jobs:
            self._dispatch_kick.set()
        return len(jobs)

    # ------------------------------------------------------------------ keeping

    async def _keep_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_renewal = loop.time() + self.lease_seconds / 3
        while not self._stopping:
            self._check_kick.clear()
            if self._held:
                try:
                    await self._check_held()
                    if loop.time() >= next_renewal:
                        await self._renew_held()
                        next_renewal = loop.time() + self.lease_seconds / 3
                except Exception:
                    logger.exception("checking held deliveries failed; retrying")
                    await _wait(self._check_kick, self.DB_RETRY_S)
                    continue
            else:
                next_renewal = loop.time() + self.lease_seconds / 3
            self._give_back_lapsing(loop.time())
            await _wait(self._check_kick, self.CHECK_EVERY_S if self._held else self.idle_poll_s)

    def _waiting(self) -> dict[int, Job]:
        """Held rows not being sent."""
        sending = {job.id for job in self._sending.values()}
        return {i: job for i, job in self._held.items() if i not in sending}

    async def _check_held(self) -> None:
        waiting = self._waiting()
        if not waiting:
            return
        started = asyncio.get_running_loop().time()
        standings = await check(
            self.sessionmaker,
            {i: job.claim_token for i, job in waiting.items()},
            now=_utcnow(),
            max_age=self.max_age,
        )
        for job_id, job in waiting.items():
            if self._held.get(job_id) is not job:
                continue  # sent or dropped while we asked
            standing = standings.get(job_id)
            if standing is None or not standing.ours:
                self._drop(job)  # someone else's now (or gone): not ours to write
            elif standing.void is not None:
                self._drop(job)
                outcome = Outcome.FAILED if standing.expired else Outcome.CANCELLED
                self._add_result(self._result(job, outcome, error=standing.void))
            else:
                job.checked_at = started
                job.give_up_at = standing.give_up_at
        self._dispatch_kick.set()

    async def _renew_held(self) -> None:
        held = dict(self._held)
        if not held:
            return
        started = asyncio.get_running_loop().time()
        renewed = await renew(
            self.sessionmaker,
            {i: job.claim_token for i, job in held.items()},
            now=_utcnow(),
            lease_seconds=self.lease_seconds,
        )
        sending = {job.id for job in self._sending.values()}
        for job_id, job in held.items():
            if job_id in renewed:
                job.lease_deadline = started + self.lease_seconds
            elif job_id not in sending and self._held.get(job_id) is job:
                self._drop(job)  # reclaimed by someone else: forget it, write nothing

    def _give_back_lapsing(self, now: float) -> None:
        """Rows whose lease could not be renewed go back before anyone may reclaim them."""
        for job in list(self._waiting().values()):
            if now > job.lease_deadline - self._lease_margin:
                self._drop(job)
                self._give_back(job)

    def _drop(self, job: Job) -> None:
        """Forget a held row; its queue entries become stale."""
        if self._held.get(job.id) is job:
            del self._held[job.id]
        job.generation = 0

    # ------------------------------------------------------------------ dispatching

    async def _dispatch_loop(self) -> None:
        self._requeue_held()  # after a restart, held rows may sit in no queue
        while not self._stopping:
            self._dispatch_kick.clear()
            timeout: float | None = self.idle_poll_s
            if not self.in_outage and len(self._sending) < self.max_in_flight:
                job, timeout = self._next_job()
                if job is not None:
                    if self.limiter.try_acquire_bulk(job.chat_id, paid=job.paid):
                        self._launch(job)
                        continue
                    # No slot yet: the row goes back and the choice is made again at the slot.
                    self._push_ready(job)
                    timeout = self._until_slot(job.paid)
            await _wait(self._dispatch_kick, timeout)

    def _requeue_held(self) -> None:
        sending = {job.id for job in self._sending.values()}
        self._ready.clear()
        self._deferred.clear()
        self._chat_queues.clear()
        for job in self._held.values():
            if job.id not in sending:
                self._push_ready(job)

    def _push_ready(self, job: Job) -> None:
        job.generation = next(self._generations)
        heapq.heappush(self._ready, (job.priority, job.id, job.generation))

    def _current(self, job_id: int, generation: int) -> Job | None:
        job = self._held.get(job_id)
        return job if job is not None and job.generation == generation else None

    def _until_slot(self, paid: bool) -> float:
        wait = self.limiter.next_bulk_at(paid=paid) - asyncio.get_running_loop().time()
        # At least a millisecond: a slot held up by an interactive sender is not spun on.
        return max(wait, 0.001)

    def _next_job(self) -> tuple[Job | None, float | None]:
        """The most urgent row whose chat may receive now, or how long until one may."""
        now = asyncio.get_running_loop().time()
        self._promote_deferred(now)
        job, wait = self._pop_ready(now)
        if self._backlog() <= self._low_water and not self._queue_exhausted:
            self._claim_kick.set()
        if job is not None:
            return job, None
        if wait is not None:
            return None, wait
        if self._deferred:
            return None, self._deferred[0][0] - now
        return None, self.idle_poll_s  # new claims and finished sends kick earlier

    def _pop_ready(self, now: float) -> tuple[Job | None, float | None]:
        fresh_after = max(now - self.CHECK_MAX_AGE_S, self._recheck_since)
        while self._ready:
            _, job_id, generation = self._ready[0]
            job = self._current(job_id, generation)
            if job is None:
                heapq.heappop(self._ready)  # stale entry
                continue
            if job.checked_at < fresh_after:
                # Not checked since a cancellation may have committed: wait for the keeper
                # (every held row is checked together, so the rest would wait too).
                self._check_kick.set()
                return None, self.CHECK_EVERY_S
            heapq.heappop(self._ready)
            free_at = self.limiter.chat_ready_at(job.chat_id)
            handed_back = self._handed_back.get(job.chat_id, 0.0)
            if now > job.lease_deadline - self._lease_margin:
                self._drop(job)
                self._give_back(job)
            elif handed_back > now:
                # Earlier rows of this chat went back to the queue: this one follows them.
                self._drop(job)
                self._give_back(job, not_before_s=handed_back - now)
            elif free_at > now:
                self._defer(job, free_at, now)
            else:
                return job, None
        return None, None

    def _defer(self, job: Job, free_at: float, now: float) -> None:
        """Wait aside for the chat, in the chat's own queue order: the row goes out when its
        turn in that chat comes. A chat backed up beyond the horizon (or the lease) gives all
        its waiting rows back to the database, which hands them out again in order."""
        queue = self._chat_queues.setdefault(job.chat_id, [])
        at = free_at + len(queue) * self._chat_interval
        if at - now > self.DEFER_HORIZON_S or at > job.lease_deadline - self._lease_margin:
            del self._chat_queues[job.chat_id]
            waiting = [self._current(i, g) for _, i, g in queue]
            for row in [job, *(w for w in waiting if w is not None)]:
                self._drop(row)
                self._give_back(row, not_before_s=at - now)
            # Rows of this chat claimed meanwhile follow them, rather than overtake them.
            if len(self._handed_back) >= self._HANDED_BACK_PRUNE_AT:
                self._handed_back = {c: t for c, t in self._handed_back.items() if t > now}
            self._handed_back[job.chat_id] = at
            return
        job.generation = next(self._generations)
        heapq.heappush(queue, (job.priority, job.id, job.generation))
        if queue[0][1] == job.id:  # the chat's next row: try the chat when it is free
            heapq.heappush(self._deferred, (free_at, job.chat_id))

    def _promote_deferred(self, now: float) -> None:
        """Each chat whose time has come hands its next row to the ready queue; the rest of
        its rows are tried an interval later (or go back to waiting, if still too early)."""
        while self._deferred and self._deferred[0][0] <= now:
            _, chat_id = heapq.heappop(self._deferred)
            queue = self._chat_queues.get(chat_id)
            job = None
            while queue and job is None:
                _, job_id, generation = heapq.heappop(queue)
                job = self._current(job_id, generation)
            if queue:
                heapq.heappush(self._deferred, (now + self._chat_interval, chat_id))
            else:
                self._chat_queues.pop(chat_id, None)
            if job is not None:
                self._push_ready(job)

    def _result(self, job: Job, outcome: Outcome, **values: Any) -> Result:
        return Result(
            job.id,
            outcome,
            claim_token=job.claim_token,
            advisory_id=job.advisory_id,
            kind=job.kind,
            maybe_delivered=values.pop("maybe_delivered", False) or job.maybe_delivered,
            **values,
        )

    def _give_back(self, job: Job, *, not_before_s: float = 0.0) -> None:
        """Return an unsent row to the queue (its attempt does not count)."""
        not_before = _utcnow() + timedelta(seconds=max(not_before_s, 0.0))
        self._add_result(self._result(job, Outcome.REQUEUE, not_before=not_before))

    def _release_local(self) -> None:
        for job in list(self._waiting().values()):
            self._drop(job)
            self._give_back(job)
        self._ready.clear()
        self._deferred.clear()
        self._chat_queues.clear()

    def _launch(self, job: Job) -> None:
        task = asyncio.create_task(self._send(job))
        self._sending[task] = job
        # For a task cancelled before it ran (kill()); _send frees its own place otherwise.
        task.add_done_callback(lambda done: self._sending.pop(done, None))

    # ------------------------------------------------------------------ sending

    async def _send(self, job: Job) -> None:
        """One send, its slot already taken (cancelled only by kill(), which writes nothing)."""
        try:
            delay = self.limiter.departure_delay(paid=job.paid)
            if delay:
                await asyncio.sleep(delay)
            self._add_result(await self._deliver(job))
        finally:
            # Free the place before the kick: a done callback runs after the dispatcher has
            # woken, which would then see every place taken and sleep a whole idle poll.
            self._sending.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
            self._drop(job)
            self._dispatch_kick.set()

    async def _deliver(self, job: Job) -> Result:
        try:
            if job.media_kind is None:
                message_id = await self._send_text(job)
            else:
                message_id = (await self._send_media(job, self._common(job))).message_id
        except Exception as exc:  # classified by class and code in errors.classify
            return self._failure(job, exc)
        return self._result(job, Outcome.SENT, message_id=message_id)

    @staticmethod
    def _common(job: Job) -> dict[str, Any]:
        """The arguments PTB's send_* methods share, for media (text goes raw)."""
        return {
            "chat_id": job.chat_id,
            "reply_markup": reply_markup_from_json(job.reply_markup),
            "protect_content": job.protect_content or None,
            "reply_to_message_id": job.reply_to_message_id,
            # A notification still matters if the message it answers was deleted.
            "allow_sending_without_reply": True if job.reply_to_message_id else None,
            "allow_paid_broadcast": True if job.paid else None,
        }

    async def _send_text(self, job: Job) -> int:
        """A text message as a raw Bot API call, the row's JSON as it is stored: PTB's
        send_message would turn the stored keyboard into objects and back into JSON, and
        parse the whole Message Telegram returns, for the one id recorded here (a third of
        the worker's CPU per message, measured). Errors come back as PTB's classes all the
        same, which is what errors.classify reads."""
        params: dict[str, Any] = {
            "chat_id": job.chat_id,
            "text": job.text,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": NO_LINK_PREVIEW,
        }
        if job.reply_markup is not None:
            params["reply_markup"] = job.reply_markup
        if job.protect_content:
            params["protect_content"] = True
        if job.reply_to_message_id:
            # A notification still matters if the message it answers was deleted.
            params["reply_parameters"] = {
                "message_id": job.reply_to_message_id,
                "allow_sending_without_reply": True,
            }
        if job.paid:
            params["allow_paid_broadcast"] = True
        sent = await call_raw(self.bot, "sendMessage", params)
        return int(sent["message_id"])

    async def _send_media(self, job: Job, common: dict[str, Any]) -> telegram.Message:
        """A file a user sent us, passed on by its Telegram file_id (nothing is downloaded or
        uploaded: the row stays small and a retry costs one request), or a location."""
        if job.media_kind == "location":
            latitude, longitude = (float(v) for v in (job.media_ref or "").split(","))
            return await self.bot.send_location(latitude=latitude, longitude=longitude, **common)
        caption: dict[str, Any] = (
            {"caption": job.text, "parse_mode": ParseMode.HTML} if job.text else {}
        )
        ref = job.media_ref or ""
        if job.media_kind == "photo":
            return await self.bot.send_photo(photo=ref, **caption, **common)
        if job.media_kind == "video":
            return await self.bot.send_video(video=ref, **caption, **common)
        if job.media_kind == "document":
            return await self.bot.send_document(document=ref, **caption, **common)
        raise ValueError(f"unknown media kind {job.media_kind!r}")

    def _failure(self, job: Job, exc: Exception) -> Result:
        verdict = classify(
            exc,
            attempts=job.attempts,
            retry_base_s=self.retry_base_s,
            maybe_delivered_before=job.maybe_delivered,
        )
        if verdict.pause_s:
            self.limiter.pause_for(verdict.pause_s)
        if verdict.server_side:
            self._outage_suspected()
        outcome, error = verdict.outcome, self._describe(exc)
        retry_at = _utcnow() + timedelta(seconds=verdict.delay_s)
        if outcome is Outcome.RETRY and job.give_up_at and retry_at >= job.give_up_at:
            # Retrying stops at the advisory's expiry or the queue's maximum age.
            outcome, error = Outcome.FAILED, f"gave up (expired or too old): {error}"
        level = logging.INFO if outcome is Outcome.UNREACHABLE else logging.WARNING
        logger.log(
            level,
            "delivery %s to chat %s (attempt %s): %s -> %s",
            job.id,
            job.chat_id,
            job.attempts,
            error,
            outcome,
            exc_info=not isinstance(exc, telegram.error.TelegramError),
        )
        return self._result(
            job,
            outcome,
            error=error,
            not_before=_utcnow() + timedelta(seconds=verdict.delay_s),
            member_id=job.member_id,
            chat_id=job.chat_id,
            new_chat_id=verdict.new_chat_id,
            maybe_delivered=verdict.maybe_delivered,
        )

    # ------------------------------------------------------------------ outages

    def _outage_suspected(self) -> None:
        """Telegram failed a send on its side: stop sending and probe until it answers."""
        if self._outage_since is not None or self._stopping:
            return
        self._outage_since = asyncio.get_running_loop().time()
        logger.warning("the Bot API is failing sends; delivery paused while probing it")
        self._probe = asyncio.create_task(self._probe_until_answered(), name="delivery-probe")
        self._probe.add_done_callback(_log_crash)

    async def _probe_until_answered(self) -> None:
        delay = 0.0
        try:
            while not self._stopping:
                if delay:
                    await asyncio.sleep(delay)
                try:
                    await self.bot.get_me()
                    break
                except Exception as exc:  # any failure: Telegram is not back yet
                    logger.info("Bot API probe failed (%s); next in %.1fs", exc, delay)
                delay = min(max(delay * 2, 0.5), self.PROBE_MAX_S)
        finally:
            since, self._outage_since = self._outage_since, None
            if since is not None:
                elapsed = asyncio.get_running_loop().time() - since
                logger.warning("the Bot API answers again; delivery resumed after %.1fs", elapsed)
            self._dispatch_kick.set()
            self._claim_kick.set()

    async def _cancel_probe(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
            self._probe = None

    def _describe(self, exc: BaseException) -> str:
        # Exception texts may quote a URL, and the URL holds the token.
        text = f"{type(exc).__name__}: {exc}"
        return text.replace(self.bot.token, "<token>")

    # ------------------------------------------------------------------ recording

    def _add_result(self, result: Result) -> None:
        self._results.append(result)
        if len(self._results) >= self.FLUSH_MAX:
            self._flush_kick.set()

    async def _flush_loop(self) -> None:
        while self._flushing:
            await _wait(self._flush_kick, self.FLUSH_INTERVAL_S)
            self._flush_kick.clear()
            if not await self._flush():
                await asyncio.sleep(self.DB_RETRY_S)

    async def _flush(self) -> bool:
        """Write the results gathered so far; on a database error keep them for next time."""
        if not self._results:
            return True
        batch, self._results = self._results, []
        try:
            recorded = await record(self.sessionmaker, batch, now=_utcnow())
        except Exception:
            logger.exception("recording %d delivery results failed; will retry", len(batch))
            self._results[:0] = batch
            return False
        await self._notify_sent(batch)
        if recorded.cancelled_advisories and self.after_cancel is not None:
            try:
                await self.after_cancel(recorded.cancelled_advisories)
            except Exception:
                # The leader's periodic pass queues the notices that this one missed.
                logger.exception("cancellation notices failed: %s", recorded.cancelled_advisories)
        return True

    async def _flush_all(self, attempts: int = 3) -> None:
        for _ in range(attempts):
            if await self._flush():
                return
            await asyncio.sleep(self.DB_RETRY_S)
        logger.error("%d delivery results could not be recorded", len(self._results))

    async def _notify_sent(self, batch: list[Result]) -> None:
        if self.on_sent is None:
            return
        for result in batch:
            if result.outcome is Outcome.SENT and result.message_id is not None:
                try:
                    await self.on_sent(result.delivery_id, result.message_id)
                except Exception:
                    logger.exception("on_sent failed for delivery %s", result.delivery_id)
