"""Report rules on a real database: the draft's checks, routing, triage order and scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import reports
from bot.db.models import Delivery, Report, ReportStatus, Role
from bot.db.session import transaction
from bot.i18n import Translator
from bot.reports import Attachment, Limits, ReportPrompt, Submitted
from bot.reports.text import TEXT_MAX, card
from bot.services import members
from bot.services.errors import NotAllowed, ServiceError
from tests.conftest import grant, make_member

T = Translator("id")
LIMITS = Limits(max_per_hour=3, max_attachments=2, max_bytes=1024 * 1024, max_text=3000)


async def submit(sessionmaker, user_id: int, *, immediate: bool = False, text: str = "") -> int:
    """Through the draft's steps, as the handlers call them."""
    steps = [
        {"choice": ("urgency", "yes" if immediate else "no")},
        {"choice": ("category", "photography")},
        {"text": text or "Memotret pintu servis selama satu jam."},
        {"choice": ("where", "elsewhere")},
        {"location": (-7.25, 112.75)},
        {"choice": ("province", "JI")},
        {"choice": ("when", "now")},
        {"text": "Dua pria. " * 99},
        {"attachment": Attachment("photo", "F1", "U1", 1000, "image/jpeg")},
        {"choice": ("media", "done")},
        {"choice": ("review", "submit")},
    ]
    async with transaction(sessionmaker) as session:
        member = await members.by_telegram_id(session, user_id)
        await reports.begin(session, member=member)
        result = None
        for given in steps:
            result = await reports.answer(
                session, member=member, limits=LIMITS, translator=T, **given
            )
            assert not (isinstance(result, ReportPrompt) and result.error), result
    assert isinstance(result, Submitted)
    return result.report.id


async def test_routing_falls_back_to_admins_and_never_to_the_reporter(sessionmaker) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JT",))
    admin = await grant(sessionmaker, 9002, Role.ADMIN)
    reporter = await make_member(sessionmaker, 101, sites=[("hotel", "BA")])
    report_id = await submit(sessionmaker, 101, immediate=True)
    async with sessionmaker() as session:
        report = await session.get(Report, report_id)
        # Another place is routed by the province given and the reporter's own sector.
        assert (report.sector, report.province, report.reporter_id) == ("hotel", "JI", reporter.id)
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
        assert {d.member_id for d in rows} == {admin.id}
        assert [d.media_kind for d in rows] == [None, "photo", "location"]
        assert [d.media_ref for d in rows][1:] == ["F1", "-7.25,112.75"]
        assert {d.priority for d in rows} == {reports.PRIORITY_IMMEDIATE}


async def test_attachments_and_rate_are_bounded_and_the_draft_survives(sessionmaker) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR)
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    for _ in range(LIMITS.max_per_hour):
        await submit(sessionmaker, 101)
    async with transaction(sessionmaker) as session:
        member = await members.by_telegram_id(session, 101)
        prompt = await reports.begin(session, member=member)
        for kind, mime, size, error in [
            ("sticker", None, 10, "error-report-unsupported"),
            ("document", "application/zip", 10, "error-report-unsupported"),
            ("video", "video/mp4", 2 * 1024 * 1024, "error-report-too-large"),
            ("photo", "image/jpeg", 10, None),
            ("document", "application/pdf", 10, None),
            ("photo", "image/jpeg", 10, "error-report-too-many"),
        ]:
            given = Attachment(kind, f"F{kind}{mime}", f"U{kind}{mime}", size, mime)
            prompt = await reports.answer(
                session, member=member, limits=LIMITS, translator=T, attachment=given
            )
            assert prompt.error == error and prompt.step == "urgency"
        assert len(prompt.data["attachments"]) == 2
        with pytest.raises(NotAllowed):
            await reports.answer(
                session, member=None, limits=LIMITS, translator=T, choice=("urgency", "no")
            )


async def test_rate_limit_refuses_and_keeps_the_draft(sessionmaker) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR)
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    for _ in range(LIMITS.max_per_hour):
        await submit(sessionmaker, 101)
    with pytest.raises(AssertionError, match="error-report-rate"):
        await submit(sessionmaker, 101)


async def test_triage_moves_forward_only_and_within_scope(sessionmaker) -> None:
    inside = await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",))
    outside = await grant(sessionmaker, 9002, Role.COORDINATOR, sectors=("hotel",))
    operator = await make_member(sessionmaker, 102, sites=[("mall", "JI")])
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    report_id = await submit(sessionmaker, 101)
    async with transaction(sessionmaker) as session:
        for who in (outside, operator):
            with pytest.raises(NotAllowed):
                await reports.change(
                    session,
                    coordinator=who,
                    report_id=report_id,
                    to=ReportStatus.ACKNOWLEDGED,
                    translator=T,
                )
        await reports.change(
            session,
            coordinator=inside,
            report_id=report_id,
            to=ReportStatus.ESCALATED,
            note="Polsek",
            translator=T,
        )
        with pytest.raises(ServiceError, match="error-report-state"):
            await reports.change(
                session,
                coordinator=inside,
                report_id=report_id,
                to=ReportStatus.IN_PROGRESS,
                translator=T,
            )
        with pytest.raises(ServiceError, match="button-stale"):
            await reports.change(
                session,
                coordinator=inside,
                report_id=report_id,
                to=ReportStatus.CLOSED,
                closure="bogus",
                translator=T,
            )
        notices = (
            await session.scalars(select(Delivery.text).where(Delivery.kind == "report_notice"))
        ).all()
        assert len(notices) == 1 and "polisi" in notices[0] and "Polsek" not in notices[0]


async def test_the_card_fits_one_message_with_the_longest_texts(sessionmaker) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR)
    reporter = await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    report_id = await submit(sessionmaker, 101, text="<&> " * 750)
    async with sessionmaker() as session:
        report = await session.get(Report, report_id)
        text = card(T, "id", report, reporter=reporter, site=None, attachments=1)
        assert len(text) <= TEXT_MAX and "…" in text and "&lt;&amp;&gt;" in text
