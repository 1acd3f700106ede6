"""The delivery worker: drains ``deliveries`` to Telegram, paced, concurrent and durable.

Three tasks cooperate, none holding a transaction while Telegram answers:

- the claimer keeps a fraction of a second of work claimed (status ``sending`` under a
  lease), so a row more urgent than the local backlog, committed by another process, is
  claimed within about a quarter of a second;
- the dispatcher waits for the shared :class:`SendLimiter`'s next slot and gives it to the
  most urgent claimed row whose chat may receive now, in a send task of its own (a row whose
  chat is still inside its 1 s interval waits aside, or goes back to the queue with a later
  ``not_before``, so it never holds up others). Choosing at the slot, not before, lets an
  urgent row claimed a moment ago take the very next slot;
- the flusher writes results in batches (one transaction per ~100 ms).

A crash loses nothing: claimed rows become due again once their lease has expired, and only
messages in flight at the crash can be sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
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

from bot.telegram_request import NO_LINK_PREVIEW, call_raw

from .errors import classify
from .limiter import SendLimiter
from .store import Job, Outcome, Result, claim, open_count, record

__all__ = ["DeliveryWorker", "OnSent"]

logger = logging.getLogger(__name__)

OnSent = Callable[[int, int], Awaitable[None]]
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

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot: telegram.Bot,
        limiter: SendLimiter,
        *,
        worker_id: str | None = None,
        max_in_flight: int = 64,
        lease_seconds: float = 30.0,
        max_attempts: int = 5,
        idle_poll_s: float = 0.5,
        claim_batch: int | None = None,
        on_sent: OnSent | None = None,
        retry_base_s: float = 1.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bot = bot
        self.limiter = limiter
        self.worker_id = (worker_id or _default_worker_id())[:64]
        self.max_in_flight = max_in_flight
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.idle_poll_s = idle_poll_s
        self.on_sent = on_sent
        self.retry_base_s = retry_base_s
        self.claim_batch = claim_batch or max(
            8, min(self.MAX_CLAIM, math.ceil(limiter.rate_per_s * self.CLAIM_SPAN_S))
        )
        self._low_water = max(1, self.claim_batch // 2)
        self._lease_margin = min(self.LEASE_MARGIN_S, lease_seconds / 3)
        self._chat_interval = limiter.chat_interval_s

        # Claimed rows: ready ones by (priority, id); those waiting for their chat by time.
        self._ready: list[tuple[int, int, Job]] = []
        self._deferred: list[tuple[float, int, int, Job]] = []
        self._deferred_per_chat: Counter[int] = Counter()
        self._sending: dict[asyncio.Task[None], Job] = {}
        self._results: list[Result] = []

        self._dispatch_kick = asyncio.Event()
        self._claim_kick = asyncio.Event()
        self._flush_kick = asyncio.Event()
        self._queue_exhausted = False  # the last claim found less than a batch
        self._woken = False
        self._stopping = False
        self._flushing = True
        self._loops: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._loops:
            raise RuntimeError("worker already started")
        self._stopping = False
        self._flushing = True
        self._loops = [
            asyncio.create_task(self._claim_loop(), name=f"delivery-claim-{self.worker_id}"),
            asyncio.create_task(self._dispatch_loop(), name=f"delivery-send-{self.worker_id}"),
            asyncio.create_task(self._flush_loop(), name=f"delivery-flush-{self.worker_id}"),
        ]

    async def stop(self) -> None:
        """Finish sends already under way, give unsent claimed rows back, record, return."""
        if not self._loops:
            return
        claimer, dispatcher, flusher = self._loops
        self._stopping = True
        for event in (self._claim_kick, self._dispatch_kick, self._flush_kick):
            event.set()
        # The claimer finishes its claim (if any) so those rows can be given back too.
        await asyncio.gather(claimer, dispatcher, return_exceptions=True)
        # Sends under way finish; claimed rows not yet sent go back to the queue.
        await asyncio.gather(*self._sending, return_exceptions=True)
        self._release_local()
        # Not cancelled: a flush cut short would leave its rows to the lease.
        self._flushing = False
        self._flush_kick.set()
        await asyncio.gather(flusher, return_exceptions=True)
        await self._flush_all()
        self._loops = []

    async def kill(self) -> None:
        """Drop everything at once, writing nothing: what a crash leaves (tests, benchmarks)."""
        tasks = [*self._loops, *self._sending]
        self._stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops = []

    def wake(self) -> None:
        """New rows were committed: claim now rather than at the next idle poll."""
        self._woken = True
        self._queue_exhausted = False
        self._claim_kick.set()

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 (public API)
        """Wait until no row is queued or sending; TimeoutError at the deadline."""
        async with asyncio.timeout(timeout):
            # Polled: rows may be finished by other workers, whose progress we do not see.
            while True:
                if not await open_count(self.sessionmaker):
                    return
                await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ claiming

    def _backlog(self) -> int:
        return len(self._ready) + len(self._deferred)

    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._claim_kick.clear()
            woken, self._woken = self._woken, False
            backlog = self._backlog()
            # A wake-up claims even above the low-water mark (an urgent row may have come),
            # but within bounds so repeated wake-ups cannot pile up expiring leases.
            wanted = backlog <= self._low_water or (woken and backlog < 3 * self.claim_batch)
            if wanted and await self._claim_once() == self.claim_batch:
                continue  # probably more due
            await _wait(self._claim_kick, self.idle_poll_s)
            if not self._claim_kick.is_set():
                self._queue_exhausted = False  # idle poll: look again

    async def _claim_once(self) -> int:
        lease_deadline = asyncio.get_running_loop().time() + self.lease_seconds
        try:
            jobs = await claim(
                self.sessionmaker,
                worker_id=self.worker_id,
                limit=self.claim_batch,
                lease_seconds=self.lease_seconds,
                now=_utcnow(),
                lease_deadline=lease_deadline,
            )
        except Exception:
            logger.exception("claiming deliveries failed; retrying in %ss", self.DB_RETRY_S)
            await asyncio.sleep(self.DB_RETRY_S)
            return 0
        for job in jobs:
            heapq.heappush(self._ready, (job.priority, job.id, job))
        self._queue_exhausted = len(jobs) < self.claim_batch
        if jobs:
            self._dispatch_kick.set()
        return len(jobs)

    # ------------------------------------------------------------------ dispatching

    async def _dispatch_loop(self) -> None:
        while not self._stopping:
            self._dispatch_kick.clear()
            timeout: float | None = self.idle_poll_s
            if len(self._sending) < self.max_in_flight:
                job, timeout = self._next_job()
                if job is not None:
                    if self.limiter.try_acquire_bulk(job.chat_id, paid=job.paid):
                        self._launch(job)
                        continue
                    # No slot yet: the row goes back and the choice is made again at the slot.
                    heapq.heappush(self._ready, (job.priority, job.id, job))
                    timeout = self._until_slot(job.paid)
            await _wait(self._dispatch_kick, timeout)

    def _until_slot(self, paid: bool) -> float:
        wait = self.limiter.next_bulk_at(paid=paid) - asyncio.get_running_loop().time()
        # At least a millisecond: a slot held up by an interactive sender is not spun on.
        return max(wait, 0.001)

    def _next_job(self) -> tuple[Job | None, float | None]:
        """The most urgent row whose chat may receive now, or how long until one may."""
        now = asyncio.get_running_loop().time()
        self._promote_deferred(now)
        job = self._pop_ready(now)
        if self._backlog() <= self._low_water and not self._queue_exhausted:
            self._claim_kick.set()
        if job is not None:
            return job, None
        if self._deferred:
            return None, self._deferred[0][0] - now
        return None, self.idle_poll_s  # new claims and finished sends kick earlier

    def _pop_ready(self, now: float) -> Job | None:
        while self._ready:
            job = heapq.heappop(self._ready)[2]
            free_at = self.limiter.chat_ready_at(job.chat_id)
            if now > job.lease_deadline - self._lease_margin:
                self._give_back(job)
            elif free_at > now:
                self._defer(job, free_at, now)
            else:
                return job
        return None

    def _defer(self, job: Job, free_at: float, now: float) -> None:
        # Behind the rows of the same chat already waiting.
        at = free_at + self._deferred_per_chat[job.chat_id] * self._chat_interval
        if at - now > self.DEFER_HORIZON_S or at > job.lease_deadline - self._lease_margin:
            self._give_back(job, not_before_s=at - now)
            return
        heapq.heappush(self._deferred, (at, job.priority, job.id, job))
        self._deferred_per_chat[job.chat_id] += 1

    def _promote_deferred(self, now: float) -> None:
        while self._deferred and self._deferred[0][0] <= now:
            job = heapq.heappop(self._deferred)[3]
            self._forget_deferred(job.chat_id)
            heapq.heappush(self._ready, (job.priority, job.id, job))

    def _forget_deferred(self, chat_id: int) -> None:
        self._deferred_per_chat[chat_id] -= 1
        if self._deferred_per_chat[chat_id] <= 0:
            del self._deferred_per_chat[chat_id]

    def _give_back(self, job: Job, *, not_before_s: float = 0.0) -> None:
        """Return an unsent row to the queue (its attempt does not count)."""
        not_before = _utcnow() + timedelta(seconds=max(not_before_s, 0.0))
        self._add_result(Result(job.id, Outcome.REQUEUE, not_before=not_before))

    def _release_local(self) -> None:
        now = asyncio.get_running_loop().time()
        for _, _, job in self._ready:
            self._give_back(job)
        for at, _, _, job in self._deferred:
            self._give_back(job, not_before_s=at - now)
        self._ready.clear()
        self._deferred.clear()
        self._deferred_per_chat.clear()

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
            self._dispatch_kick.set()

    async def _deliver(self, job: Job) -> Result:
        try:
            if job.media_kind is None:
                message_id = await self._send_text(job)
            else:
                message_id = (await self._send_media(job, self._common(job))).message_id
        except Exception as exc:  # classified by class and code in errors.classify
            return self._failure(job, exc)
        return Result(job.id, Outcome.SENT, message_id=message_id)

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
        send = {
            "photo": self.bot.send_photo,
            "video": self.bot.send_video,
            "document": self.bot.send_document,
        }[job.media_kind]
        caption = {"caption": job.text, "parse_mode": ParseMode.HTML} if job.text else {}
        return await send(**{job.media_kind: job.media_ref}, **caption, **common)

    def _failure(self, job: Job, exc: Exception) -> Result:
        verdict = classify(
            exc,
            attempts=job.attempts,
            max_attempts=self.max_attempts,
            retry_base_s=self.retry_base_s,
        )
        if verdict.pause_s:
            self.limiter.pause_for(verdict.pause_s)
        error = self._describe(exc)
        level = logging.INFO if verdict.outcome is Outcome.UNREACHABLE else logging.WARNING
        logger.log(
            level,
            "delivery %s to chat %s (attempt %s): %s -> %s",
            job.id,
            job.chat_id,
            job.attempts,
            error,
            verdict.outcome,
            exc_info=not isinstance(exc, telegram.error.TelegramError),
        )
        return Result(
            job.id,
            verdict.outcome,
            error=error,
            not_before=_utcnow() + timedelta(seconds=verdict.delay_s),
            member_id=job.member_id,
            chat_id=job.chat_id,
            new_chat_id=verdict.new_chat_id,
        )

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
            await record(self.sessionmaker, batch, worker_id=self.worker_id, now=_utcnow())
        except Exception:
            logger.exception("recording %d delivery results failed; will retry", len(batch))
            self._results[:0] = batch
            return False
        await self._notify_sent(batch)
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
