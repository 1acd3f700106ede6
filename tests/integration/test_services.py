"""Service rules on a real database, without Telegram."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEntry, Invite, Member, MemberStatus, Role
from bot.db.session import reading, transaction
from bot.services import invites, members, registration, vetting
from bot.services.audit import Actor
from bot.services.errors import ServiceError
from bot.services.invites import InviteRequest
from bot.services.registration import (
    ChoiceAnswer,
    ContactAnswer,
    Finished,
    Preset,
    Prompt,
    Rules,
    Step,
    TextAnswer,
)
from bot.services.validation import clean_text, normalise_phone
from tests.conftest import grant

RULES = Rules(
    sectors=("mall", "stadium", "other"), max_sites=2, consent_version="t1", default_language="id"
)


async def walk(sessionmaker, user_id: int, *, code: str | None = None, site: str = "Site"):
    """Register through the service, one transaction per answer as the edge does."""

    async def step(given):
        async with transaction(sessionmaker) as session:
            return await registration.answer(session, user_id=user_id, given=given, rules=RULES)

    async with transaction(sessionmaker) as session:
        prompt = await registration.begin(
            session,
            user_id=user_id,
            username=None,
            language_hint="en",
            rules=RULES,
            invite_code=code,
        )
    answers = [
        ChoiceAnswer("language", "en"),
        ChoiceAnswer("consent", "agree"),
        TextAnswer("Person Name"),
    ]
    preset = prompt.draft.preset or Preset()
    if not preset.organisation:
        answers.append(TextAnswer("Org"))
    answers += [ChoiceAnswer("member_type", "venue_operator"), TextAnswer(site)]
    if not preset.sector:
        answers.append(ChoiceAnswer("site_sector", "mall"))
    if not preset.province:
        answers.append(ChoiceAnswer("site_province", "JI"))
    answers += [
        ChoiceAnswer("more_sites", "done"),
        ContactAnswer("+628123456789", user_id),
    ]
    for given in answers:
        result = await step(given)
        assert isinstance(result, Prompt) and result.error is None, (given, result)
    return await step(ChoiceAnswer("confirm", "confirm"))


def test_text_cleaning_and_phone() -> None:
    assert clean_text("  Siti   Rahayu \n", (2, 100)) == "Siti Rahayu"
    for bad in ("a", "1234", "x" * 101, "Siti\x00Rahayu"):
        with pytest.raises(ServiceError):
            clean_text(bad, (2, 100))
    assert normalise_phone("62 812-3456-7890") == "+6281234567890"
    with pytest.raises(ServiceError):
        normalise_phone("12ab")


async def test_answers_are_checked_against_the_current_step(sessionmaker) -> None:
    async with transaction(sessionmaker) as session:
        await registration.begin(session, user_id=5, username=None, language_hint="id", rules=RULES)
    async with transaction(sessionmaker) as session:
        stale = await registration.answer(
            session, user_id=5, given=ChoiceAnswer("consent", "agree"), rules=RULES
        )
        assert stale.stale and stale.step == Step.LANGUAGE
        forged = await registration.answer(
            session, user_id=5, given=ChoiceAnswer("language", "fr"), rules=RULES
        )
        assert forged.error == "error-use-buttons" and forged.step == Step.LANGUAGE
        typed = await registration.answer(session, user_id=5, given=TextAnswer("en"), rules=RULES)
        assert typed.error == "error-use-buttons"
        # Not in any flow: nothing to answer.
        assert (
            await registration.answer(session, user_id=6, given=TextAnswer("x"), rules=RULES)
            is None
        )


async def test_registration_records_member_sites_consent_and_reviewers(sessionmaker) -> None:
    coordinator = await grant(sessionmaker, 900, Role.COORDINATOR, provinces=("JI",))
    await grant(sessionmaker, 901, Role.COORDINATOR, provinces=("BA",))
    admin = await grant(sessionmaker, 902, Role.ADMIN)
    done = await walk(sessionmaker, 10)
    assert isinstance(done, Finished) and done.outcome == "registered"
    assert [r.id for r in done.reviewers] == [coordinator.id]
    assert done.member.status == MemberStatus.PENDING
    # A site nobody's scope covers goes to the admins.
    async with transaction(sessionmaker) as session:
        assert [m.id for m in await members.reviewers_for(session, [_site("PE")])] == [admin.id]
    with pytest.raises(ServiceError, match="error-already-registered"):
        async with transaction(sessionmaker) as session:
            await registration.begin(
                session, user_id=10, username=None, language_hint=None, rules=RULES
            )


def _site(province: str):
    from bot.db.models import Site

    return Site(name="x", sector="energy", province=province)


async def test_invite_uses_are_never_exceeded_under_concurrency(sessionmaker) -> None:
    creator = await grant(sessionmaker, 900, Role.ADMIN)
    async with transaction(sessionmaker) as session:
        creator = await members.by_id(session, creator.id)
        _, code = await invites.create(
            session,
            creator=creator,
            request=InviteRequest(max_uses=2, organisation="Preset Org"),
            known_sectors=RULES.sectors,
            max_uses_limit=10,
            max_days_limit=30,
        )
    results = await asyncio.gather(*(walk(sessionmaker, 20 + i, code=code) for i in range(4)))
    # Whoever came too late (at the start, or at the final confirm) waits for vetting.
    active = [r for r in results if r.via_invite]
    assert len(active) == 2
    assert all(r.member.status == MemberStatus.ACTIVE for r in active)
    assert all(r.member.status == MemberStatus.PENDING for r in results if not r.via_invite)
    async with sessionmaker() as session:
        invite = await session.scalar(select(Invite))
        assert invite.uses == 2
        assert await invites.find_valid(session, code) is None


async def test_scoped_coordinator_decides_only_in_scope(sessionmaker) -> None:
    await grant(sessionmaker, 900, Role.COORDINATOR, provinces=("BA",))
    done = await walk(sessionmaker, 30)
    async with transaction(sessionmaker) as session:
        outsider = await members.by_telegram_id(session, 900)
        with pytest.raises(ServiceError, match="error-out-of-scope"):
            await vetting.decide(
                session, coordinator=outsider, member_id=done.member.id, approve=True
            )
        waiting, total = await vetting.pending_for(session, coordinator=outsider)
        assert (waiting, total) == ([], 0)


async def test_decision_is_taken_once(sessionmaker) -> None:
    first = await grant(sessionmaker, 900, Role.COORDINATOR)
    await grant(sessionmaker, 901, Role.COORDINATOR)
    done = await walk(sessionmaker, 31)

    async def decide(user_id: int, approve: bool):
        async with transaction(sessionmaker) as session:
            coordinator = await members.by_telegram_id(session, user_id)
            return await vetting.decide(
                session,
                coordinator=coordinator,
                member_id=done.member.id,
                approve=approve,
                reason=None if approve else "not known",
            )

    a = await decide(900, True)
    b = await decide(901, False)
    assert a.fresh and not b.fresh and b.approved
    assert b.already_decided_by.id == first.id
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(AuditEntry.action.in_(["approve", "reject"]))
        )
        assert count == 1


async def test_ensure_admins_is_idempotent_and_audited_once(sessionmaker) -> None:
    for _ in range(2):
        async with transaction(sessionmaker) as session:
            await members.ensure_admins(session, telegram_user_ids=[77], default_language="id")
    async with sessionmaker() as session:
        admin = await members.by_telegram_id(session, 77)
        assert admin.role == Role.ADMIN and admin.status == MemberStatus.ACTIVE
        grants = await session.scalar(select(func.count()).where(AuditEntry.action == "grant"))
        assert grants == 1
        entry = await session.scalar(select(AuditEntry))
        assert entry.actor_label == "config"


async def test_grant_rejects_unknown_scope(sessionmaker) -> None:
    with pytest.raises(ServiceError, match="error-unknown-province"):
        async with transaction(sessionmaker) as session:
            await members.grant_role(
                session,
                telegram_user_id=1,
                role=Role.COORDINATOR,
                actor=Actor.system("test"),
                default_language="id",
                known_sectors=RULES.sectors,
                provinces=["XX"],
            )


async def test_concurrent_read_then_write_transactions_do_not_fail(sessionmaker) -> None:
    """SQLite's BEGIN IMMEDIATE makes writers wait instead of failing "database is locked"."""

    async def grant_one(user_id: int) -> None:
        async with transaction(sessionmaker) as session:
            await members.by_telegram_id(session, user_id)  # a read first, then writes
            await members.grant_role(
                session,
                telegram_user_id=user_id,
                role=Role.OPERATOR,
                actor=Actor.system("test"),
                default_language="id",
                known_sectors=(),
            )

    await asyncio.gather(*(grant_one(1000 + i) for i in range(40)))
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 40


async def test_a_read_does_not_wait_for_a_writer(sessionmaker) -> None:
    """reading() takes no write lock: it sees the last commit while a writer holds the lock
    (on SQLite a BEGIN IMMEDIATE here would wait for the whole busy timeout)."""
    count = select(func.count()).select_from(Member)
    async with transaction(sessionmaker) as writer:
        await members.grant_role(
            writer,
            telegram_user_id=4242,
            role=Role.OPERATOR,
            actor=Actor.system("test"),
            default_language="id",
            known_sectors=(),
        )
        await writer.flush()
        async with asyncio.timeout(5), reading(sessionmaker) as reader:
            assert await reader.scalar(count) == 0
    async with asyncio.timeout(5), reading(sessionmaker) as reader:
        assert await reader.scalar(count) == 1
