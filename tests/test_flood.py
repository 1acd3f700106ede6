"""Replies and floods under Telegram's flood limits: the real bot over HTTP against the
emulator, the real database."""

from __future__ import annotations

import asyncio

import pytest

from bot.emulator import BotApiEmulator
from tests.conftest import RunningBot, wait_until

pytestmark = pytest.mark.filterwarnings(
    # PTB warns when it builds a RetryAfter (its retry_after type is changing).
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

UNREGISTERED = {"en": "You are not registered yet", "id": "Anda belum terdaftar"}


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
