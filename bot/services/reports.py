"""Suspicious activity reports: the draft (a flow in the database), submission under a rate
limit, routing to the coordinators responsible with the attachments, triage, questions to the
reporter and their answers, the coordinators' views and the CSV export.

Attachments are kept as Telegram file ids (nothing is downloaded) and passed on through the
durable delivery queue, so a report and everything announcing it commit together.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.advisories import FLOW_ADVISORY, ComposePrompt
from bot.db.models import (
    ATTACHMENT_KINDS,
    REPORT_CATEGORIES,
    REPORT_CLOSURES,
    Delivery,
    Member,
    MemberStatus,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportStatus,
    Role,
    Site,
    utcnow,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Translator
from bot.reference import PROVINCES, PROVINCES_BY_CODE
from bot.services import audit, flows, members
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, NotFound, ServiceError
from bot.services.report_text import card, escape, free_text

FLOW_REPORT = "report"  # the reporter's draft
FLOW_REPORT_ANSWER = "report_answer"  # the reporter's next text answers a question
FLOW_REPORT_QUESTION = "report_question"  # a coordinator types a question for the reporter
FLOW_REPORT_NOTE = "report_note"  # a coordinator types the note of an escalation or closure
TRIAGE_PREFIX = "rt1"  # rt1:<action>:<report id>; parsed in handlers.callback_data

# Place in the delivery queue (lower goes first). Advisories take 0 (Extreme/Immediate) to 36
# and notices 15: someone in danger now goes ahead of everything, even an Extreme advisory;
# any other report ahead of routine advisories, just before notices.
PRIORITY_IMMEDIATE = Priority.IMMEDIATE_REPORT
PRIORITY_REPORT = Priority.REPORT

DELIVERY_CARD = Kind.REPORT
DELIVERY_MEDIA = Kind.REPORT_MEDIA
DELIVERY_NOTICE = Kind.REPORT_NOTICE  # to the reporter: a change of state
DELIVERY_QUESTION = Kind.REPORT_QUESTION  # to the reporter: a coordinator's question
DELIVERY_ANSWER = Kind.REPORT_ANSWER  # to the asking coordinator
DELIVERY_COLLEAGUE = Kind.REPORT_COLLEAGUE  # to the other coordinators: who moved it

STEPS = (
    "urgency",
    "category",
    "description",
    "where",
    "place",  # another place: a location or typed words
    "province",  # ... and its province
    "when",
    "when_text",  # an earlier time, in the reporter's words
    "people",
    "media",
    "review",
)
TEXT_STEPS = {"description", "where", "place", "when_text", "people"}
WHEN = ("now", "hour", "today", "earlier")
PLACE_LEN = (3, 300)
WHEN_LEN = (2, 120)
PEOPLE_LEN = (3, 1000)
QUESTION_LEN = (3, 1000)
ANSWER_LEN = (1, 2000)
NOTE_LEN = (3, 500)
CAPTION_MAX = 900  # of Telegram's 1,024 for a caption, the rest for "Report #12 · 1/5"
DESCRIPTION_MIN = 10
# Documents people can open safely on a phone; executables, archives and the like are refused.
DOCUMENT_TYPES = ("image/", "video/", "application/pdf", "text/plain")
ORDER = {state: i for i, state in enumerate(ReportStatus)}
OPEN_PAGE = 20
EXPORT_MAX = 5000


@dataclass(frozen=True, slots=True)
class Limits:
    max_per_hour: int = 10
    max_attachments: int = 5
    max_bytes: int = 20 * 1024 * 1024
    max_text: int = 2000


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a reporter sent, as Telegram describes it (kind may be one we refuse)."""

    kind: str
    file_id: str = ""
    file_unique_id: str = ""
    size: int | None = None
    mime: str | None = None
    file_name: str | None = None
    caption: str | None = None


@dataclass(slots=True)
class ReportPrompt:
    step: str
    data: dict[str, Any]
    options: list[str]
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)
    # The reporter said someone is in danger: the emergency numbers come first.
    emergency: bool = False
    # An attachment was kept: how many there are now.
    attached: int | None = None
    resumed: bool = False


@dataclass(slots=True)
class Submitted:
    report: Report
    coordinators: list[Member]


@dataclass(slots=True)
class Change:
    report: Report
    previous: str


# ---------------------------------------------------------------------- the draft


def _active(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    return member


def _options(step: str, data: dict[str, Any], member: Member) -> list[str]:
    if step == "urgency":
        return ["yes", "no"]
    if step == "category":
        return list(REPORT_CATEGORIES)
    if step == "where":
        return [str(s.id) for s in member.active_sites] + ["elsewhere"]
    if step == "province":
        own = list(dict.fromkeys(s.province for s in member.active_sites))
        return own + [p.code for p in PROVINCES if p.code not in own]
    if step == "when":
        return list(WHEN)
    if step == "people":
        return ["skip"]
    if step == "media":
        return ["done"]
    if step == "review":
        return ["submit", "cancel"]
    return []


def _next(step: str, data: dict[str, Any], limits: Limits) -> str:
    if step == "where":
        return "when" if data.get("site_id") else "province" if data.get("placed") else "place"
    if step == "place":
        return "province"
    if step == "province":
        return "when"
    if step == "when":
        return "when_text" if data.get("observed") == "earlier" else "people"
    if step == "when_text":
        return "people"
    following = STEPS[STEPS.index(step) + 1]
    if following == "media" and limits.max_attachments == 0:
        return "review"
    return following


async def begin(session: AsyncSession, *, member: Member | None) -> ReportPrompt:
    """/report: a new draft, or the one in progress (a draft survives restarts)."""
    member = _active(member)
    assert member.telegram_user_id is not None
    state = await flows.load(session, member.telegram_user_id)
    if state is not None and state.flow == FLOW_REPORT:
        draft = dict(state.data)
        return ReportPrompt(state.step, draft, _options(state.step, draft, member), resumed=True)
    data: dict[str, Any] = {"attachments": []}
    await flows.start(session, member.telegram_user_id, flow=FLOW_REPORT, step="urgency", data=data)
    return ReportPrompt("urgency", data, _options("urgency", data, member))


async def answer(
    session: AsyncSession,
    *,
    member: Member | None,
    limits: Limits,
    translator: Translator,
    text: str | None = None,
    choice: tuple[str, str] | None = None,
    location: tuple[float, float] | None = None,
    attachment: Attachment | None = None,
) -> ReportPrompt | Submitted | None:
    """One answer to the draft: typed text, a (step, value) button, a location or a file.
    None when the member has no draft. A refused answer keeps the draft as it was."""
    member = _active(member)
    assert member.telegram_user_id is not None
    state = await flows.load(session, member.telegram_user_id)
    if state is None or state.flow != FLOW_REPORT:
        return None
    step, data = state.step, dict(state.data)
    data["attachments"] = list(data.get("attachments", []))

    def again(key: str | None = None, **args: Any) -> ReportPrompt:
        return ReportPrompt(step, data, _options(step, data, member), key, args)

    try:
        if attachment is not None:
            kept = _attach(data, attachment, limits)
            flows.save(state, step=step, data=data)
            prompt = again()
            prompt.attached = kept
            return prompt
        if location is not None:
            if step not in ("where", "place"):
                raise ServiceError("error-report-location-here")
            latitude, longitude = location
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ServiceError("error-report-location-here")
            data["latitude"], data["longitude"] = latitude, longitude
            data["placed"] = True
            value: Any = None
        elif choice is not None:
            if choice[0] != step:
                return again("button-stale")
            if choice[1] not in _options(step, data, member):
                raise ServiceError("button-stale")
            value = choice[1]
        else:
            if step not in TEXT_STEPS:
                raise ServiceError("error-use-buttons")
            value = _typed(step, text or "", limits)
    except ServiceError as exc:
        return again(exc.key, **exc.args_for_message)

    prompt_emergency = False
    if location is not None:
        pass
    elif step == "urgency":
        data["immediate"] = value == "yes"
        prompt_emergency = data["immediate"]
    elif step == "category":
        data["category"] = value
    elif step == "description":
        data["description"] = value
    elif step == "where":
        if value == "elsewhere":
            data.pop("site_id", None)
            data.pop("placed", None)
        elif choice is not None:
            site = next(s for s in member.active_sites if str(s.id) == value)
            data.update(site_id=site.id, sector=site.sector, province=site.province)
            data.pop("place", None)
            data.pop("latitude", None)
            data.pop("longitude", None)
        else:
            data["place"], data["placed"] = value, True
    elif step == "place":
        data["place"], data["placed"] = value, True
    elif step == "province":
        data["province"] = value
        # A place that is not one of their sites is routed by the province given and the
        # sector of the reporter's first site (where they work), else "other".
        sites = member.active_sites
        data["sector"] = sites[0].sector if sites else "other"
    elif step == "when":
        data["observed"] = value
    elif step == "when_text":
        data["observed_text"] = value
    elif step == "people":
        data["people"] = "" if value == "skip" else value
    elif step == "media":
        pass
    elif step == "review":
        if value == "cancel":
            await flows.clear(session, member.telegram_user_id)
            return ReportPrompt("cancelled", data, [])
        return await _submit(
            session, member=member, data=data, limits=limits, translator=translator, again=again
        )
    next_step = _next(step, data, limits)
    flows.save(state, step=next_step, data=data)
    prompt = ReportPrompt(next_step, data, _options(next_step, data, member))
    prompt.emergency = prompt_emergency
    return prompt


def _clean(value: str, bounds: tuple[int, int]) -> str:
    """Trimmed, line breaks kept, no control characters, within bounds."""
    value = value.strip()
    low, high = bounds
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ServiceError("error-text-invalid")
    if not low <= len(value) <= high:
        raise ServiceError("error-text-length", min=low, max=high)
    return value


def _typed(step: str, text: str, limits: Limits) -> str:
    if step == "description":
        return _clean(text, (DESCRIPTION_MIN, limits.max_text))
    if step in ("where", "place"):
        return _clean(text, PLACE_LEN)
    if step == "when_text":
        return _clean(text, WHEN_LEN)
    return _clean(text, PEOPLE_LEN)


def _attach(data: dict[str, Any], given: Attachment, limits: Limits) -> int:
    """Keep one file in the draft; refused (the draft unchanged) if of a kind we do not take,
    too large, or one too many."""
    megabytes = limits.max_bytes // (1024 * 1024)
    accepted = given.kind in ATTACHMENT_KINDS and (
        given.kind != "document" or (given.mime or "").startswith(DOCUMENT_TYPES)
    )
    if not accepted or not given.file_id:
        raise ServiceError("error-report-unsupported", mb=megabytes)
    if given.size is not None and given.size > limits.max_bytes:
        raise ServiceError("error-report-too-large", mb=megabytes)
    attachments = data["attachments"]
    if len(attachments) >= limits.max_attachments:
        raise ServiceError("error-report-too-many", max=limits.max_attachments)
    if any(a["file_unique_id"] == given.file_unique_id for a in attachments):
        return len(attachments)  # the same file twice: kept once
    attachments.append(
        {
            "kind": given.kind,
            "file_id": given.file_id[:255],
            "file_unique_id": given.file_unique_id[:64],
            "size": given.size,
            "mime": (given.mime or None) and given.mime[:100],
            "file_name": (given.file_name or None) and given.file_name[:255],
            "caption": (given.caption or "").strip()[:CAPTION_MAX] or None,
        }
    )
    return len(attachments)


async def submitted_last_hour(session: AsyncSession, member: Member) -> int:
    since = utcnow() - timedelta(hours=1)
    count = await session.scalar(
        select(func.count())
        .select_from(Report)
        .where(Report.reporter_id == member.id, Report.submitted_at >= since)
    )
    return int(count or 0)


async def _submit(
    session: AsyncSession,
    *,
    member: Member,
    data: dict[str, Any],
    limits: Limits,
    translator: Translator,
    again: Any,
) -> ReportPrompt | Submitted:
    # Counted in the database, so every instance and a restart agree. Over the limit the
    # draft stays as it is, to be submitted later.
    if await submitted_last_hour(session, member) >= limits.max_per_hour:
        return again("error-report-rate", max=limits.max_per_hour)
    site = None
    if data.get("site_id"):
        site = await session.get(Site, data["site_id"])
        if site is None or site.member_id != member.id or not site.active:
            raise NotFound("error-site-not-found")
    if data.get("province") not in PROVINCES_BY_CODE or not data.get("category"):
        raise ServiceError("button-stale")
    report = Report(
        reporter_id=member.id,
        status=ReportStatus.NEW,
        immediate=bool(data.get("immediate")),
        category=data["category"],
        description=data["description"],
        site_id=site.id if site else None,
        place=data.get("place"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        sector=data["sector"],
        province=data["province"],
        observed=data.get("observed", "now"),
        observed_text=data.get("observed_text"),
        people=data.get("people", ""),
        submitted_at=utcnow(),
        attachments=[
            ReportAttachment(position=i, **a) for i, a in enumerate(data["attachments"], 1)
        ],
    )
    session.add(report)
    await session.flush()
    session.add(ReportEvent(report_id=report.id, actor_id=member.id, kind="submitted"))
    await audit.record(
        session,
        action="report_submit",
        actor=Actor(member.id),
        details={"report_id": report.id, "immediate": report.immediate},
    )
    coordinators = await responsible(session, report)
    for coordinator in coordinators:
        await _route(session, translator, report, member, site, coordinator)
    assert member.telegram_user_id is not None
    await flows.clear(session, member.telegram_user_id)
    return Submitted(report, coordinators)


def priority(report: Report) -> int:
    return PRIORITY_IMMEDIATE if report.immediate else PRIORITY_REPORT


async def responsible(session: AsyncSession, report: Report) -> list[Member]:
    """The coordinators whose scope covers the report's sector and province (the admins
    when nobody's does), never the reporter themself."""
    where = Site(sector=report.sector, province=report.province)  # not added: a shape only
    found = await members.reviewers_for(session, [where])
    others = [c for c in found if c.id != report.reporter_id]
    if others:
        return others
    everyone = await members.active_coordinators(session)
    return [c for c in everyone if c.role == Role.ADMIN and c.id != report.reporter_id]


async def _queue(
    session: AsyncSession, report: Report, recipient: Member, kind: Kind, **row: Any
) -> int:
    """One message about ``report`` to ``recipient``; returns its delivery id."""
    assert recipient.telegram_user_id is not None
    [delivery_id] = await enqueue(
        session,
        [
            Outgoing(
                kind=kind,
                member_id=recipient.id,
                chat_id=recipient.telegram_user_id,
                priority=priority(report),
                **row,
            )
        ],
        returning=True,
    )
    return delivery_id


def triage_markup(translator: Translator, lang: str, report_id: int) -> dict[str, Any]:
    def button(key: str, action: str) -> dict[str, str]:
        return {
            "text": translator.t(lang, key),
            "callback_data": f"{TRIAGE_PREFIX}:{action}:{report_id}",
        }

    return {
        "inline_keyboard": [
            [button("btn-report-ack", "a"), button("btn-report-take", "t")],
            [button("btn-report-ask", "q"), button("btn-report-escalate", "e")],
            [button("btn-report-close", "c"), button("btn-report-history", "v")],
            [button("btn-report-advisory", "m")],
        ]
    }


async def _route(
    session: AsyncSession,
    translator: Translator,
    report: Report,
    reporter: Member,
    site: Site | None,
    coordinator: Member,
) -> None:
    """The card with its buttons, then each attachment and the location: queued in this
    transaction, in this order (same priority: the queue keeps the order of ids)."""
    lang = coordinator.language
    await _queue(
        session,
        report,
        coordinator,
        DELIVERY_CARD,
        text=card(
            translator,
            lang,
            report,
            reporter=reporter,
            site=site,
            attachments=len(report.attachments),
        ),
        reply_markup=triage_markup(translator, lang, report.id),
    )
    total = len(report.attachments)
    for attachment in report.attachments:
        caption = translator.t(
            lang,
            "report-attachment-caption",
            number=str(report.id),
            index=attachment.position,
            total=total,
        )
        if attachment.caption:
            caption = f"{caption}\n{escape(attachment.caption)}"
        await _queue(
            session,
            report,
            coordinator,
            DELIVERY_MEDIA,
            text=caption,
            media_kind=attachment.kind,
            media_ref=attachment.file_id,
        )
    if report.latitude is not None and report.longitude is not None:
        await _queue(
            session,
            report,
            coordinator,
            DELIVERY_MEDIA,
            text="",
            media_kind="location",
            media_ref=f"{report.latitude},{report.longitude}",
        )


# ---------------------------------------------------------------------- triage


def check_triager(coordinator: Member | None, report: Report) -> Member:
    """An active coordinator whose scope covers the report (admins cover everything)."""
    if coordinator is None or coordinator.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    if not coordinator.is_coordinator:
        raise NotAllowed()
    if not coordinator.covers(sector=report.sector, province=report.province):
        raise NotAllowed("error-report-scope")
    return coordinator


async def load_for(
    session: AsyncSession, *, coordinator: Member | None, report_id: int, lock: bool = False
) -> Report:
    report = await session.get(Report, report_id, with_for_update=lock)
    if report is None:
        # The same answer as out of scope would leak which numbers exist; a refusal is fine.
        raise NotFound("error-report-gone")
    check_triager(coordinator, report)
    return report


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
    note = _clean(note, NOTE_LEN) if note else None
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
        await _queue(
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
            await _queue(
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
        note = _clean(note, NOTE_LEN)
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


# ---------------------------------------------------------------------- questions


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
    question = _clean(question, QUESTION_LEN)
    reporter = await session.get(Member, report.reporter_id)
    if reporter is None or reporter.status != MemberStatus.ACTIVE or not reporter.telegram_user_id:
        raise ServiceError("error-report-reporter-gone")
    delivery_id = await _queue(
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
    answer_text = _clean(text, ANSWER_LEN)
    session.add(
        ReportEvent(report_id=report.id, actor_id=member.id, kind="answer", note=answer_text)
    )
    if by_flow:
        await flows.clear(session, member.telegram_user_id)
    asker = await session.get(Member, question.actor_id) if question.actor_id else None
    if asker is not None and asker.status == MemberStatus.ACTIVE and asker.telegram_user_id:
        await _queue(
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


# ---------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class Filters:
    province: str | None = None
    sector: str | None = None
    category: str | None = None


def _check_coordinator(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE or not member.is_coordinator:
        raise NotAllowed()
    return member


def _filtered(stmt: Any, filters: Filters) -> Any:
    if filters.province:
        stmt = stmt.where(Report.province == filters.province)
    if filters.sector:
        stmt = stmt.where(Report.sector == filters.sector)
    if filters.category:
        stmt = stmt.where(Report.category == filters.category)
    return stmt


async def open_reports(
    session: AsyncSession, *, coordinator: Member | None, filters: Filters, limit: int = OPEN_PAGE
) -> tuple[list[Report], int]:
    """Open reports in the scope: someone in danger first, then the oldest first."""
    coordinator = _check_coordinator(coordinator)
    stmt = _filtered(select(Report).where(Report.status != ReportStatus.CLOSED), filters)
    result = await session.scalars(
        stmt.order_by(Report.immediate.desc(), Report.submitted_at, Report.id)
    )
    visible = [r for r in result if coordinator.covers(sector=r.sector, province=r.province)]
    return visible[:limit], len(visible)


@dataclass(slots=True)
class Details:
    report: Report
    reporter: Member
    site: Site | None
    events: list[ReportEvent]
    names: dict[int, str]
    attachments: int


async def details(session: AsyncSession, *, coordinator: Member | None, report_id: int) -> Details:
    report = await load_for(session, coordinator=coordinator, report_id=report_id)
    reporter = await session.get(Member, report.reporter_id)
    assert reporter is not None
    site = await session.get(Site, report.site_id) if report.site_id else None
    events = list(
        await session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.at, ReportEvent.id)
        )
    )
    ids = {e.actor_id for e in events if e.actor_id}
    people = await session.scalars(select(Member).where(Member.id.in_(ids or {-1})))
    names = {m.id: m.full_name or f"#{m.id}" for m in people}
    attachments = await session.scalar(
        select(func.count()).where(ReportAttachment.report_id == report.id)
    )
    return Details(report, reporter, site, events, names, int(attachments or 0))


async def mine(session: AsyncSession, *, member: Member | None, limit: int = 10) -> list[Report]:
    """A reporter's own latest reports, with their state."""
    member = _active(member)
    result = await session.scalars(
        select(Report)
        .where(Report.reporter_id == member.id)
        .order_by(Report.id.desc())
        .limit(limit)
    )
    return list(result)


EXPORT_COLUMNS = (
    "report",
    "submitted_at",
    "immediate",
    "category",
    "status",
    "closure",
    "province",
    "sector",
    "site",
    "place",
    "latitude",
    "longitude",
    "observed",
    "description",
    "people",
    "attachments",
    "reporter",
    "organisation",
    "assignee",
)


async def export_rows(
    session: AsyncSession, *, coordinator: Member | None, filters: Filters
) -> list[tuple[str, ...]]:
    """Every report in the scope (open and closed) matching the filters, for the CSV."""
    coordinator = _check_coordinator(coordinator)
    stmt = _filtered(select(Report), filters).order_by(Report.id).limit(EXPORT_MAX)
    reports = [
        r
        for r in await session.scalars(stmt)
        if coordinator.covers(sector=r.sector, province=r.province)
    ]
    ids = {r.reporter_id for r in reports} | {r.assignee_id for r in reports if r.assignee_id}
    people = {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}
    site_ids = {r.site_id for r in reports if r.site_id}
    sites = {s.id: s for s in await session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    counts = dict(
        (
            await session.execute(
                select(ReportAttachment.report_id, func.count())
                .where(ReportAttachment.report_id.in_([r.id for r in reports]))
                .group_by(ReportAttachment.report_id)
            )
        ).all()
    )
    rows = []
    for r in reports:
        reporter, assignee = people.get(r.reporter_id), people.get(r.assignee_id or 0)
        site = sites.get(r.site_id or 0)
        rows.append(
            (
                str(r.id),
                r.submitted_at.isoformat(),
                "yes" if r.immediate else "no",
                r.category,
                r.status,
                r.closure or "",
                r.province,
                r.sector,
                site.name if site else "",
                r.place or "",
                "" if r.latitude is None else f"{r.latitude:.6f}",
                "" if r.longitude is None else f"{r.longitude:.6f}",
                r.observed_text or r.observed,
                r.description,
                r.people,
                str(counts.get(r.id, 0)),
                reporter.full_name or "" if reporter else "",
                reporter.organisation or "" if reporter else "",
                assignee.full_name or "" if assignee else "",
            )
        )
    return rows


# ---------------------------------------------------------------------- advisory from a report


MANY_MAX = 10  # reports one advisory draft is made from
MANY_LINE = 300  # characters of each report's description in it


async def begin_advisory(
    session: AsyncSession,
    *,
    coordinator: Member | None,
    report_ids: Sequence[int],
    translator: Translator,
    known_sectors: tuple[str, ...],
) -> ComposePrompt:
    """An advisory draft prefilled from one report or several: title and text to keep or
    retype, the audience set to their sectors and provinces; then the usual steps and the
    second coordinator's approval. Each report must be in the coordinator's scope."""
    if not 1 <= len(report_ids) <= MANY_MAX:
        raise ServiceError("error-report-advisory-count", max=MANY_MAX)
    found = [
        await load_for(session, coordinator=coordinator, report_id=i)
        for i in dict.fromkeys(report_ids)
    ]
    assert coordinator is not None and coordinator.telegram_user_id is not None
    lang = coordinator.language

    def plain(key: str, **args: Any) -> str:
        # Catalog output is HTML-escaped; the advisory stores what its author typed.
        return html.unescape(translator.t(lang, key, **args))

    def category(report: Report) -> str:
        return plain(f"report-cat-{report.category}")

    first = found[0]
    province = plain(f"province-{first.province}")
    if len(found) == 1:
        title = plain("report-advisory-title", category=category(first), province=province)
        lead = plain(
            "report-advisory-body",
            category=category(first),
            province=province,
            sector=html.unescape(translator.sector(lang, first.sector)),
        )
        body = f"{lead} {first.description}"
    else:
        title = plain("report-advisory-title-many", count=len(found), category=category(first))
        lines = [plain("report-advisory-body-many", count=len(found))]
        for report in found:
            text = report.description
            text = text if len(text) <= MANY_LINE else f"{text[: MANY_LINE - 1]}…"
            where = plain(f"province-{report.province}")
            lines.append(f"• {category(report)}, {where}: {text}")
        body = "\n".join(lines)
    sectors = sorted({r.sector for r in found if r.sector in known_sectors})
    data: dict[str, Any] = {
        "title": title[:150],
        "body": body[:2600],
        # Only sectors the compose flow offers; none left means all sectors.
        "sectors": sectors if len(sectors) == len({r.sector for r in found}) else [],
        "provinces": sorted({r.province for r in found}),
        "from_report": first.id,
        "from_reports": [r.id for r in found],
    }
    await flows.start(
        session, coordinator.telegram_user_id, flow=FLOW_ADVISORY, step="title", data=data
    )
    for report in found:
        session.add(
            ReportEvent(
                report_id=report.id, actor_id=coordinator.id, kind="advisory", internal=True
            )
        )
    await session.flush()
    return ComposePrompt("title", data, ["keep"])
