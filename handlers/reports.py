"""Suspicious activity reports over Telegram: /report (the draft, step by step), the files and
locations people send, triage buttons, /reports and the CSV. Rules live in bot.reports."""

from __future__ import annotations

import html
import re

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import callback_data as cd
from bot import reports
from bot.db.models import REPORT_CATEGORIES, FlowState, Member, MemberStatus, ReportStatus
from bot.reference import PROVINCES_BY_CODE
from bot.reports import Attachment, Filters, Limits, ReportPrompt, Submitted
from bot.reports.text import (
    CATEGORY_GROUPS,
    GROUP_ICONS,
    card,
    category_label,
    escape,
    fitted,
    free_text,
    history,
    local_time,
    place_text,
    status_label,
    when_text,
)
from bot.services import flows
from bot.services.errors import ServiceError
from handlers import advisories as advisory_handlers
from handlers.advisories import to_csv
from handlers.base import Access, Request, button_fields, handles
from handlers.keyboards import inline

COLUMNS = {"category": 2, "where": 1, "province": 2, "when": 2, "urgency": 1, "review": 2}
FILTER_RE = re.compile(r"^(province|sector|category)=([A-Za-z0-9_]{1,20})$")
TEXT_LIMIT = 4000  # of Telegram's 4,096, for the views


def limits(req: Request) -> Limits:
    config = req.runtime.settings.reports
    return Limits(
        max_per_hour=config.max_per_hour,
        max_attachments=config.max_attachments,
        max_bytes=config.max_attachment_mb * 1024 * 1024,
        max_text=config.max_text,
    )


def main_keyboard(req: Request, member: Member | None) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """Active members keep a 🚨 Report button under the text field; others none."""
    if member is None or member.status != MemberStatus.ACTIVE:
        return ReplyKeyboardRemove()
    label = html.unescape(req.tr(member.language, "btn-report"))
    return ReplyKeyboardMarkup([[KeyboardButton(label)]], resize_keyboard=True, is_persistent=True)


def is_report_button(req: Request, text: str) -> bool:
    return any(text == html.unescape(req.tr(lang, "btn-report")) for lang in ("id", "en"))


# ---------------------------------------------------------------------- the reporter's draft


def _label(req: Request, prompt: ReportPrompt, value: str) -> str:
    translator = req.runtime.translator
    if prompt.step == "category":
        return category_label(translator, req.lang, value)
    if prompt.step == "where" and value != "elsewhere":
        assert req.member is not None
        site = next(s for s in req.member.active_sites if str(s.id) == value)
        return f"🏢 {site.name}"
    if prompt.step == "province":
        return translator.province(req.lang, value)
    return req.t(f"report-option-{prompt.step}-{value}".replace("_", "-"))


def _keyboard(req: Request, prompt: ReportPrompt) -> InlineKeyboardMarkup | None:
    if not prompt.options:
        return None
    buttons = [
        (_label(req, prompt, v), cd.build(cd.REPORT, prompt.step, v)) for v in prompt.options
    ]
    return inline(buttons, columns=COLUMNS.get(prompt.step, 1))


def _review(req: Request, data: dict) -> str:
    assert req.member is not None
    translator = req.runtime.translator
    site = next((s for s in req.member.active_sites if s.id == data.get("site_id")), None)
    immediate = data.get("immediate")
    urgency = req.t("report-review-immediate" if immediate else "report-review-later")
    place = place_text(
        translator,
        req.lang,
        site=site,
        place=data.get("place"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        sector=data["sector"],
        province=data["province"],
    )
    when = when_text(translator, req.lang, data.get("observed", "now"), data.get("observed_text"))

    def render(description: str, people: str) -> str:
        text = req.t(
            "report-review",
            urgency=urgency,
            category=category_label(translator, req.lang, data["category"]),
            place=place,
            when=when,
            attachments=len(data.get("attachments", [])),
        )
        return "\n".join(
            [
                text,
                free_text(translator, req.lang, "report-label-description", description),
                free_text(translator, req.lang, "report-label-people", people),
            ]
        )

    return fitted(render, data["description"], data.get("people") or "-")


def _question(req: Request, prompt: ReportPrompt) -> str:
    step, data = prompt.step, prompt.data
    if step == "category":
        legend = "\n".join(
            f"{GROUP_ICONS[group]} {req.t(f'report-group-{group}')}" for group in CATEGORY_GROUPS
        )
        return req.t("report-ask-category", legend=legend)
    if step == "description":
        return req.t("report-ask-description", max=limits(req).max_text)
    if step == "media":
        config = limits(req)
        return req.t(
            "report-ask-media",
            count=len(data.get("attachments", [])),
            max=config.max_attachments,
            mb=config.max_bytes // (1024 * 1024),
        )
    if step == "review":
        return _review(req, data)
    return req.t(f"report-ask-{step}".replace("_", "-"))


def show(req: Request, prompt: ReportPrompt) -> None:
    if prompt.step == "cancelled":
        req.reply(req.t("report-cancelled"), main_keyboard(req, req.member))
        return
    if prompt.emergency:
        # Someone is in danger: the emergency numbers come before anything else.
        req.reply(req.t("report-emergency"))
    parts = []
    if prompt.resumed:
        parts.append(req.t("report-resumed"))
    if prompt.error:
        parts.append(req.t(prompt.error, **prompt.error_args))
    if prompt.attached is not None:
        parts.append(
            req.t("report-attached", count=prompt.attached, max=limits(req).max_attachments)
        )
    parts.append(_question(req, prompt))
    text = "\n\n".join(parts)
    if prompt.step == "place":
        # Where one stands: Telegram's location button is the quickest way.
        location = KeyboardButton(html.unescape(req.t("btn-share-location")), request_location=True)
        req.reply(
            text, ReplyKeyboardMarkup([[location]], resize_keyboard=True, one_time_keyboard=True)
        )
        return
    req.reply(text, _keyboard(req, prompt))


def _after_submit(req: Request, result: Submitted) -> None:
    report = result.report
    text = req.t("report-submitted", number=str(report.id), coordinators=len(result.coordinators))
    if report.immediate:
        text = f"{req.t('report-emergency-short')}\n\n{text}"
    req.reply(text, main_keyboard(req, req.member))


async def _take(req: Request, **given) -> bool:
    result = await reports.answer(
        req.session,
        member=req.member,
        limits=limits(req),
        translator=req.runtime.translator,
        **given,
    )
    if result is None:
        return False
    if isinstance(result, Submitted):
        _after_submit(req, result)
    else:
        show(req, result)
    return True


async def start_report(req: Request) -> None:
    """The report flow from its first step (or where the draft stands)."""
    prompt = await reports.begin(req.session, member=req.member)
    if not prompt.resumed:
        req.reply(req.t("report-intro"))
    show(req, prompt)


@handles(Access.ACTIVE)
async def report(req: Request) -> None:
    """/report: tell the coordinators what you saw."""
    await start_report(req)


@handles(Access.ACTIVE)
async def report_choice(req: Request) -> None:
    fields = button_fields(req, cd.REPORT)
    if fields is None:
        return
    step, value = fields
    if not await _take(req, choice=(step, value)):
        req.answer(req.t("button-stale"))
        req.drop_keyboard()
        return
    req.answer()
    req.drop_keyboard()


async def take_text(req: Request, state: FlowState | None, text: str) -> bool:
    """Text for the reports: an answer to a coordinator's question (a reply to it, or the
    next message after it), or the current step of the draft. False: not ours."""
    message = req.update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is not None or (state is not None and state.flow == reports.FLOW_REPORT_ANSWER):
        answered = await reports.take_answer(
            req.session,
            member=req.member,
            text=text,
            translator=req.runtime.translator,
            reply_to=replied.message_id if replied is not None else None,
        )
        if answered is not None:
            req.reply(req.t("report-answer-sent", number=str(answered.id)))
            return True
    if state is not None and state.flow == reports.FLOW_REPORT:
        return await _take(req, text=text)
    return False


def _attachment(message: Message) -> Attachment:
    """What Telegram says about the file; any other content becomes a kind we refuse."""
    caption = message.caption
    if message.photo:
        largest = message.photo[-1]
        return Attachment(
            "photo",
            largest.file_id,
            largest.file_unique_id,
            largest.file_size,
            "image/jpeg",
            None,
            caption,
        )
    if message.video:
        video = message.video
        return Attachment(
            "video",
            video.file_id,
            video.file_unique_id,
            video.file_size,
            video.mime_type,
            video.file_name,
            caption,
        )
    if message.document:
        document = message.document
        return Attachment(
            "document",
            document.file_id,
            document.file_unique_id,
            document.file_size,
            document.mime_type,
            document.file_name,
            caption,
        )
    return Attachment("unsupported")


@handles(Access.ANYONE)
async def media(req: Request) -> None:
    """A photo, video, document, location or anything else that is not text."""
    message = req.update.effective_message
    assert message is not None
    state = await flows.load(req.session, req.user.id)
    member = req.member
    if state is None or state.flow != reports.FLOW_REPORT:
        if state is not None:
            req.reply(req.t("error-type-answer"))  # another flow's step, not a report's
        elif member is None or member.status != MemberStatus.ACTIVE:
            req.reply(req.t("status-unregistered" if member is None else f"status-{member.status}"))
        else:
            req.reply(req.t("report-media-no-draft"))
        return
    if message.location is not None:
        location = (message.location.latitude, message.location.longitude)
        await _take(req, location=location)
    else:
        await _take(req, attachment=_attachment(message))


# ---------------------------------------------------------------------- triage


def _state_name(req: Request, state: str) -> str:
    return req.t(f"report-state-{state}")


@handles(Access.COORDINATOR)
async def triage(req: Request) -> None:
    """The buttons on a report: every press re-checks the presser's scope in the database."""
    assert req.member is not None
    fields = button_fields(req, cd.TRIAGE)
    if fields is None:
        return
    action, report_id = fields[0], int(fields[1])
    session, member, translator = req.session, req.member, req.runtime.translator
    if action in ("a", "t"):
        to = ReportStatus.ACKNOWLEDGED if action == "a" else ReportStatus.IN_PROGRESS
        await reports.change(
            session, coordinator=member, report_id=report_id, to=to, translator=translator
        )
        req.answer(req.t("report-changed", number=str(report_id), state=_state_name(req, to)))
        _changed(req, report_id, to)
        return
    if action == "q":
        await reports.begin_question(session, coordinator=member, report_id=report_id)
        req.answer()
        req.reply(req.t("report-ask-question", number=str(report_id)))
        return
    if action in ("e", "r", "u", "d"):
        closure = {"r": "resolved", "u": "unfounded", "d": "duplicate"}.get(action)
        to = ReportStatus.ESCALATED if action == "e" else ReportStatus.CLOSED
        await reports.await_note(
            session, coordinator=member, report_id=report_id, to=to, closure=closure
        )
        req.answer()
        req.reply(
            req.t("report-ask-note", number=str(report_id), state=_state_name(req, to)),
            inline([(req.t("btn-report-no-note"), cd.build(cd.TRIAGE, "n", report_id))]),
        )
        return
    if action == "n":
        result = await reports.apply_note(
            session, coordinator=member, note=None, translator=translator, report_id=report_id
        )
        if result is None:
            req.answer(req.t("button-stale"), alert=True)
            return
        _changed(req, result.report.id, result.report.status)
        req.drop_keyboard()
        req.answer()
        return
    if action == "c":
        await reports.load_for(session, coordinator=member, report_id=report_id)
        req.answer()
        req.reply(
            req.t("report-ask-closure", number=str(report_id)),
            inline(
                [
                    (req.t(f"report-closure-{c}"), cd.build(cd.TRIAGE, c[0], report_id))
                    for c in ("resolved", "unfounded", "duplicate")
                ],
                columns=3,
            ),
        )
        return
    if action == "v":
        found = await reports.details(session, coordinator=member, report_id=report_id)
        req.answer()
        text = card(
            translator,
            req.lang,
            found.report,
            reporter=found.reporter,
            site=found.site,
            attachments=found.attachments,
        )
        req.reply(text, _triage_keyboard(req, report_id))
        req.reply(_fit(history(translator, req.lang, found.report, found.events, found.names)))
        return
    # "m": an advisory draft from this report.
    await _advisory_draft(req, [report_id])


async def _advisory_draft(req: Request, report_ids: list[int]) -> None:
    prompt = await reports.begin_advisory(
        req.session,
        coordinator=req.member,
        report_ids=report_ids,
        translator=req.runtime.translator,
        known_sectors=tuple(req.runtime.rules.sectors),
    )
    req.answer()
    numbers = ", #".join(str(i) for i in prompt.data["from_reports"])
    intro = req.t("report-advisory-intro", number=numbers, title=prompt.data["title"])
    req.reply(f"{intro}\n{escape(prompt.data['body'])}")
    advisory_handlers.show(req, prompt)


def _fit(text: str) -> str:
    """The newest part of a long history, within one message."""
    if len(text) <= TEXT_LIMIT:
        return text
    lines = text.split("\n")
    head, rest = lines[0], lines[1:]
    while rest and len("\n".join([head, "…", *rest])) > TEXT_LIMIT:
        rest.pop(0)
    return "\n".join([head, "…", *rest])


def _triage_keyboard(req: Request, report_id: int) -> InlineKeyboardMarkup:
    markup = reports.triage_markup(req.runtime.translator, req.lang, report_id)
    return InlineKeyboardMarkup.de_json(markup, None)


def _changed(req: Request, report_id: int, state: str) -> None:
    req.reply(req.t("report-changed", number=str(report_id), state=_state_name(req, state)))


async def take_question(req: Request, text: str) -> None:
    report_ = await reports.ask(
        req.session, coordinator=req.member, question=text, translator=req.runtime.translator
    )
    if report_ is not None:
        req.reply(req.t("report-question-sent", number=str(report_.id)))


async def take_note(req: Request, text: str) -> None:
    result = await reports.apply_note(
        req.session, coordinator=req.member, note=text, translator=req.runtime.translator
    )
    if result is not None:
        _changed(req, result.report.id, result.report.status)


# ---------------------------------------------------------------------- views


def _filters(req: Request, args: list[str]) -> Filters:
    found: dict[str, str] = {}
    for arg in args:
        match = FILTER_RE.match(arg)
        if not match:
            raise ServiceError("error-report-filter", arg=arg[:40])
        found[match.group(1)] = match.group(2)
    province = found.get("province", "").upper() or None
    sector, category = found.get("sector"), found.get("category")
    if (
        (province and province not in PROVINCES_BY_CODE)
        or (sector and sector not in req.runtime.rules.sectors)
        or (category and category not in REPORT_CATEGORIES)
    ):
        raise ServiceError("error-report-filter", arg=" ".join(args)[:40])
    return Filters(province, sector, category)


@handles(Access.ACTIVE)
async def list_reports(req: Request) -> None:
    """/reports: coordinators see open reports in their area; members their own."""
    member = req.member
    assert member is not None
    translator = req.runtime.translator
    if not member.is_coordinator:
        own = await reports.mine(req.session, member=member)
        if not own:
            req.reply(req.t("report-none-mine"))
            return
        lines = [req.t("report-mine-header")]
        lines += [
            req.t(
                "report-mine-line",
                number=str(r.id),
                category=category_label(translator, req.lang, r.category),
                state=status_label(translator, req.lang, r),
                submitted=local_time(r.submitted_at, r.province),
            )
            for r in own
        ]
        req.reply("\n".join(lines))
        return
    filters = _filters(req, list(req.context.args or []))
    shown, total = await reports.open_reports(req.session, coordinator=member, filters=filters)
    lines = [req.t("report-list-header", total=total)]
    for r in shown:
        lines.append(
            req.t(
                "report-list-line",
                number=str(r.id),
                urgent="🚨 " if r.immediate else "",
                category=category_label(translator, req.lang, r.category),
                province=translator.province(req.lang, r.province),
                sector=translator.sector(req.lang, r.sector),
                state=status_label(translator, req.lang, r),
                submitted=local_time(r.submitted_at, r.province),
            )
        )
    buttons = [(f"#{r.id}", cd.build(cd.TRIAGE, "v", r.id)) for r in shown]
    markup = inline(buttons, columns=5).inline_keyboard if buttons else ()
    export = cd.build(
        cd.REPORT_EXPORT,
        filters.province or "_",
        filters.sector or "_",
        filters.category or "_",
    )
    actions = [(req.t("btn-report-export"), export)]
    if len(shown) >= 2:
        many = cd.build(cd.REPORTS_ADVISORY, *export.split(":")[1:])
        actions.append((req.t("btn-report-advisory-many"), many))
    keyboard = InlineKeyboardMarkup([*markup, *inline(actions).inline_keyboard])
    req.reply("\n".join(lines), keyboard)  # at most OPEN_PAGE short lines


@handles(Access.COORDINATOR)
async def export(req: Request) -> None:
    """The CSV of every report in the area matching the list's filters."""
    fields = button_fields(req, cd.REPORT_EXPORT)
    if fields is None:
        return
    province, sector, category = (None if f == "_" else f for f in fields)
    rows = await reports.export_rows(
        req.session, coordinator=req.member, filters=Filters(province, sector, category)
    )
    req.answer()
    req.reply_document(
        "reports.csv",
        to_csv(reports.EXPORT_COLUMNS, rows),
        req.t("report-export-caption", count=len(rows)),
    )


@handles(Access.COORDINATOR)
async def advisory_from_list(req: Request) -> None:
    """An advisory draft from the open reports a filtered /reports shows (the first few)."""
    fields = button_fields(req, cd.REPORTS_ADVISORY)
    if fields is None:
        return
    province, sector, category = (None if f == "_" else f for f in fields)
    shown, _ = await reports.open_reports(
        req.session,
        coordinator=req.member,
        filters=Filters(province, sector, category),
        limit=reports.MANY_MAX,
    )
    if not shown:
        req.answer(req.t("button-stale"), alert=True)
        return
    await _advisory_draft(req, [r.id for r in shown])
