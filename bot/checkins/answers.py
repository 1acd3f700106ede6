"""A press on a checklist message: answering an item, going back, a note (typed next, as a
flow), submitting; a critical item answered No needs its note and alerts the coordinators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkins import checklists
from bot.checkins.checklists import Item
from bot.checkins.text import PREFIX, Answer, CheckinView, critical_alert
from bot.db.models import (
    CheckinAnswer,
    CheckinRound,
    FlowState,
    Member,
    Site,
    SiteCheckin,
    SiteCheckinStatus,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue
from bot.i18n import Translator
from bot.services import flows, members
from bot.services.errors import NotAllowed, ServiceError
from bot.services.validation import strip_controls

FLOW_CHECKIN_NOTE = "checkin_note"
CHECKIN_PREFIX = PREFIX  # ci1:<site checkin id>:<action>[:<item id>], parsed in handlers
ANSWERS = {"y": "yes", "n": "no", "a": "na"}
NOTE_MAX = 500
# A missing critical measure is news for the coordinators, sent like a notice.
PRIORITY_CRITICAL = Priority.CHECKIN_CRITICAL

# One press is one short transaction on a hot path (ten thousand operators answer within
# minutes), so it costs few round trips and no ORM bookkeeping: the check-in, its site,
# round, a pending note and its answers in one Core query (locked on PostgreSQL; SQLite's
# writer lock serialises it), the immutable checklist from a per-process cache, then one
# statement for the answer and one for the check-in's own state.


@dataclass(slots=True)
class Pressed:
    view: CheckinView
    ask_note_for: Item | None = None  # a note must (or may) be typed now
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
    items: Sequence[Item]
    answers: dict[int, Answer]
    note_pending: bool = False  # a note for one of this member's checklists is being typed

    def item(self, item_id: int | None) -> Item:
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

    def advance_from(self, item: Item) -> None:
        self.cursor = _next_cursor(self.items, set(self.answers), item.position)


# The tables for Core statements (typed as Table: __table__ is declared as a FromClause).
_SC = cast(Table, SiteCheckin.__table__)
_SITE = cast(Table, Site.__table__)
_ROUND = cast(Table, CheckinRound.__table__)
_FLOW = cast(Table, FlowState.__table__)
_ANSWER = cast(Table, CheckinAnswer.__table__)

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


def _next_cursor(items: Sequence[Item], answered: set[int], after: int) -> int:
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
    item: Item,
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
    note = " ".join(strip_controls(text).split())
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
    item: Item,
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
    item: Item,
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
