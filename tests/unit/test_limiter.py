"""SendLimiter's rules for replies next to the fan-out, through its public API (pure asyncio,
real time: the figures are measured over fractions of a second at high rates)."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from bot.delivery import SendLimiter
from tests.conftest import wait_until


def now() -> float:
    return asyncio.get_running_loop().time()


async def drive_bulk(limiter: SendLimiter, until: float, granted: list[float]) -> None:
    """What the delivery worker's dispatcher does: take a slot when one is free, otherwise
    sleep until the limiter says the next one may be; a new chat each time."""
    chat = 100_000
    while now() < until:
        if limiter.try_acquire_bulk(chat):
            granted.append(now())
            chat += 1
            continue
        await asyncio.sleep(max(limiter.next_bulk_at() - now(), 0.001))


async def reply(limiter: SendLimiter, chat_id: int, served: list[tuple[int, float]]) -> None:
    await limiter.acquire_interactive(chat_id)
    served.append((chat_id, now()))


def within(times: list[float], start: float, end: float) -> int:
    return sum(1 for t in times if start <= t < end)


async def test_a_reply_waits_for_its_chat_and_only_its_chat() -> None:
    limiter = SendLimiter(rate_per_s=1000.0, per_chat_interval_s=0.2)
    gap = limiter.chat_interval_s
    start = now()
    assert limiter.try_acquire_bulk(1)  # the fan-out just sent to chat 1
    served: list[tuple[int, float]] = []
    first = asyncio.create_task(reply(limiter, 1, served))
    second = asyncio.create_task(reply(limiter, 1, served))
    await asyncio.sleep(0)  # both replies to chat 1 are waiting
    await reply(limiter, 2, served)  # not behind chat 1's interval
    await asyncio.gather(first, second)

    assert [chat for chat, _ in served] == [2, 1, 1]
    assert served[0][1] - start < gap / 2
    times = [start] + [t for chat, t in served if chat == 1]
    assert all(b - a >= gap - 0.005 for a, b in pairwise(times)), times
    # The fan-out does not send to chat 1 inside the interval of the last reply either.
    assert limiter.chat_ready_at(1) >= times[-1] + gap - 0.005
    assert not limiter.try_acquire_bulk(1)


async def test_a_reply_waits_out_a_pause_and_its_chat() -> None:
    limiter = SendLimiter(rate_per_s=1000.0, per_chat_interval_s=0.1)
    start = now()
    await limiter.acquire_interactive(7)
    limiter.pause_for(0.3)  # that send was answered 429, retry after 0.3 s
    await limiter.acquire_interactive(7)
    assert now() - start >= 0.29
    limiter.pause_for(0.05)
    await limiter.acquire_interactive(8)
    # The pause was shorter than chat 7's interval from its last reply.
    paused_at = now()
    await limiter.acquire_interactive(7)
    assert now() - paused_at >= limiter.chat_interval_s - 0.06


async def test_replies_keep_to_their_share_while_the_queue_sends() -> None:
    # 300 people write at once in the middle of a fan-out: the replies take their share of
    # the rate, no more, and the queue keeps the rest.
    rate, share = 100.0, 0.25
    limiter = SendLimiter(rate_per_s=rate, per_chat_interval_s=0, interactive_share=share)
    bulk: list[float] = []
    start = now()
    fan_out = asyncio.create_task(drive_bulk(limiter, start + 1.6, bulk))
    await wait_until(lambda: len(bulk) >= 25)  # the fan-out is under way
    served: list[tuple[int, float]] = []
    replies = [asyncio.create_task(reply(limiter, 1 + i, served)) for i in range(300)]
    await fan_out
    measured = (start + 0.5, start + 1.5)
    sent_bulk = within(bulk, *measured)
    sent_replies = within([t for _, t in served], *measured)
    # A busy machine can only delay grants: the upper bounds are tight, the lower ones not.
    assert sent_replies <= share * rate * 1.1 + 1, (sent_replies, sent_bulk)
    assert sent_bulk + sent_replies <= rate + 1
    assert sent_replies >= share * rate * 0.7, (sent_replies, sent_bulk)
    assert sent_bulk >= (1 - share) * rate * 0.7, (sent_replies, sent_bulk)
    # Once the queue is idle, the replies left take the whole rate.
    left = 300 - len(served)
    assert left > 100
    idle_from = now()
    await asyncio.gather(*replies)
    # (Held to their share, they would take four times as long.)
    assert now() - idle_from <= limiter.BULK_WINDOW_S + left / rate * 2


async def test_replies_take_the_whole_rate_when_the_queue_is_idle() -> None:
    rate = 100.0
    limiter = SendLimiter(rate_per_s=rate, per_chat_interval_s=0, interactive_share=0.2)
    start = now()
    served: list[tuple[int, float]] = []
    await asyncio.gather(*(reply(limiter, 1 + i, served) for i in range(60)))
    elapsed = now() - start
    # At their share they would take five times as long.
    assert 60 / rate * 0.9 <= elapsed <= 60 / rate * 2, elapsed


async def test_a_reply_goes_ahead_of_the_queue() -> None:
    rate = 50.0
    limiter = SendLimiter(rate_per_s=rate, per_chat_interval_s=0, interactive_share=0.2)
    bulk: list[float] = []
    fan_out = asyncio.create_task(drive_bulk(limiter, now() + 0.6, bulk))
    await wait_until(lambda: len(bulk) >= 12)  # the fan-out is under way
    asked = now()
    await limiter.acquire_interactive(1)
    # At most the slot already promised to the queue, not a place at the back of it.
    assert now() - asked <= 3 / rate
    await fan_out


async def test_a_fan_out_that_ran_alone_is_not_held_back_by_a_first_reply() -> None:
    # The queue alone runs at the whole rate, ahead of the schedule of its share; the first
    # reply must not make it wait until that schedule catches up.
    rate = 100.0
    limiter = SendLimiter(rate_per_s=rate, per_chat_interval_s=0, interactive_share=0.5)
    bulk: list[float] = []
    start = now()
    fan_out = asyncio.create_task(drive_bulk(limiter, start + 1.8, bulk))
    await wait_until(lambda: len(bulk) >= 110)  # it has run alone for over a second
    await limiter.acquire_interactive(1)
    replied = now()
    await fan_out
    after = within(bulk, replied, replied + 0.4)
    assert after >= 0.5 * rate * 0.4 * 0.8, after
    assert within(bulk, start + 0.2, start + 1.2) >= rate * 0.9


async def test_replies_to_one_chat_keep_their_order() -> None:
    limiter = SendLimiter(rate_per_s=1000.0, per_chat_interval_s=0.02)
    served: list[tuple[int, float]] = []
    order: list[int] = []

    async def numbered(n: int) -> None:
        await limiter.acquire_interactive(5)
        order.append(n)

    await asyncio.gather(*(numbered(n) for n in range(6)), reply(limiter, 6, served))
    assert order == list(range(6))
