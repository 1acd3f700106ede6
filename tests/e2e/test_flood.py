"""Replies and floods under Telegram's flood limits: the real bot over HTTP against the
emulator, the real database.

The flood is scaled from the issue's 600 recipients at 30 messages/s with 30 incoming
messages/s: here the rate is 60/s (emulator and bot alike), so 300 recipients take as long as
150 would, and one account floods at the full rate while a few others write at a person's
pace.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.db.models import Delivery, DeliveryStatus
from bot.db.session import transaction
from bot.delivery import SendLimiter
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.throttle import account_tag
from tests.conftest import TOKEN, RunningBot, make_settings, wait_until

pytestmark = pytest.mark.filterwarnings(
    # PTB warns when it builds a RetryAfter (its retry_after type is changing).
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

RATE = 60
RECIPIENTS = 300
FLOOD_S = 3.0
MODERATE_USERS = 6
MODERATE_MESSAGES = 4
MODERATE_EVERY_S = 1.25  # under 5 messages in 3 s, and over the 1 s per chat of the replies
NOTICE_EN = "You are sending messages faster than I can take them"
UNREGISTERED = {"en": "You are not registered yet", "id": "Anda belum terdaftar"}


async def send_every(user: EmulatedUser, interval_s: float, count: int) -> None:
    """The user writes ``count`` messages, one every ``interval_s`` (a schedule, so the
    rate holds however long each send takes)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(count):
        delay = start + i * interval_s - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await user.send(f"halo {i}")


async def test_a_flood_neither_starves_the_fan_out_nor_draws_a_429(
    emulator: BotApiEmulator, database_url: str, engine, sessionmaker, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.throttle")
    emulator.set_flood_limits(global_per_s=RATE, per_chat_per_s=1)
    recipients = [emulator.user(700_000 + i).id for i in range(RECIPIENTS)]
    flooder = emulator.user(800_001, first_name="Banjir", language_code="en")
    moderate = [emulator.user(800_100 + i, language_code="id") for i in range(MODERATE_USERS)]
    settings = make_settings(
        database_url,
        telegram={"api_url": emulator.api_url, "file_url": emulator.file_url},
        delivery={"rate_per_s": RATE},
        abuse={"flood_messages": 5, "flood_window_s": 3.0},
    )
    running = RunningBot(settings)
    await running.start(emulator)
    try:
        now = datetime.now(UTC)
        async with transaction(sessionmaker) as session:
            await session.execute(
                insert(Delivery),
                [
                    {
                        "kind": "advisory",
                        "chat_id": chat_id,
                        "text": f"<b>Advisory</b> for {chat_id}",
                        "priority": 50,
                        "status": DeliveryStatus.QUEUED,
                        "not_before": now,
                        "attempts": 0,
                        "protect_content": False,
                        "paid_broadcast": False,
                        "created_at": now,
                    }
                    for chat_id in recipients
                ],
            )
        assert running.runtime is not None
        running.runtime.wake_delivery()
        # The flood begins once the fan-out is under way.
        await wait_until(lambda: any(emulator.chat_messages(c) for c in recipients), 5)
        await asyncio.gather(
            send_every(flooder, 1 / RATE, int(FLOOD_S * RATE)),
            *(send_every(u, MODERATE_EVERY_S, MODERATE_MESSAGES) for u in moderate),
        )
        # What the fan-out takes alone, at the limiter's pace.
        quiet_s = RECIPIENTS / (RATE * (1 - SendLimiter.HEADROOM))
        await wait_until(lambda: all(emulator.chat_messages(c) for c in recipients), 2 * quiet_s)
        for user in moderate:
            await wait_until(lambda u=user: replies(u, UNREGISTERED["id"]) == MODERATE_MESSAGES, 5)
        await wait_until(lambda: replies(flooder, NOTICE_EN) == 1, 10)
        await wait_until(lambda: replies(flooder, UNREGISTERED["en"]) == 5, 5)
        throttle = running.runtime.throttle
    finally:
        await running.stop()

    assert emulator.stats.http_429 == 0
    # One notice for the whole spell, replies to the five messages within the rate, no more.
    assert replies(flooder, NOTICE_EN) == 1
    assert len(flooder.messages) == 6
    assert (throttle.throttled_total, throttle.dropped_total) == (1, FLOOD_S * RATE - 5)
    # Logged, under a pseudonym: neither the id nor the name.
    (record,) = [r for r in caplog.records if r.name == "handlers.throttle"]
    line = record.getMessage()
    assert f"account {account_tag(flooder.id, TOKEN)}" in line
    assert str(flooder.id) not in line and "Banjir" not in line
    # Everyone else got their replies, and the fan-out every message once, in good time.
    for user in moderate:
        assert replies(user, UNREGISTERED["id"]) == MODERATE_MESSAGES
    assert all(len(emulator.chat_messages(c)) == 1 for c in recipients)
    fan_out = set(recipients)
    sends = [
        r.time
        for r in emulator.requests_for("sendMessage")
        if r.params["chat_id"] in fan_out and r.status == 200
    ]
    assert max(sends) - min(sends) <= 1.5 * quiet_s


def replies(user: EmulatedUser, text: str) -> int:
    return sum(1 for m in user.messages if text in m.text)


async def test_a_reply_answered_429_pauses_every_sender_and_goes_once_more(
    emulator: BotApiEmulator, running_bot: RunningBot
) -> None:
    user = emulator.user(800_500, language_code="en")
    emulator.fail_next("sendMessage", status=429, retry_after=1)
    user.mark()
    sent_at = asyncio.get_running_loop().time()
    await user.send("halo")
    await user.wait_for_text(UNREGISTERED["en"])
    attempts = [r for r in emulator.requests_for("sendMessage") if r.params["chat_id"] == user.id]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 1.0
    assert running_bot.runtime is not None and running_bot.runtime.limiter is not None
    # The pause holds every sender (the fan-out too), not only this reply.
    assert running_bot.runtime.limiter.paused_until >= sent_at + 1.0
    assert len(user.messages) == 1


async def test_a_second_429_drops_the_reply(
    emulator: BotApiEmulator, running_bot: RunningBot, caplog
) -> None:
    user = emulator.user(800_501, language_code="en")
    emulator.fail_next("sendMessage", status=429, retry_after=1, count=2)
    await user.send("halo")
    await wait_until(lambda: "dropped: a second 429" in caplog.text, 10)
    attempts = [r for r in emulator.requests_for("sendMessage") if r.params["chat_id"] == user.id]
    assert [r.status for r in attempts] == [429, 429]
    assert user.messages == []
