"""Check-ins on protective measures: schedules, rounds, answers, reminders and escalation.

Everything is derived from rows. ``run_due`` asks the database what is due at ``now`` and
claims it atomically, so it can run on a timer, from an APScheduler cron job, after a
restart or (by mistake) in two instances at once, and each round, reminder and escalation
still happens once. A round of a schedule is identified by (schedule, time zone, scheduled
time); a unique index makes its creation happen once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CheckinAnswer,
    CheckinRound,
    CheckinSchedule,
    ChecklistItem,
    Delivery,
    FlowState,
    Member,
    MemberStatus,
    Site,
    SiteCheckin,
    SiteCheckinStatus,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Translator
from bot.reference import PROVINCES, PROVINCES_BY_CODE
from bot.services import audit, checklists, flows, members
from bot.services.audit import Actor
from bot.services.checkin_text import (
    PREFIX,
    Answer,
    CheckinView,
    critical_alert,
    overdue_text,
    reminder_text,
    render,
)
from bot.services.errors import NotAllowed, NotFound, ServiceError

FLOW_CHECKIN_NOTE = "checkin_note"
CHECKIN_PREFIX = PREFIX  # ci1:<site checkin id>:<action>[:<item id>], parsed in handlers
ANSWERS = {"y": "yes", "n": "no", "a": "na"}
NOTE_MAX = 500
NAME_MAX = 80
DEADLINE_HOURS = (1, 168)
# Below every advisory (0-36) and advisory reminder (40): check-ins are routine traffic.
# A missing critical measure is news for the coordinators, sent like a notice.
PRIORITY_CRITICAL = Priority.CHECKIN_CRITICAL
PRIORITY_OVERDUE = Priority.CHECKIN_OVERDUE
PRIORITY_REMINDER = Priority.CHECKIN_REMINDER
PRIORITY_ROUND = Priority.CHECKIN_ROUND
# A slot found more than this after its time was missed (the bot was down): a catch-up round.
CATCH_UP_AFTER = timedelta(minutes=5)
SLOT_SEARCH_LIMIT = 100_000  # cron fire times walked to find the latest missed one
SLOT_WINDOWS = (timedelta(days=1), timedelta(days=35), timedelta(days=400), None)
OVERDUE_LISTED_MAX = 40


# --- cron in the venue's local time ---

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_PART = re.compile(r"^(\*|\d)(?:-(\d))?(?:/(\d))?$")


def _day_of_week(field_: str) -> str:
    """Standard cron numbers weekdays from Sunday = 0 (7 too); APScheduler 3 from Monday = 0.
    Numbers become names, so "1" means Monday as every crontab reader expects."""
    if field_ == "*" or re.search(r"[a-z]", field_, re.IGNORECASE):
        return field_.lower()
    days: set[int] = set()
    for part in field_.split(","):
        match = _DOW_PART.match(part)
        if match is None:
            raise ValueError(f"day of week {part!r}")
        start, end, step = match.groups()
        low, high = (0, 6) if start == "*" else (int(start), int(end if end else start))
        if high < low or high > 7:
            raise ValueError(f"day of week {part!r}")
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(_DOW_NAMES[d] for d in sorted(days))


def cron_trigger(expression: str, zone: str) -> CronTrigger:
    """A standard five-field crontab expression, read in ``zone``; ServiceError if invalid."""
    fields = expression.split()
    if len(fields) != 5 or len(expression) > 100:
        raise ServiceError("checkin-error-cron", cron=expression)
    minute, hour, day, month, dow = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_day_of_week(dow),
            timezone=ZoneInfo(zone),
        )
    except ValueError as exc:
        raise ServiceError("checkin-error-cron", cron=expression) from exc


def zones_of(provinces: Sequence[str]) -> dict[str, list[str]]:
    """The time zones of an audience and, for each, its provinces (all of them when empty)."""
    by_zone: dict[str, list[str]] = defaultdict(list)
    for province in PROVINCES:
        if not provinces or province.code in provinces:
            by_zone[province.timezone].append(province.code)
    return dict(by_zone)


def latest_slot(trigger: CronTrigger, after: datetime, now: datetime) -> datetime | None:
    """The last fire time in (after, now], or None: missed slots collapse into one.

    Cron triggers only walk forward, so the walk starts a day before ``now`` and widens only
    if that window holds no fire time: a per-minute schedule down for a year costs 1,440
    steps, not half a million."""
    for window in SLOT_WINDOWS:
        start = after if window is None else max(after, now - window)
        found = None
        fire = trigger.get_next_fire_time(None, start + timedelta(seconds=1))
        for _ in range(SLOT_SEARCH_LIMIT):
            if fire is None or fire > now:
                break
            found = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if found is not None or start == after:
            return found
    return None


def next_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    return trigger.get_next_fire_time(None, now)


# --- schedules ---


async def add_schedule(
    session: AsyncSession,
    *,
    name: str,
    cron: str,
    sectors: Sequence[str],
    provinces: Sequence[str],
    deadline_hours: int,
    known_sectors: Sequence[str],
    actor: Actor,
) -> CheckinSchedule:
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise ServiceError("checkin-error-name", max=NAME_MAX)
    for zone in zones_of(provinces):
        cron_trigger(cron, zone)
    _check_audience(sectors, provinces, known_sectors)
    if not DEADLINE_HOURS[0] <= deadline_hours <= DEADLINE_HOURS[1]:
        raise ServiceError("checkin-error-deadline", low=DEADLINE_HOURS[0], high=DEADLINE_HOURS[1])
    schedule = CheckinSchedule(
        name=name,
        cron=" ".join(cron.split()),
        sectors=sorted(set(sectors)),
        provinces=sorted(set(provinces)),
        deadline_hours=deadline_hours,
        created_by=actor.label or f"member:{actor.member_id}",
    )
    session.add(schedule)
    await session.flush()
    await audit.record(
        session,
        action="checkin_schedule_add",
        actor=actor,
        details={"schedule_id": schedule.id, "cron": schedule.cron, "name": name},
    )
    return schedule


async def active_schedules(session: AsyncSession) -> list[CheckinSchedule]:
    result = await session.scalars(
        select(CheckinSchedule).where(CheckinSchedule.active.is_(True)).order_by(CheckinSchedule.id)
    )
    return list(result)


async def remove_schedule(session: AsyncSession, *, schedule_id: int, actor: Actor) -> None:
    """Deactivate (rounds it made keep referring to it)."""
    schedule = await session.get(CheckinSchedule, schedule_id)
    if schedule is None or not schedule.active:
        raise NotFound("checkin-error-schedule-not-found", number=str(schedule_id))
    schedule.active = False
    await audit.record(
        session, action="checkin_schedule_remove", actor=actor, details={"schedule_id": schedule_id}
    )


def _check_audience(
    sectors: Sequence[str], provinces: Sequence[str], known_sectors: Sequence[str]
) -> None:
    unknown = [s for s in sectors if s not in known_sectors]
    unknown += [p for p in provinces if p not in PROVINCES_BY_CODE]
    if unknown:
        raise ServiceError("checkin-error-audience", value=unknown[0])


# --- rounds ---


@dataclass(slots=True)
class RoundCreated:
    round: CheckinRound
    sites: int


def _audience_filter(sectors: Sequence[str], provinces: Sequence[str]) -> list[Any]:
    conditions: list[Any] = [
        Site.active.is_(True),
        Member.status == MemberStatus.ACTIVE,
        Member.telegram_user_id.is_not(None),
    ]
    if sectors:
        conditions.append(Site.sector.in_(sectors))
    if provinces:
        conditions.append(Site.province.in_(provinces))
    return conditions


async def count_sites(session: AsyncSession, sectors: Sequence[str], provinces: Sequence[str]):
    return await session.scalar(
        select(func.count(Site.id))
        .join(Member, Member.id == Site.member_id)
        .where(*_audience_filter(sectors, provinces))
    )


async def start_round(
    session: AsyncSession,
    *,
    sectors: Sequence[str],
    provinces: Sequence[str],
    scheduled_at: datetime,
    deadline_at: datetime,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
    schedule_id: int | None = None,
    zone: str | None = None,
    catch_up: bool = False,
    created_by_id: int | None = None,
) -> RoundCreated | None:
    """Create a round and queue every site's checklist; None if this slot has its round.

    Set-based: the site check-ins are one INSERT ... SELECT per sector and the messages one
    executemany, so a round for ten thousand sites takes seconds, not minutes.
    """
    reminder_at = deadline_at - reminder_before
    checkin_round = CheckinRound(
        schedule_id=schedule_id,
        zone=zone,
        scheduled_at=scheduled_at,
        catch_up=catch_up,
        sectors=sorted(set(sectors)),
        provinces=sorted(set(provinces)),
        deadline_at=deadline_at,
        reminder_at=reminder_at if reminder_at > now else None,
        created_by_id=created_by_id,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(checkin_round)
            await session.flush()
    except IntegrityError:
        return None  # another instance (or an earlier try) created this slot's round
    sector_rows = await session.scalars(
        select(Site.sector)
        .join(Member, Member.id == Site.member_id)
        .where(*_audience_filter(sectors, provinces))
        .distinct()
    )
    lists = await checklists.current_for(session, list(sector_rows), known_sectors)
    for sector, checklist in lists.items():
        await session.execute(
            insert(SiteCheckin).from_select(
                [
                    "round_id",
                    "site_id",
                    "member_id",
                    "checklist_id",
                    "sector",
                    "province",
                    "status",
                    "cursor",
                    "late",
                ],
                select(
                    literal(checkin_round.id),
                    Site.id,
                    Site.member_id,
                    literal(checklist.id),
                    Site.sector,
                    Site.province,
                    literal(SiteCheckinStatus.OPEN.value),
                    literal(0),
                    literal(False),
                )
                .join(Member, Member.id == Site.member_id)
                .where(*_audience_filter([sector], provinces)),
            )
        )
    rows = await session.execute(
        select(
            SiteCheckin.id,
            SiteCheckin.checklist_id,
            SiteCheckin.sector,
            SiteCheckin.province,
            Site.name,
            Member.id,
            Member.telegram_user_id,
            Member.language,
        )
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(SiteCheckin.round_id == checkin_round.id)
    )
    deliveries = []
    by_id = {c.id: c for c in lists.values()}
    for sc_id, checklist_id, sector, province, site_name, member_id, chat_id, lang in rows.all():
        view = CheckinView(
            site_checkin_id=sc_id,
            site_name=site_name,
            sector=sector,
            province=province,
            deadline_at=deadline_at,
            items=by_id[checklist_id].items,
            answers={},
            cursor=0,
            submitted=False,
        )
        text, markup = render(translator, lang, view)
        deliveries.append(
            Outgoing(
                kind=Kind.CHECKIN,
                member_id=member_id,
                chat_id=chat_id,
                text=text,
                priority=PRIORITY_ROUND,
                site_checkin_id=sc_id,
                reply_markup=markup,
            )
        )
    if deliveries:
        await enqueue(session, deliveries, now=now)
    await audit.record(
        session,
        action="checkin_round",
        actor=Actor(created_by_id) if created_by_id else Actor.system("scheduler"),
        details={
            "round_id": checkin_round.id,
            "schedule_id": schedule_id,
            "zone": zone,
            "sites": len(deliveries),
            "catch_up": catch_up,
        },
    )
    return RoundCreated(checkin_round, len(deliveries))


def scope_of(
    coordinator: Member, sectors: Sequence[str], provinces: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The audience a coordinator may address: what they chose, within their scope ("all"
    means all of their scope). Raises NotAllowed for a choice outside it."""
    if coordinator.role != "admin":
        for chosen, scope in (
            (sectors, coordinator.scope_sectors),
            (provinces, coordinator.scope_provinces),
        ):
            if scope and any(value not in scope for value in chosen):
                raise NotAllowed("checkin-error-scope")
        sectors = list(sectors) or list(coordinator.scope_sectors)
        provinces = list(provinces) or list(coordinator.scope_provinces)
    return sorted(set(sectors)), sorted(set(provinces))


async def launch(
    session: AsyncSession,
    *,
    coordinator: Member,
    sectors: Sequence[str],
    provinces: Sequence[str],
    deadline_hours: int,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> RoundCreated:
    """An ad-hoc round (``/checkin``), for heightened threat."""
    if not coordinator.is_coordinator or coordinator.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    if not DEADLINE_HOURS[0] <= deadline_hours <= DEADLINE_HOURS[1]:
        raise ServiceError("checkin-error-deadline", low=DEADLINE_HOURS[0], high=DEADLINE_HOURS[1])
    _check_audience(sectors, provinces, known_sectors)
    sectors, provinces = scope_of(coordinator, sectors, provinces)
    if not await count_sites(session, sectors, provinces):
        raise ServiceError("checkin-error-no-sites")
    created = await start_round(
        session,
        sectors=sectors,
        provinces=provinces,
        scheduled_at=now,
        deadline_at=now + timedelta(hours=deadline_hours),
        now=now,
        translator=translator,
        known_sectors=known_sectors,
        reminder_before=min(reminder_before, timedelta(hours=deadline_hours) / 2),
        created_by_id=coordinator.id,
    )
    assert created is not None  # ad-hoc rounds have no slot to collide on
    return created


# --- answering ---
# One press is one short transaction on a hot path (ten thousand operators answer within
# minutes), so it costs few round trips and no ORM bookkeeping: the check-in, its site,
# round, a pending note and its answers in one Core query (locked on PostgreSQL; SQLite's
# writer lock serialises it), the immutable checklist from a per-process cache, then one
# statement for the answer and one for the check-in's own state.


@dataclass(slots=True)
class Pressed:
    view: CheckinView
    ask_note_for: ChecklistItem | None = None  # a note must (or may) be typed now
    submitted: bool = False


@dataclass(slots=True)
class _Checkin:
    """A site check-in as read for one press: plain values, written back explicitly."""

    id: int
    member_id: int
    site_id: int
    site_name: str
    sector: str
    province: str
    status: str
    cursor: int
    submitted_at: datetime | None
    late: bool
    deadline_at: datetime
    items: Sequence[ChecklistItem]
    answers: dict[int, Answer]
    note_pending: bool = False  # a note for one of this member's checklists is being typed

    def item(self, item_id: int | None) -> ChecklistItem:
        found = next((i for i in self.items if i.id == item_id), None)
        if found is None:
            raise ServiceError("button-stale")
        return found

    def view(self, *, awaiting_note: int | None = None) -> CheckinView:
        return CheckinView(
            site_checkin_id=self.id,
            site_name=self.site_name,
            sector=self.sector,
            province=self.province,
            deadline_at=self.deadline_at,
            items=self.items,
            answers=self.answers,
            cursor=self.cursor,
            submitted=self.status == SiteCheckinStatus.SUBMITTED,
            submitted_at=self.submitted_at,
            late=self.late,
            awaiting_note=awaiting_note,
        )

    def advance_from(self, item: ChecklistItem) -> None:
        self.cursor = _next_cursor(self.items, set(self.answers), item.position)


_SC, _SITE, _ROUND = SiteCheckin.__table__, Site.__table__, CheckinRound.__table__
_FLOW, _ANSWER = FlowState.__table__, CheckinAnswer.__table__

# Built once: a press runs these with new parameters, so it neither rebuilds SQL expressions
# nor goes through the ORM's execution layers (plain Core, on the session's connection).
_PRESS_QUERY = (
    select(
        _SC.c.member_id,
        _SC.c.site_id,
        _SC.c.checklist_id,
        _SC.c.sector,
        _SC.c.province,
        _SC.c.status,
        _SC.c.cursor,
        _SC.c.submitted_at,
        _SC.c.late,
        _SITE.c.name,
        _SITE.c.active,
        _SITE.c.member_id.label("site_member_id"),
        _ROUND.c.deadline_at,
        _FLOW.c.flow,
        # One row per answer given so far (one row with NULLs before the first).
        _ANSWER.c.item_id,
        _ANSWER.c.answer,
        _ANSWER.c.note,
        _ANSWER.c.answered_at,
    )
    .join(_SITE, _SITE.c.id == _SC.c.site_id)
    .join(_ROUND, _ROUND.c.id == _SC.c.round_id)
    .outerjoin(
        _FLOW,
        (_FLOW.c.telegram_user_id == bindparam("telegram_user_id"))
        & (_FLOW.c.flow == FLOW_CHECKIN_NOTE),
    )
    .outerjoin(_ANSWER, _ANSWER.c.site_checkin_id == _SC.c.id)
    .where(_SC.c.id == bindparam("site_checkin_id"))
    .with_for_update(of=_SC)
)
_SAVE_STATE = (
    update(_SC)
    .where(_SC.c.id == bindparam("site_checkin_id"))
    .values(
        cursor=bindparam("new_cursor", type_=_SC.c.cursor.type),
        status=bindparam("new_status", type_=_SC.c.status.type),
        submitted_at=bindparam("new_submitted_at", type_=_SC.c.submitted_at.type),
        late=bindparam("new_late", type_=_SC.c.late.type),
    )
)
_INSERT_ANSWER = insert(_ANSWER)
_UPDATE_ANSWER = (
    update(_ANSWER)
    .where(
        _ANSWER.c.site_checkin_id == bindparam("answer_site_checkin_id"),
        _ANSWER.c.item_id == bindparam("answer_item_id"),
    )
    .values(
        answer=bindparam("new_answer", type_=_ANSWER.c.answer.type),
        note=bindparam("new_note", type_=_ANSWER.c.note.type),
        answered_at=bindparam("new_answered_at", type_=_ANSWER.c.answered_at.type),
        late=bindparam("new_late", type_=_ANSWER.c.late.type),
    )
)


async def _own_checkin(session: AsyncSession, member: Member, site_checkin_id: int) -> _Checkin:
    """The site check-in, if it is this member's: a forged button for another's is refused."""
    connection = await session.connection()
    rows = (
        await connection.execute(
            _PRESS_QUERY,
            {
                "telegram_user_id": member.telegram_user_id or 0,
                "site_checkin_id": site_checkin_id,
            },
        )
    ).all()
    if not rows:
        raise NotAllowed("checkin-error-not-yours")
    first = rows[0]
    if first.member_id != member.id or not first.active or first.site_member_id != member.id:
        raise NotAllowed("checkin-error-not-yours")
    answers = {
        row.item_id: Answer(row.answer, row.note, row.answered_at)
        for row in rows
        if row.item_id is not None
    }
    return _Checkin(
        id=site_checkin_id,
        member_id=first.member_id,
        site_id=first.site_id,
        site_name=first.name,
        sector=first.sector,
        province=first.province,
        status=first.status,
        cursor=first.cursor,
        submitted_at=first.submitted_at,
        late=first.late,
        deadline_at=first.deadline_at,
        items=await checklists.items_of(session, first.checklist_id),
        answers=answers,
        note_pending=first.flow is not None,
    )


async def _save_state(session: AsyncSession, checkin: _Checkin) -> None:
    connection = await session.connection()
    await connection.execute(
        _SAVE_STATE,
        {
            "site_checkin_id": checkin.id,
            "new_cursor": checkin.cursor,
            "new_status": checkin.status,
            "new_submitted_at": checkin.submitted_at,
            "new_late": checkin.late,
        },
    )


def _next_cursor(items: Sequence[ChecklistItem], answered: set[int], after: int) -> int:
    """The first unanswered item after ``after``, else the first unanswered, else the end."""
    order = list(range(after + 1, len(items))) + list(range(0, after + 1))
    for position in order:
        if items[position].id not in answered:
            return position
    return len(items)


async def press(
    session: AsyncSession,
    *,
    member: Member,
    site_checkin_id: int,
    action: str,
    item_id: int | None,
    now: datetime,
    chat_id: int,
    message_id: int | None,
    translator: Translator,
) -> Pressed:
    """A button on a checklist message: answer an item, go back, add a note, or submit."""
    checkin = await _own_checkin(session, member, site_checkin_id)
    if checkin.status == SiteCheckinStatus.SUBMITTED:
        raise ServiceError("checkin-error-submitted")
    if checkin.note_pending:  # any other button ends a note being typed
        await flows.clear(session, member.telegram_user_id or 0)
    if action in ANSWERS:
        item = checkin.item(item_id)
        answer = ANSWERS[action]
        if answer == "no" and item.critical:
            # A missing critical measure needs its note before it counts (and before the
            # coordinators are told, so they hear what is wrong, not only that it is).
            await _ask_note(session, member, checkin, item, "critical", chat_id, message_id)
            return Pressed(checkin.view(awaiting_note=item.id), ask_note_for=item)
        await _record_answer(session, checkin, item, answer, None, now)
        checkin.advance_from(item)
    elif action == "b":
        checkin.cursor = max(0, min(checkin.cursor, len(checkin.items)) - 1)
    elif action == "m":
        item = checkin.item(item_id)
        if item.id not in checkin.answers:
            raise ServiceError("button-stale")
        await _ask_note(session, member, checkin, item, "note", chat_id, message_id)
        return Pressed(checkin.view(awaiting_note=item.id), ask_note_for=item)
    elif action == "s":
        if any(item.id not in checkin.answers for item in checkin.items):
            raise ServiceError("checkin-error-incomplete")
        checkin.status = SiteCheckinStatus.SUBMITTED
        checkin.submitted_at = now
        checkin.late = now > checkin.deadline_at
        await _save_state(session, checkin)
        return Pressed(checkin.view(), submitted=True)
    else:
        raise ServiceError("button-stale")
    await _save_state(session, checkin)
    return Pressed(checkin.view())


async def _ask_note(
    session: AsyncSession,
    member: Member,
    checkin: _Checkin,
    item: ChecklistItem,
    step: str,
    chat_id: int,
    message_id: int | None,
) -> None:
    await flows.start(
        session,
        member.telegram_user_id or 0,
        flow=FLOW_CHECKIN_NOTE,
        step=step,
        data={"sc": checkin.id, "item": item.id, "chat": chat_id, "message": message_id},
    )


async def take_note(
    session: AsyncSession,
    *,
    member: Member,
    state: FlowState,
    text: str,
    now: datetime,
    translator: Translator,
) -> tuple[CheckinView, int, int | None]:
    """The typed note; for a critical No it completes the answer and alerts the
    coordinators. Returns the view and the checklist message (chat, message id) to edit."""
    note = " ".join(text.split())
    if not note:
        raise ServiceError("checkin-error-note-empty")
    if len(note) > NOTE_MAX:
        raise ServiceError("checkin-error-note-long", max=NOTE_MAX, length=len(note))
    data = state.data
    checkin = await _own_checkin(session, member, int(data["sc"]))
    await flows.clear(session, member.telegram_user_id or 0)
    if checkin.status == SiteCheckinStatus.SUBMITTED:
        raise ServiceError("checkin-error-submitted")
    item = checkin.item(int(data["item"]))
    if state.step == "critical":
        await _record_answer(session, checkin, item, "no", note, now)
        checkin.advance_from(item)
        await _save_state(session, checkin)
        site = await session.get(Site, checkin.site_id)
        assert site is not None  # checked by _own_checkin
        await _alert_critical(session, member, site, checkin.id, item, note, now, translator)
    else:
        answer = checkin.answers.get(item.id)
        if answer is None:
            raise ServiceError("button-stale")
        answer.note = note
        await session.execute(
            update(CheckinAnswer)
            .where(CheckinAnswer.site_checkin_id == checkin.id, CheckinAnswer.item_id == item.id)
            .values(note=note)
        )
    return checkin.view(), int(data["chat"]), data.get("message")


async def _record_answer(
    session: AsyncSession,
    checkin: _Checkin,
    item: ChecklistItem,
    answer: str,
    note: str | None,
    now: datetime,
) -> None:
    # The check-in row is locked (or SQLite's writer lock is held): whether the item has an
    # answer cannot change under us, so a plain INSERT or UPDATE is enough.
    late = now > checkin.deadline_at
    existing = checkin.answers.get(item.id)
    connection = await session.connection()
    if existing is None:
        await connection.execute(
            _INSERT_ANSWER,
            {
                "site_checkin_id": checkin.id,
                "item_id": item.id,
                "answer": answer,
                "note": note,
                "answered_at": now,
                "late": late,
            },
        )
        checkin.answers[item.id] = Answer(answer, note, now)
        return
    if note is None and answer == "no":
        note = existing.note  # a plain No keeps the note already given
    await connection.execute(
        _UPDATE_ANSWER,
        {
            "answer_site_checkin_id": checkin.id,
            "answer_item_id": item.id,
            "new_answer": answer,
            "new_note": note,
            "new_answered_at": now,
            "new_late": late,
        },
    )
    existing.answer, existing.note, existing.answered_at = answer, note, now


async def _alert_critical(
    session: AsyncSession,
    member: Member,
    site: Site,
    site_checkin_id: int,
    item: ChecklistItem,
    note: str,
    now: datetime,
    translator: Translator,
) -> None:
    coordinators = await members.reviewers_for(session, [site])
    rows = [
        Outgoing(
            kind=Kind.CHECKIN_ALERT,
            member_id=coordinator.id,
            chat_id=coordinator.telegram_user_id,
            text=critical_alert(translator, coordinator.language, member, site, item, note),
            priority=PRIORITY_CRITICAL,
            protect_content=True,  # where a venue is weak is sensitive
            site_checkin_id=site_checkin_id,
        )
        for coordinator in coordinators
        if coordinator.telegram_user_id is not None
    ]
    if rows:
        await enqueue(session, rows, now=now)


# --- what is due ---


@dataclass(slots=True)
class Due:
    rounds: list[RoundCreated] = field(default_factory=list)
    reminders: int = 0
    escalations: int = 0

    @property
    def queued(self) -> int:
        return sum(r.sites for r in self.rounds) + self.reminders + self.escalations


async def run_due(
    session: AsyncSession,
    *,
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> Due:
    """Create the rounds whose time has come, send due reminders and escalations."""
    due = Due()
    for schedule in await active_schedules(session):
        for zone, provinces in zones_of(schedule.provinces).items():
            created = await _due_round(
                session, schedule, zone, provinces, now, translator, known_sectors, reminder_before
            )
            if created is not None:
                due.rounds.append(created)
    due.reminders = await _remind(session, now, translator)
    due.escalations = await _escalate(session, now, translator)
    return due


async def _due_round(
    session: AsyncSession,
    schedule: CheckinSchedule,
    zone: str,
    provinces: list[str],
    now: datetime,
    translator: Translator,
    known_sectors: Sequence[str],
    reminder_before: timedelta,
) -> RoundCreated | None:
    last = await session.scalar(
        select(func.max(CheckinRound.scheduled_at)).where(
            CheckinRound.schedule_id == schedule.id, CheckinRound.zone == zone
        )
    )
    # Never before the schedule existed: a new weekly schedule does not start with last week.
    after = max(last, schedule.created_at) if last is not None else schedule.created_at
    slot = latest_slot(cron_trigger(schedule.cron, zone), after, now)
    if slot is None:
        return None
    catch_up = now - slot > CATCH_UP_AFTER
    deadline = slot + timedelta(hours=schedule.deadline_hours)
    if catch_up:
        # Caught up after downtime: operators still get the schedule's full time to answer.
        deadline = max(deadline, now + timedelta(hours=schedule.deadline_hours))
    return await start_round(
        session,
        sectors=schedule.sectors,
        provinces=provinces,
        scheduled_at=slot,
        deadline_at=deadline,
        now=now,
        translator=translator,
        known_sectors=known_sectors,
        reminder_before=reminder_before,
        schedule_id=schedule.id,
        zone=zone,
        catch_up=catch_up,
    )


async def _open_checkins(session: AsyncSession, round_id: int):
    result = await session.execute(
        select(SiteCheckin, Site, Member)
        .join(Site, Site.id == SiteCheckin.site_id)
        .join(Member, Member.id == SiteCheckin.member_id)
        .where(
            SiteCheckin.round_id == round_id,
            SiteCheckin.status == SiteCheckinStatus.OPEN,
            Site.active.is_(True),
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(SiteCheckin.province, SiteCheckin.id)
    )
    return [tuple(row) for row in result.all()]


async def _remind(session: AsyncSession, now: datetime, translator: Translator) -> int:
    rounds = await session.scalars(
        select(CheckinRound).where(
            CheckinRound.reminded_at.is_(None),
            CheckinRound.reminder_at <= now,
            CheckinRound.deadline_at > now,
        )
    )
    queued = 0
    for checkin_round in list(rounds):
        claimed = await session.execute(
            update(CheckinRound)
            .where(CheckinRound.id == checkin_round.id, CheckinRound.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        if claimed.rowcount != 1:
            continue  # another instance sent them
        open_ = await _open_checkins(session, checkin_round.id)
        messages = await _checklist_messages(session, [sc.id for sc, _, _ in open_])
        rows = [
            Outgoing(
                kind=Kind.CHECKIN_REMINDER,
                member_id=member.id,
                chat_id=member.telegram_user_id,
                text=reminder_text(translator, member.language, site, checkin_round),
                priority=PRIORITY_REMINDER,
                site_checkin_id=sc.id,
                reply_to_message_id=messages.get(sc.id),
            )
            for sc, site, member in open_
            if member.telegram_user_id is not None
        ]
        if rows:
            await enqueue(session, rows, now=now)
        queued += len(rows)
    return queued


async def _checklist_messages(session: AsyncSession, sc_ids: list[int]) -> dict[int, int]:
    if not sc_ids:
        return {}
    rows = await session.execute(
        select(Delivery.site_checkin_id, Delivery.message_id).where(
            Delivery.site_checkin_id.in_(sc_ids),
            Delivery.kind == "checkin",
            Delivery.message_id.is_not(None),
        )
    )
    return {sc_id: message_id for sc_id, message_id in rows.all()}


async def _escalate(session: AsyncSession, now: datetime, translator: Translator) -> int:
    """After the deadline, each coordinator gets the overdue sites they cover."""
    rounds = await session.scalars(
        select(CheckinRound).where(
            CheckinRound.escalated_at.is_(None), CheckinRound.deadline_at <= now
        )
    )
    queued = 0
    coordinators = None
    for checkin_round in list(rounds):
        claimed = await session.execute(
            update(CheckinRound)
            .where(CheckinRound.id == checkin_round.id, CheckinRound.escalated_at.is_(None))
            .values(escalated_at=now)
        )
        if claimed.rowcount != 1:
            continue
        overdue = await _open_checkins(session, checkin_round.id)
        if not overdue:
            continue
        if coordinators is None:
            coordinators = await members.active_coordinators(session)
        rows = []
        for coordinator in coordinators:
            theirs = [
                (site, member)
                for sc, site, member in overdue
                if coordinator.role == "coordinator"
                and coordinator.covers(sector=sc.sector, province=sc.province)
            ]
            if coordinator.role == "admin":
                # Admins hear of the sites no coordinator covers.
                theirs = [
                    (site, member)
                    for sc, site, member in overdue
                    if not any(
                        c.role == "coordinator" and c.covers(sector=sc.sector, province=sc.province)
                        for c in coordinators
                    )
                ]
            if not theirs or coordinator.telegram_user_id is None:
                continue
            text = overdue_text(
                translator, coordinator.language, checkin_round, theirs, OVERDUE_LISTED_MAX
            )
            rows.append(
                Outgoing(
                    kind=Kind.CHECKIN_OVERDUE,
                    member_id=coordinator.id,
                    chat_id=coordinator.telegram_user_id,
                    text=text,
                    priority=PRIORITY_OVERDUE,
                    protect_content=True,  # names the sites that slipped
                )
            )
        if rows:
            await enqueue(session, rows, now=now)
        queued += len(rows)
    return queued
