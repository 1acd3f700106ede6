"""Bad input at the edges (issue #18): ids beyond 32 bits, NUL bytes, ambiguous usernames.

Each is answered with a clear message and changes nothing; on PostgreSQL none of them may
reach a query as an argument it refuses.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Member, MemberStatus, Role
from bot.db.session import transaction
from bot.emulator import BotApiEmulator
from tests.conftest import grant, make_member, released_advisory, say

HUGE = "99999999999"


async def test_ids_beyond_32_bits_are_not_found_not_a_crash(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, language="en")
    coordinator = emulator.user(9001)
    await say(coordinator, "/help", "What you can do")
    for data in (f"vt1:a:{HUGE}", f"ar1:a:{HUGE}", f"ak1:{HUGE}", f"ax1:c:{HUGE}", f"rt1:a:{HUGE}"):
        pressed = await coordinator.press_data(1, data)
        assert "out of date" in (await pressed.wait())["text"], data
    await say(coordinator, f"/suspend #{HUGE} spam", "No member found")
    await say(coordinator, f"/reinstate {HUGE}", "No member found")
    await say(coordinator, f"/compliance {HUGE}", "")
    assert "went wrong" not in coordinator.messages[-1].text


async def test_a_nul_byte_is_refused_or_stripped_never_a_crash(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, language="en")
    target = await make_member(sessionmaker, 5001, sites=[("mall", "JI")])
    coordinator = emulator.user(9001)
    await say(coordinator, f"/suspend #{target.id} fake\x00reports", "characters that cannot")
    async with sessionmaker() as session:
        member = await session.get(Member, target.id)
        assert member is not None and member.status == MemberStatus.ACTIVE  # nothing changed
    await say(coordinator, f"/suspend #{target.id} fake reports", "suspended")


async def test_an_ambiguous_username_is_refused_with_the_candidates(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, language="en")
    first = await make_member(sessionmaker, 5001, sites=[("mall", "JI")])
    second = await make_member(sessionmaker, 5002, sites=[("mall", "JI")])
    async with transaction(sessionmaker) as session:
        for member in await session.scalars(
            select(Member).where(Member.id.in_([first.id, second.id]))
        ):
            member.username = "security_tp"  # the name changed hands on Telegram
    coordinator = emulator.user(9001)
    answer = await say(coordinator, "/suspend @security_tp spam", "several members")
    assert f"#{first.id}" in answer.text and f"#{second.id}" in answer.text
    async with sessionmaker() as session:
        statuses = set(
            await session.scalars(select(Member.status).where(Member.username == "security_tp"))
        )
    assert statuses == {MemberStatus.ACTIVE}


async def test_a_forged_cancel_button_learns_nothing_and_cancel_tells_waiting_people_their_status(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    author = await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), language="en")
    await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("JI",), language="en")
    await grant(sessionmaker, 9003, Role.COORDINATOR, provinces=("BA",), language="en")
    advisory = await released_advisory(sessionmaker, author_id=author.id, approver_tg=9002)
    outsider = emulator.user(9003)
    await say(outsider, "/help", "What you can do")
    pressed = await outsider.press_data(1, f"ax1:c:{advisory.id}")
    answer = (await pressed.wait())["text"]
    assert "Tap again" not in answer and "area" in answer  # refused at the first press

    waiting = await make_member(sessionmaker, 5100, sites=[("mall", "JI")], language="en")
    async with transaction(sessionmaker) as session:
        member = await session.get(Member, waiting.id)
        assert member is not None
        member.status = MemberStatus.PENDING
    pending = emulator.user(5100)
    reply = await say(pending, "/cancel", "")
    assert "nothing to cancel" not in reply.text.lower()
    assert reply.text == (await say(pending, "/start", "")).text  # their status, as /start says
