"""Check-ins over Telegram: answering a checklist, /checkin (ad hoc), /compliance, /schedules."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup

from bot import callback_data as cd
from bot import checkins
from bot.checkins import compliance
from bot.checkins.checklists import item_text
from bot.checkins.text import render
from bot.db.models import FlowState, utcnow
from bot.reference import PROVINCES, local_time
from bot.services import flows
from bot.services.errors import ServiceError
from bot.services.validation import record_id
from handlers.advisories import to_csv
from handlers.base import Access, Request, button_fields, handles
from handlers.keyboards import inline
from handlers.render import display_name

FLOW_LAUNCH = "checkin_launch"
LAUNCH_HOURS = ("2", "6", "12", "24", "48")


def _markup(data: dict | None) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup.de_json(data, None) if data else None


# --- answering ---


@handles(Access.ACTIVE, sites=False)
async def press(req: Request) -> None:
    """A button on a checklist: re-checked in the database against the presser."""
    fields = button_fields(req, cd.CHECKIN)
    if fields is None:
        return
    member = req.member
    assert member is not None and req.query is not None
    message = req.query.message
    pressed = await checkins.press(
        req.session,
        member=member,
        site_checkin_id=int(fields[0]),
        action=fields[1],
        item_id=int(fields[2]) if len(fields) > 2 else None,
        now=utcnow(),
        chat_id=req.user.id,
        message_id=message.message_id if message else None,
        translator=req.runtime.translator,
    )
    text, markup = render(req.runtime.translator, req.lang, pressed.view)
    req.edit(text=text, markup=markup)
    if pressed.ask_note_for is not None:
        req.answer(req.t("checkin-type-note", number=pressed.ask_note_for.position + 1))
    elif pressed.submitted:
        req.answer(req.t("checkin-thanks"))


async def take_note(req: Request, state: FlowState) -> None:
    """The note typed after a critical No (or the Note button)."""
    member = req.member
    assert member is not None
    message = req.update.effective_message
    try:
        view, chat_id, message_id = await checkins.take_note(
            req.session,
            member=member,
            state=state,
            text=(message.text if message else "") or "",
            now=utcnow(),
            translator=req.runtime.translator,
        )
    except ServiceError as exc:
        if exc.key.startswith("checkin-error-note"):
            # Keep the flow: the operator fixes the note and sends it again.
            req.reply(req.t(exc.key, **exc.args_for_message))
            return
        raise
    text, markup = render(req.runtime.translator, req.lang, view)
    if message_id is not None:
        req.edit(text=text, markup=markup, chat_id=chat_id, message_id=message_id)
    else:
        req.reply(text, _markup(markup))
    req.reply(req.t("checkin-note-saved"))


# --- /checkin: an ad-hoc round ---


def _launch_keyboard(req: Request, step: str, data: dict) -> InlineKeyboardMarkup:
    member = req.member
    assert member is not None
    buttons: list[tuple[str, str]] = []
    if step in ("sectors", "provinces"):
        if step == "sectors":
            options = member.scope_sectors or list(req.runtime.rules.sectors)
        else:
            options = member.scope_provinces or [p.code for p in PROVINCES]
        chosen = data.get(step, [])
        for value in options:
            label = req.runtime.translator.sector(req.lang, value) if step == "sectors" else value
            mark = "✓ " if value in chosen else ""
            buttons.append((f"{mark}{label}", cd.build(cd.LAUNCH, step, value)))
        buttons.append((req.t("btn-all"), cd.build(cd.LAUNCH, step, "_all")))
        buttons.append((req.t("btn-done"), cd.build(cd.LAUNCH, step, "_done")))
        return inline(buttons, columns=2 if step == "sectors" else 4)
    if step == "hours":
        buttons = [
            (req.t("checkin-launch-hours", hours=int(h)), cd.build(cd.LAUNCH, "hours", h))
            for h in LAUNCH_HOURS
        ]
        return inline(buttons, columns=3)
    return inline(
        [
            (req.t("btn-checkin-launch"), cd.build(cd.LAUNCH, "confirm", "yes")),
            (req.t("btn-checkin-cancel"), cd.build(cd.LAUNCH, "confirm", "no")),
        ],
        columns=2,
    )


async def _launch_prompt(req: Request, step: str, data: dict, *, edit: bool) -> None:
    if step == "confirm":
        assert req.member is not None
        sectors, provinces = checkins.scope_of(
            req.member, data.get("sectors", []), data.get("provinces", [])
        )
        count = await checkins.count_sites(req.session, sectors, provinces)
        text = req.t(
            "checkin-launch-confirm",
            sectors=", ".join(req.runtime.translator.sector(req.lang, s) for s in sectors)
            or req.t("all-sectors"),
            provinces=", ".join(provinces) or req.t("all-provinces"),
            hours=int(data["hours"]),
            count=count or 0,
        )
    else:
        text = req.t("checkin-launch-deadline" if step == "hours" else f"checkin-launch-{step}")
    keyboard = _launch_keyboard(req, step, data)
    if edit:
        req.edit(text=text, markup=keyboard)
    else:
        req.reply(text, keyboard)


@handles(Access.COORDINATOR)
async def launch(req: Request) -> None:
    """/checkin: choose sectors, provinces and a deadline; the round starts on confirmation."""
    await flows.start(req.session, req.user.id, flow=FLOW_LAUNCH, step="sectors", data={})
    await _launch_prompt(req, "sectors", {}, edit=False)


@handles(Access.COORDINATOR)
async def launch_choice(req: Request) -> None:
    fields = button_fields(req, cd.LAUNCH)
    if fields is None:
        return
    step, value = fields
    state = await flows.load(req.session, req.user.id)
    if state is None or state.flow != FLOW_LAUNCH or state.step != step:
        req.answer(req.t("button-stale"), alert=True)
        return
    data = dict(state.data)
    member = req.member
    assert member is not None
    if step in ("sectors", "provinces"):
        chosen = list(data.get(step, []))
        if value == "_all":
            data[step] = []
            step = "provinces" if step == "sectors" else "hours"
        elif value == "_done":
            step = "provinces" if step == "sectors" else "hours"
        else:
            scope = member.scope_sectors if step == "sectors" else member.scope_provinces
            known = req.runtime.rules.sectors if step == "sectors" else [p.code for p in PROVINCES]
            if value not in known or (scope and value not in scope):
                req.answer(req.t("button-stale"), alert=True)
                return
            data[step] = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
    elif step == "hours":
        if value not in LAUNCH_HOURS:
            req.answer(req.t("button-stale"), alert=True)
            return
        data["hours"], step = value, "confirm"
    elif step == "confirm":
        await flows.clear(req.session, req.user.id)
        if value != "yes":
            req.edit(text=req.t("checkin-launch-cancelled"), markup=None)
            return
        settings = req.runtime.settings.checkins
        created = await checkins.launch(
            req.session,
            coordinator=member,
            sectors=data.get("sectors", []),
            provinces=data.get("provinces", []),
            deadline_hours=int(data.get("hours", settings.default_deadline_hours)),
            now=utcnow(),
            translator=req.runtime.translator,
            known_sectors=req.runtime.rules.sectors,
            reminder_before=timedelta(minutes=settings.reminder_before_minutes),
        )
        req.edit(
            text=req.t(
                "checkin-launched",
                round=str(created.round.id),
                count=created.sites,
                deadline=local_time(created.round.deadline_at),
            ),
            markup=None,
        )
        return
    flows.save(state, step=step, data=data)
    await _launch_prompt(req, step, data, edit=True)


# --- /compliance and /schedules ---


def _rate(req: Request, rate: compliance.Rate) -> str:
    return req.t(
        "compliance-rate",
        submitted=rate.submitted,
        total=rate.total,
        percent=rate.percent,
        late=rate.late,
    )


@handles(Access.COORDINATOR)
async def compliance_view(req: Request) -> None:
    """/compliance: the last round and the weeks before; /compliance <site number>: one site."""
    member = req.member
    assert member is not None
    args = req.context.args or []
    if args:
        if not args[0].lstrip("#").isdigit():
            req.reply(req.t("compliance-usage"))
            return
        # A number beyond the database's ids names no site: its history is empty (not found).
        await _site_history(req, record_id(args[0]) or 0)
        return
    weeks = req.runtime.settings.checkins.compliance_weeks
    summary = await compliance.summary(req.session, coordinator=member, now=utcnow(), weeks=weeks)
    if summary.last_round is None:
        req.reply(req.t("compliance-none"))
        return
    translator = req.runtime.translator
    last = summary.last_round
    lines = [
        req.t(
            "compliance-last-round",
            round=str(last.id),
            scheduled=local_time(last.scheduled_at),
            deadline=local_time(last.deadline_at),
        )
    ]
    for sector, province, rate in summary.last_by_area:
        lines.append(
            req.t(
                "compliance-area",
                sector=translator.sector(req.lang, sector),
                province=translator.province(req.lang, province),
                rate=_rate(req, rate),
            )
        )
    lines += ["", req.t("compliance-weekly", weeks=weeks)]
    for week, rate in summary.weekly:
        lines.append(req.t("compliance-week", week=week.isoformat(), rate=_rate(req, rate)))
    if summary.top_no:
        lines += ["", req.t("compliance-top-no")]
        for _key, text_id, text_en, no, answered in summary.top_no:
            lines.append(
                req.t(
                    "compliance-no-item",
                    item=text_en if req.lang == "en" else text_id,
                    no=no,
                    answered=answered,
                )
            )
    lines += ["", req.t("compliance-overdue", count=summary.overdue_total)]
    for site, operator, checkin_round in summary.overdue:
        lines.append(
            req.t(
                "compliance-overdue-site",
                site=site.name,
                number=str(site.id),
                province=translator.province(req.lang, site.province),
                operator=display_name(operator),
                deadline=local_time(checkin_round.deadline_at, site.province),
            )
        )
    lines += ["", req.t("compliance-hint")]
    req.reply(
        "\n".join(lines), inline([(req.t("btn-compliance-export"), cd.build(cd.COMPLIANCE, "csv"))])
    )


async def _site_history(req: Request, site_id: int) -> None:
    member = req.member
    assert member is not None
    site, entries = await compliance.site_history(req.session, coordinator=member, site_id=site_id)
    lines = [
        req.t(
            "compliance-site",
            site=site.name,
            number=str(site.id),
            sector=req.runtime.translator.sector(req.lang, site.sector),
            province=req.runtime.translator.province(req.lang, site.province),
        )
    ]
    if not entries:
        lines.append(req.t("compliance-site-empty"))
    for entry in entries:
        sc = entry.checkin
        if sc.submitted_at is not None:
            state = req.t("compliance-state-late" if sc.late else "compliance-state-on-time")
        elif entry.round.deadline_at < utcnow():
            state = req.t("compliance-state-missed")
        else:
            state = req.t("compliance-state-open")
        lines.append(
            req.t(
                "compliance-site-round",
                round=str(entry.round.id),
                scheduled=local_time(entry.round.scheduled_at, site.province),
                state=state,
            )
        )
        for item, note in entry.no_items:
            lines.append(
                req.t(
                    "compliance-site-no",
                    number=item.position + 1,
                    item=item_text(item, req.lang),
                    note=note or "-",
                )
            )
    req.reply("\n".join(lines))


@handles(Access.COORDINATOR)
async def compliance_action(req: Request) -> None:
    fields = button_fields(req, cd.COMPLIANCE)
    if fields is None:
        return
    member = req.member
    assert member is not None
    weeks = req.runtime.settings.checkins.compliance_weeks
    rows = await compliance.export_rows(req.session, coordinator=member, now=utcnow(), weeks=weeks)
    req.reply_document(
        f"compliance-{utcnow():%Y%m%d}.csv",
        to_csv(compliance.EXPORT_COLUMNS, rows),
        req.t("compliance-export-caption", count=len(rows), weeks=weeks),
    )


@handles(Access.COORDINATOR)
async def list_schedules(req: Request) -> None:
    """/schedules: the recurring check-ins and when each time zone's next round starts."""
    schedules = await checkins.active_schedules(req.session)
    if not schedules:
        req.reply(req.t("schedules-none"))
        return
    translator = req.runtime.translator
    lines = [req.t("schedules-header")]
    now = utcnow()
    for schedule in schedules:
        upcoming = []
        for zone, provinces in checkins.zones_of(schedule.provinces).items():
            fire = checkins.next_slot(checkins.cron_trigger(schedule.cron, zone), now)
            upcoming.append(local_time(fire, provinces[0]))
        lines.append(
            req.t(
                "schedules-line",
                number=str(schedule.id),
                name=schedule.name,
                cron=schedule.cron,
                sectors=", ".join(translator.sector(req.lang, s) for s in schedule.sectors)
                or req.t("all-sectors"),
                provinces=", ".join(schedule.provinces) or req.t("all-provinces"),
                hours=schedule.deadline_hours,
                next=", ".join(upcoming),
            )
        )
    req.reply("\n".join(lines))
