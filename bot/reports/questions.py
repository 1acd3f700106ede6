"""A coordinator's question about a report, sent to the reporter, and the reporter's answer,
threaded into the report and passed to who asked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Delivery, Member, MemberStatus, Report, ReportEvent
from bot.i18n import Translator
from bot.reports.access import load_for
from bot.reports.limits import clean
from bot.reports.routing import DELIVERY_ANSWER, DELIVERY_QUESTION, queue
from bot.reports.text import escape, free_text
from bot.reports.triage import triage_markup
from bot.services import flows
from bot.services.errors import ServiceError

FLOW_REPORT_ANSWER = "report_answer"  # the reporter's next text answers a question
FLOW_REPORT_QUESTION = "report_question"  # a coordinator types a question for the reporter
QUESTION_LEN = (3, 1000)
ANSWER_LEN = (1, 2000)


async def begin_question(
    session: AsyncSession, *, coordinator: Member | None, report_id: int
) -> Report:
    report = await load_for(session, coordinator=coordinator, report_id=report_id)
    assert coordinator is not None and coordinator.telegram_user_id is not None
    await flows.start(
        session,
        coordinator.telegram_user_id,
        flow=FLOW_REPORT_QUESTION,
        step="question",
        data={"report_id": report.id},
    )
    return report


async def ask(
    session: AsyncSession, *, coordinator: Member | None, question: str, translator: Translator
) -> Report | None:
    """The coordinator's typed question goes to the reporter, who answers by replying to it
    (or, if they are in no other flow, simply with their next message)."""
    assert coordinator is not None and coordinator.telegram_user_id is not None
    state = await flows.load(session, coordinator.telegram_user_id)
    if state is None or state.flow != FLOW_REPORT_QUESTION:
        return None
    report = await load_for(session, coordinator=coordinator, report_id=state.data["report_id"])
    question = clean(question, QUESTION_LEN)
    reporter = await session.get(Member, report.reporter_id)
    if reporter is None or reporter.status != MemberStatus.ACTIVE or not reporter.telegram_user_id:
        raise ServiceError("error-report-reporter-gone")
    delivery_id = await queue(
        session,
        report,
        reporter,
        DELIVERY_QUESTION,
        text="\n".join(
            [
                translator.t(reporter.language, "report-question", number=str(report.id)),
                escape(question),
                translator.t(reporter.language, "report-question-hint"),
            ]
        ),
        reply_markup={
            "force_reply": True,
            "input_field_placeholder": translator.t(reporter.language, "report-answer-hint"),
        },
    )
    await session.flush()
    event = ReportEvent(
        report_id=report.id,
        actor_id=coordinator.id,
        kind="question",
        note=question,
        delivery_id=delivery_id,
    )
    session.add(event)
    await session.flush()
    if await flows.load(session, reporter.telegram_user_id) is None:
        await flows.start(
            session,
            reporter.telegram_user_id,
            flow=FLOW_REPORT_ANSWER,
            step="answer",
            data={"report_id": report.id, "event_id": event.id},
        )
    await flows.clear(session, coordinator.telegram_user_id)
    return report


async def question_replied_to(
    session: AsyncSession, *, member: Member, message_id: int
) -> ReportEvent | None:
    """The question event whose message the member replied to, if it is one."""
    delivery_id = await session.scalar(
        select(Delivery.id).where(
            Delivery.chat_id == member.telegram_user_id,
            Delivery.message_id == message_id,
            Delivery.kind == DELIVERY_QUESTION,
            Delivery.member_id == member.id,
        )
    )
    if delivery_id is None:
        return None
    return await session.scalar(
        select(ReportEvent).where(
            ReportEvent.delivery_id == delivery_id, ReportEvent.kind == "question"
        )
    )


async def take_answer(
    session: AsyncSession,
    *,
    member: Member | None,
    text: str,
    translator: Translator,
    reply_to: int | None = None,
) -> Report | None:
    """The reporter's answer, threaded into the report and passed to who asked. None when
    the text answers no question (the caller routes it elsewhere)."""
    if member is None or member.status != MemberStatus.ACTIVE or not member.telegram_user_id:
        return None
    question = None
    if reply_to is not None:
        question = await question_replied_to(session, member=member, message_id=reply_to)
    state = await flows.load(session, member.telegram_user_id)
    by_flow = state is not None and state.flow == FLOW_REPORT_ANSWER
    if question is None and by_flow:
        assert state is not None
        question = await session.get(ReportEvent, state.data.get("event_id"))
    if question is None:
        return None
    report = await session.get(Report, question.report_id)
    if report is None or report.reporter_id != member.id:
        return None
    answer_text = clean(text, ANSWER_LEN)
    session.add(
        ReportEvent(report_id=report.id, actor_id=member.id, kind="answer", note=answer_text)
    )
    if by_flow:
        await flows.clear(session, member.telegram_user_id)
    asker = await session.get(Member, question.actor_id) if question.actor_id else None
    if asker is not None and asker.status == MemberStatus.ACTIVE and asker.telegram_user_id:
        await queue(
            session,
            report,
            asker,
            DELIVERY_ANSWER,
            text="\n".join(
                [
                    translator.t(asker.language, "report-answer-forward", number=str(report.id)),
                    free_text(
                        translator, asker.language, "report-label-question", question.note or ""
                    ),
                    free_text(translator, asker.language, "report-label-answer", answer_text),
                ]
            ),
            reply_markup=triage_markup(translator, asker.language, report.id),
        )
    await session.flush()
    return report
