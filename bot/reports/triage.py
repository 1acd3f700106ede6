"""Triage by the coordinators responsible: the buttons on a report's card, and moving a report
forward (acknowledged, in progress, escalated, closed; never back) with who, when and an
internal note, which escalate and close ask for first. The reporter is told of the new state,
without the note; the other coordinators, who moved it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.db.models import REPORT_CLOSURES, Member, Report, ReportEvent, ReportStatus, utcnow
from bot.i18n import Translator
from bot.reports.access import load_for
from bot.reports.limits import clean
from bot.reports.routing import DELIVERY_COLLEAGUE, DELIVERY_NOTICE, queue, responsible
from bot.services import audit, flows
from bot.services.audit import Actor
from bot.services.errors import ServiceError

FLOW_REPORT_NOTE = "report_note"  # a coordinator types the note of an escalation or closure
TRIAGE_PREFIX = callback_data.TRIAGE
NOTE_LEN = (3, 500)
ORDER = {state: i for i, state in enumerate(ReportStatus)}


@dataclass(slots=True)
class Change:
    report: Report
    previous: str


def triage_markup(translator: Translator, lang: str, report_id: int) -> dict[str, Any]:
    def button(key: str, action: str) -> dict[str, str]:
        return {
            "text": translator.t(lang, key),
            "callback_data": callback_data.build(TRIAGE_PREFIX, action, report_id),
        }

    return {
        "inline_keyboard": [
            [button("btn-report-ack", "a"), button("btn-report-take", "t")],
            [button("btn-report-ask", "q"), button("btn-report-escalate", "e")],
            [button("btn-report-close", "c"), button("btn-report-history", "v")],
            [button("btn-report-advisory", "m")],
        ]
    }


async def change(
    session: AsyncSession,
    *,
    coordinator: Member | None,
    report_id: int,
    to: ReportStatus,
    translator: Translator,
    closure: str | None = None,
    note: str | None = None,
) -> Change:
    """Move a report forward (never back); recorded with who, when and the internal note;
    the reporter is told, without the note."""
    report = await load_for(session, coordinator=coordinator, report_id=report_id, lock=True)
    assert coordinator is not None
    previous = report.status
    if previous == ReportStatus.CLOSED:
        raise ServiceError("error-report-closed", number=str(report.id))
    if ORDER[to] <= ORDER[ReportStatus(previous)]:
        raise ServiceError(
            "error-report-state",
            number=str(report.id),
            state=translator.t(coordinator.language, f"report-state-{previous}"),
        )
    if to == ReportStatus.CLOSED:
        if closure not in REPORT_CLOSURES:
            raise ServiceError("button-stale")
        report.closure, report.closed_at = closure, utcnow()
    if to == ReportStatus.IN_PROGRESS:
        report.assignee_id = coordinator.id
    note = clean(note, NOTE_LEN) if note else None
    report.status = to
    report.updated_at = utcnow()
    session.add(
        ReportEvent(
            report_id=report.id,
            actor_id=coordinator.id,
            kind="state",
            from_state=previous,
            to_state=to,
            note=note,
        )
    )
    await audit.record(
        session,
        action="report_state",
        actor=Actor(coordinator.id),
        details={"report_id": report.id, "from": previous, "to": str(to), "closure": closure},
    )
    reporter = await session.get(Member, report.reporter_id)
    if reporter is not None and reporter.telegram_user_id:
        key = f"report-notice-{to}" if to != ReportStatus.CLOSED else "report-notice-closed"
        await queue(
            session,
            report,
            reporter,
            DELIVERY_NOTICE,
            text=translator.t(
                reporter.language,
                key,
                number=str(report.id),
                closure=translator.t(reporter.language, f"report-closure-{closure or 'none'}"),
            ),
        )
    # The other coordinators who got the card learn who moved it, so nobody duplicates work.
    for colleague in await responsible(session, report):
        if colleague.id != coordinator.id and colleague.telegram_user_id:
            await queue(
                session,
                report,
                colleague,
                DELIVERY_COLLEAGUE,
                text=translator.t(
                    colleague.language,
                    "report-colleague-changed",
                    number=str(report.id),
                    state=translator.t(colleague.language, f"report-state-{to}"),
                    by=coordinator.full_name or f"#{coordinator.id}",
                ),
            )
    await session.flush()
    return Change(report, previous)


async def await_note(
    session: AsyncSession,
    *,
    coordinator: Member | None,
    report_id: int,
    to: ReportStatus,
    closure: str | None = None,
) -> Report:
    """Escalate and close ask for an internal note first (or none, with a button)."""
    report = await load_for(session, coordinator=coordinator, report_id=report_id)
    assert coordinator is not None and coordinator.telegram_user_id is not None
    if report.status == ReportStatus.CLOSED:
        raise ServiceError("error-report-closed", number=str(report.id))
    await flows.start(
        session,
        coordinator.telegram_user_id,
        flow=FLOW_REPORT_NOTE,
        step="note",
        data={"report_id": report.id, "to": str(to), "closure": closure},
    )
    return report


async def apply_note(
    session: AsyncSession,
    *,
    coordinator: Member | None,
    note: str | None,
    translator: Translator,
    report_id: int | None = None,
) -> Change | None:
    """The typed note (or None: no note) for the change waiting in the coordinator's flow.
    With ``report_id`` (the No-note button) the waiting change must be for that report."""
    assert coordinator is not None and coordinator.telegram_user_id is not None
    state = await flows.load(session, coordinator.telegram_user_id)
    if state is None or state.flow != FLOW_REPORT_NOTE:
        return None
    data = dict(state.data)
    if report_id is not None and data["report_id"] != report_id:
        return None
    if note is not None:
        note = clean(note, NOTE_LEN)
    result = await change(
        session,
        coordinator=coordinator,
        report_id=int(data["report_id"]),
        to=ReportStatus(data["to"]),
        closure=data.get("closure"),
        note=note,
        translator=translator,
    )
    await flows.clear(session, coordinator.telegram_user_id)
    return result
