"""Advisory rules on a real database: audience, approval, reminders and escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import advisories
from bot.advisories import reminders
from bot.advisories.text import render, visible_length
from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    Delivery,
    DeliveryStatus,
    MemberStatus,
    Role,
    utcnow,
)
from bot.db.session import transaction
from bot.i18n import Translator
from bot.services.errors import ServiceError
from tests.conftest import grant, make_member, released_advisory

T = Translator("id")


async def test_audience_is_exact_and_named_for_red(sessionmaker) -> None:
    author = await grant(sessionmaker, 9001, Role.COORDINATOR)
    await grant(sessionmaker, 9002, Role.COORDINATOR)
    inside = await make_member(sessionmaker, 1, sites=[("mall", "JI")])
    await make_member(sessionmaker, 2, sites=[("mall", "JT")])
    await make_member(sessionmaker, 3, sites=[("mall", "JI")], status=MemberStatus.SUSPENDED)
    named = await make_member(sessionmaker, 4, sites=[("energy", "PA")])
    advisory = await released_advisory(sessionmaker, author_id=author.id, approver_tg=9002)
    red = await released_advisory(
        sessionmaker, author_id=author.id, approver_tg=9002, tlp="RED", named=[named.id]
    )
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.advisory_id, r.member_id) for r in rows] == [
        (advisory.id, inside.id),
        (red.id, named.id),
    ]
    assert all(r.protect_content for r in rows)


async def test_only_a_second_coordinator_covering_the_audience_approves(sessionmaker) -> None:
    author = await grant(sessionmaker, 9001, Role.COORDINATOR)
    await grant(sessionmaker, 9003, Role.COORDINATOR, provinces=("BA",))
    await make_member(sessionmaker, 1, sites=[("mall", "JI")])
    for approver_tg, key in ((9001, "error-advisory-own"), (9003, "error-advisory-scope")):
        with pytest.raises(ServiceError, match=key):
            await released_advisory(sessionmaker, author_id=author.id, approver_tg=approver_tg)


async def test_rendering_marks_exercise_at_both_ends_and_fits(sessionmaker) -> None:
    advisory = Advisory(
        id=7,
        version=1,
        title="<Latihan>" + "t" * 140,
        body="x" * advisories.BODY_LEN[1],
        actions="a" * advisories.ACTIONS_LEN[1],
        severity="Extreme",
        urgency="Immediate",
        certainty="Observed",
        tlp="AMBER+STRICT",
        exercise=True,
        emergency=True,
        expires_at=utcnow(),
    )
    for lang, marker in (("id", "LATIHAN"), ("en", "EXERCISE")):
        text = render(T, lang, advisory)
        first, last = text.split("\n\n")[0], text.split("\n\n")[-1]
        assert marker in first and marker in last
        assert "&lt;Latihan&gt;" in text
        assert visible_length(text) <= 4096
    advisory.exercise = False
    assert "LATIHAN" not in render(T, "id", advisory)


async def test_reminders_then_escalation_once_each(sessionmaker) -> None:
    author = await grant(sessionmaker, 9001, Role.COORDINATOR, name="Ani")
    await grant(sessionmaker, 9002, Role.COORDINATOR, name="Bima")
    acked = await make_member(sessionmaker, 1, sites=[("mall", "JI")])
    silent = await make_member(sessionmaker, 2, sites=[("mall", "JI")])
    advisory = await released_advisory(sessionmaker, author_id=author.id, approver_tg=9002)
    async with transaction(sessionmaker) as session:
        # As the worker records the sends: on the queue rows and on the recipient records.
        for row in await session.scalars(select(Delivery)):
            row.status, row.message_id, row.sent_at = DeliveryStatus.SENT, 10, utcnow()
        for recipient in await session.scalars(select(AdvisoryRecipient)):
            recipient.status, recipient.message_id = DeliveryStatus.SENT, 10
            if recipient.member_id == acked.id:
                recipient.acknowledged_at = utcnow()

    async def run(minutes: int) -> list[Delivery]:
        async with transaction(sessionmaker) as session:
            await reminders.run_due(
                session,
                now=advisory.released_at + timedelta(minutes=minutes),
                intervals_min=[15, 60],
                translator=T,
            )
        async with sessionmaker() as session:
            return list(await session.scalars(select(Delivery).where(Delivery.kind != "advisory")))

    assert await run(14) == []
    after_first = await run(16)
    assert [(d.kind, d.member_id, d.reply_to_message_id) for d in after_first] == [
        ("reminder", silent.id, 10)
    ]
    # The same step is not repeated.
    assert [d.id for d in await run(30)] == [d.id for d in after_first]
    after_last = await run(61)
    kinds = sorted(d.kind for d in after_last)
    assert kinds == ["escalation", "escalation", "reminder", "reminder"]
    escalation = next(d for d in after_last if d.kind == "escalation")
    assert "Member 2" in escalation.text and "Jawa Timur" in escalation.text
    assert "Member 1" not in escalation.text
    assert len(await run(500)) == 4
