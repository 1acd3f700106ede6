"""Check-in services with a controllable clock: nothing here waits on real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot import checkins
from bot.checkins import checklists, compliance
from bot.config import Settings
from bot.db.models import (
    CheckinAnswer,
    CheckinRound,
    CheckinSchedule,
    Delivery,
    FlowState,
    Member,
    Role,
    SiteCheckin,
)
from bot.db.session import transaction
from bot.i18n import Translator
from bot.reference import WIB, WIT, WITA
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, ServiceError
from tests.conftest import grant, make_member

SECTORS = Settings().bot.sectors
T = Translator("id")
REMIND = timedelta(minutes=120)
# Monday 30 November 2026, 08:00 in each zone, in UTC.
MON_0800_WIT = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
MON_0800_WITA = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
MON_0800_WIB = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


async def run_due(sessionmaker, now: datetime) -> checkins.Due:
    async with transaction(sessionmaker) as session:
        return await checkins.run_due(
            session, now=now, translator=T, known_sectors=SECTORS, reminder_before=REMIND
        )


async def add_schedule(sessionmaker, cron: str, *, provinces=(), sectors=(), created=None):
    async with transaction(sessionmaker) as session:
        schedule = await checkins.add_schedule(
            session,
            name="weekly",
            cron=cron,
            sectors=list(sectors),
            provinces=list(provinces),
            deadline_hours=24,
            known_sectors=SECTORS,
            actor=Actor.system("test"),
        )
        schedule.created_at = created or datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        return schedule.id


async def rows(sessionmaker, model, *where):
    async with sessionmaker() as session:
        return list(await session.scalars(select(model).where(*where).order_by(model.id)))


async def press(sessionmaker, member_id, sc_id, action, item_id=None, now=None):
    async with transaction(sessionmaker) as session:
        member = await session.get(Member, member_id)
        return await checkins.press(
            session,
            member=member,
            site_checkin_id=sc_id,
            action=action,
            item_id=item_id,
            now=now or datetime.now(UTC),
            chat_id=member.telegram_user_id,
            message_id=77,
            translator=T,
        )


async def items_of(sessionmaker, sc_id):
    async with sessionmaker() as session:
        sc = await session.get(SiteCheckin, sc_id)
        return list(await checklists.items_of(session, sc.checklist_id))


async def answer_all(sessionmaker, member_id, sc_id, *, no: set[str] = frozenset(), now=None):
    """Answer every item Yes (or No with a note for the keys in ``no``) and submit."""
    for item in await items_of(sessionmaker, sc_id):
        if item.key in no:
            pressed = await press(sessionmaker, member_id, sc_id, "n", item.id, now)
            if pressed.ask_note_for is not None:
                async with transaction(sessionmaker) as session:
                    member = await session.get(Member, member_id)
                    state = await session.get(FlowState, member.telegram_user_id)
                    await checkins.take_note(
                        session,
                        member=member,
                        state=state,
                        text=f"{item.key} broken",
                        now=now or datetime.now(UTC),
                        translator=T,
                    )
        else:
            await press(sessionmaker, member_id, sc_id, "y", item.id, now)
    return await press(sessionmaker, member_id, sc_id, "s", None, now)


def test_cron_weekdays_are_read_as_crontab_does() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    monday = checkins.next_slot(checkins.cron_trigger("0 8 * * 1", WIB), saturday)
    assert monday == MON_0800_WIB
    sunday = checkins.next_slot(checkins.cron_trigger("30 6 * * 0", WIB), saturday)
    assert sunday.astimezone(UTC) == datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    assert checkins.next_slot(checkins.cron_trigger("30 6 * * 7", WIB), saturday) == sunday
    weekdays = checkins.cron_trigger("0 8 * * 1-5", WITA)
    assert checkins.next_slot(weekdays, saturday) == MON_0800_WITA
    for bad in ("0 8 * *", "0 25 * * *", "0 8 * * 9", "x y z a b"):
        with pytest.raises(ServiceError):
            checkins.cron_trigger(bad, WIB)


def test_the_latest_missed_slot_is_found_after_long_downtime() -> None:
    every_minute = checkins.cron_trigger("* * * * *", WIB)
    now = datetime(2026, 11, 30, 1, 0, 30, tzinfo=UTC)
    year_ago = now - timedelta(days=365)
    assert checkins.latest_slot(every_minute, year_ago, now) == now.replace(second=0)
    yearly = checkins.cron_trigger("0 8 1 1 *", WIB)  # 1 January, 08:00 WIB
    assert checkins.latest_slot(yearly, year_ago, now) == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert checkins.latest_slot(yearly, datetime(2026, 2, 1, tzinfo=UTC), now) is None


async def test_a_round_starts_at_0800_local_in_each_time_zone(sessionmaker) -> None:
    wib = await make_member(sessionmaker, 101, sites=[("mall", "JK")])
    wita = await make_member(sessionmaker, 102, sites=[("mall", "BA")])
    wit = await make_member(sessionmaker, 103, sites=[("mall", "PA")])
    await make_member(sessionmaker, 104, sites=[("stadium", "JK")])  # other sector
    schedule_id = await add_schedule(sessionmaker, "0 8 * * 1", sectors=["mall"])

    due = await run_due(sessionmaker, MON_0800_WIT - timedelta(minutes=1))
    assert due.rounds == []
    expected = [(MON_0800_WIT, WIT, wit), (MON_0800_WITA, WITA, wita), (MON_0800_WIB, WIB, wib)]
    for moment, zone, member in expected:
        due = await run_due(sessionmaker, moment)
        assert [(r.round.zone, r.round.scheduled_at, r.sites) for r in due.rounds] == [
            (zone, moment, 1)
        ]
        created = due.rounds[0].round
        assert created.deadline_at == moment + timedelta(hours=24)
        assert not created.catch_up and created.schedule_id == schedule_id
        checkins_ = await rows(sessionmaker, SiteCheckin, SiteCheckin.round_id == created.id)
        assert [sc.member_id for sc in checkins_] == [member.id]
        sent = await rows(sessionmaker, Delivery, Delivery.site_checkin_id == checkins_[0].id)
        assert [(d.kind, d.chat_id) for d in sent] == [("checkin", member.telegram_user_id)]
        assert sent[0].priority > 36  # below every advisory
        assert "Check-in langkah pengamanan" in sent[0].text
        # Nothing more at the same moment: the slot has its round.
        assert (await run_due(sessionmaker, moment + timedelta(seconds=30))).rounds == []


async def test_downtime_across_two_slots_leads_to_one_catch_up_round(sessionmaker) -> None:
    await make_member(sessionmaker, 201, sites=[("hotel", "JK")])
    await add_schedule(sessionmaker, "0 8 * * *", provinces=["JK"])
    first = await run_due(sessionmaker, MON_0800_WIB)
    assert len(first.rounds) == 1
    # Down from Monday 09:00 until Wednesday 12:00 WIB: Tuesday's and Wednesday's slots missed.
    back = MON_0800_WIB + timedelta(days=2, hours=4)
    due = await run_due(sessionmaker, back)
    assert len(due.rounds) == 1
    caught = due.rounds[0].round
    assert caught.catch_up
    assert caught.scheduled_at == MON_0800_WIB + timedelta(days=2)  # the latest missed slot
    assert caught.deadline_at == back + timedelta(hours=24)  # the full time to answer
    assert (await run_due(sessionmaker, back + timedelta(minutes=1))).rounds == []
    assert len(await rows(sessionmaker, CheckinRound)) == 2


async def test_a_new_schedule_does_not_start_with_a_past_slot(sessionmaker) -> None:
    await make_member(sessionmaker, 211, sites=[("hotel", "JK")])
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JK"], created=MON_0800_WIB)
    assert (await run_due(sessionmaker, MON_0800_WIB + timedelta(days=3))).rounds == []
    assert len((await run_due(sessionmaker, MON_0800_WIB + timedelta(days=7))).rounds) == 1


async def test_two_instances_create_each_round_once(sessionmaker) -> None:
    await make_member(sessionmaker, 301, sites=[("mall", "JK"), ("mall", "JB")])
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JK", "JB"])
    results = await asyncio.gather(*(run_due(sessionmaker, MON_0800_WIB) for _ in range(4)))
    assert sum(len(r.rounds) for r in results) == 1
    assert len(await rows(sessionmaker, CheckinRound)) == 1
    assert len(await rows(sessionmaker, SiteCheckin)) == 2
    assert len(await rows(sessionmaker, Delivery, Delivery.kind == "checkin")) == 2


async def test_reminder_then_overdue_list_at_the_right_moments(sessionmaker) -> None:
    done = await make_member(sessionmaker, 401, sites=[("mall", "JI")])
    slow = await make_member(sessionmaker, 402, sites=[("mall", "JI")])
    await grant(sessionmaker, 9401, Role.COORDINATOR, provinces=("JI",), name="Coord JI")
    await grant(sessionmaker, 9402, Role.COORDINATOR, provinces=("BA",), name="Coord BA")
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JI"])
    created = (await run_due(sessionmaker, MON_0800_WIB)).rounds[0].round
    deadline = created.deadline_at
    ours = {
        sc.member_id: sc
        for sc in await rows(sessionmaker, SiteCheckin, SiteCheckin.round_id == created.id)
    }
    async with transaction(sessionmaker) as session:  # the checklist was delivered
        await session.execute(
            update(Delivery).where(Delivery.kind == "checkin").values(message_id=Delivery.id + 500)
        )
    await answer_all(sessionmaker, done.id, ours[done.id].id, now=MON_0800_WIB + timedelta(hours=1))

    before = await run_due(sessionmaker, deadline - REMIND - timedelta(seconds=1))
    assert (before.reminders, before.escalations) == (0, 0)
    due = await run_due(sessionmaker, deadline - REMIND)
    assert (due.reminders, due.escalations) == (1, 0)
    reminders = await rows(sessionmaker, Delivery, Delivery.kind == "checkin_reminder")
    checklist_message = await rows(
        sessionmaker,
        Delivery,
        Delivery.site_checkin_id == ours[slow.id].id,
        Delivery.kind == "checkin",
    )
    assert [(r.chat_id, r.reply_to_message_id) for r in reminders] == [
        (402, checklist_message[0].message_id)
    ]
    assert (await run_due(sessionmaker, deadline - timedelta(minutes=1))).reminders == 0

    due = await run_due(sessionmaker, deadline)
    assert due.escalations == 1
    overdue = await rows(sessionmaker, Delivery, Delivery.kind == "checkin_overdue")
    assert [d.chat_id for d in overdue] == [9401]  # not the coordinator of Bali
    assert "Site 402" in overdue[0].text and "Site 401" not in overdue[0].text
    assert (await run_due(sessionmaker, deadline + timedelta(hours=1))).escalations == 0


async def test_a_critical_no_needs_a_note_and_notifies_the_province_at_once(sessionmaker) -> None:
    operator = await make_member(sessionmaker, 501, sites=[("stadium", "JT")])
    await grant(sessionmaker, 9501, Role.COORDINATOR, provinces=("JT",))
    await grant(sessionmaker, 9502, Role.COORDINATOR, provinces=("JB",))
    async with transaction(sessionmaker) as session:
        coordinator = await session.scalar(select(Member).where(Member.telegram_user_id == 9501))
        created = await checkins.launch(
            session,
            coordinator=coordinator,
            sectors=[],
            provinces=[],
            deadline_hours=6,
            now=datetime.now(UTC),
            translator=T,
            known_sectors=SECTORS,
            reminder_before=REMIND,
        )
    (sc,) = await rows(sessionmaker, SiteCheckin, SiteCheckin.round_id == created.round.id)
    cctv = next(i for i in await items_of(sessionmaker, sc.id) if i.key == "cctv")
    assert cctv.critical
    pressed = await press(sessionmaker, operator.id, sc.id, "n", cctv.id)
    assert pressed.ask_note_for is not None and pressed.ask_note_for.id == cctv.id
    assert await rows(sessionmaker, CheckinAnswer) == []  # not counted without its note
    assert await rows(sessionmaker, Delivery, Delivery.kind == "checkin_alert") == []

    async with transaction(sessionmaker) as session:
        member = await session.get(Member, operator.id)
        state = await session.get(FlowState, 501)
        with pytest.raises(ServiceError, match="checkin-error-note-long"):
            await checkins.take_note(
                session,
                member=member,
                state=state,
                text="x" * 501,
                now=datetime.now(UTC),
                translator=T,
            )
    async with transaction(sessionmaker) as session:
        member = await session.get(Member, operator.id)
        state = await session.get(FlowState, 501)
        view, chat, message = await checkins.take_note(
            session,
            member=member,
            state=state,
            text="Camera 3 <north gate> dark since 02:00",
            now=datetime.now(UTC),
            translator=T,
        )
    assert (chat, message, view.done) == (501, 77, 1)
    (answer,) = await rows(sessionmaker, CheckinAnswer)
    assert (answer.answer, answer.note) == ("no", "Camera 3 <north gate> dark since 02:00")
    alerts = await rows(sessionmaker, Delivery, Delivery.kind == "checkin_alert")
    assert [a.chat_id for a in alerts] == [9501]
    assert "Site 501" in alerts[0].text and "&lt;north gate&gt;" in alerts[0].text
    assert "CCTV" in alerts[0].text and alerts[0].protect_content
    assert alerts[0].priority < 36  # ahead of routine advisories
    assert await session_flow(sessionmaker, 501) is None


async def session_flow(sessionmaker, user_id):
    async with sessionmaker() as session:
        return await session.get(FlowState, user_id)


async def test_forged_and_late_answers(sessionmaker) -> None:
    owner = await make_member(sessionmaker, 601, sites=[("hotel", "BA")])
    other = await make_member(sessionmaker, 602, sites=[("hotel", "BA")])
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["BA"])
    created = (await run_due(sessionmaker, MON_0800_WITA)).rounds[0].round
    theirs = {sc.member_id: sc for sc in await rows(sessionmaker, SiteCheckin)}
    item = (await items_of(sessionmaker, theirs[owner.id].id))[0]
    with pytest.raises(NotAllowed):
        await press(sessionmaker, other.id, theirs[owner.id].id, "y", item.id)
    with pytest.raises(ServiceError, match="checkin-error-incomplete"):
        await press(sessionmaker, owner.id, theirs[owner.id].id, "s")
    late = created.deadline_at + timedelta(hours=2)
    pressed = await answer_all(sessionmaker, owner.id, theirs[owner.id].id, now=late)
    assert pressed.submitted and pressed.view.late
    answers = await rows(sessionmaker, CheckinAnswer)
    assert answers and all(a.late for a in answers)
    with pytest.raises(ServiceError, match="checkin-error-submitted"):
        await press(sessionmaker, owner.id, theirs[owner.id].id, "y", item.id)


async def test_changing_an_answer_updates_it_back_and_note(sessionmaker) -> None:
    owner = await make_member(sessionmaker, 651, sites=[("hotel", "BA")])
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["BA"])
    created = (await run_due(sessionmaker, MON_0800_WITA)).rounds[0].round
    (sc,) = await rows(sessionmaker, SiteCheckin)
    first = next(i for i in await items_of(sessionmaker, sc.id) if not i.critical)
    on_time = MON_0800_WITA + timedelta(minutes=5)
    pressed = await press(sessionmaker, owner.id, sc.id, "n", first.id, now=on_time)
    assert pressed.view.cursor == first.position + 1
    pressed = await press(sessionmaker, owner.id, sc.id, "m", first.id, now=on_time)  # optional
    assert pressed.ask_note_for is not None and pressed.ask_note_for.id == first.id
    async with transaction(sessionmaker) as session:
        member = await session.get(Member, owner.id)
        state = await session.get(FlowState, 651)
        view, _, _ = await checkins.take_note(
            session, member=member, state=state, text="gate 2", now=on_time, translator=T
        )
    assert view.answers[first.id].note == "gate 2"
    pressed = await press(sessionmaker, owner.id, sc.id, "b", now=on_time)
    assert pressed.view.cursor == first.position
    # A plain No again keeps the note; a Yes after the deadline clears it and is late.
    await press(sessionmaker, owner.id, sc.id, "n", first.id, now=on_time)
    (answer,) = await rows(sessionmaker, CheckinAnswer)
    assert (answer.answer, answer.note, answer.late) == ("no", "gate 2", False)
    late = created.deadline_at + timedelta(minutes=1)
    pressed = await press(sessionmaker, owner.id, sc.id, "y", first.id, now=late)
    (answer,) = await rows(sessionmaker, CheckinAnswer)
    assert (answer.answer, answer.note, answer.late) == ("yes", None, True)
    assert pressed.view.answers[first.id].answer == "yes" and pressed.view.done == 1
    assert pressed.view.cursor == first.position + 1  # the next unanswered item
    async with sessionmaker() as session:
        assert (await session.get(SiteCheckin, sc.id)).cursor == first.position + 1


async def test_compliance_figures_match_the_answers(sessionmaker) -> None:
    ops = [await make_member(sessionmaker, 700 + i, sites=[("mall", "JI")]) for i in range(3)]
    other = await make_member(sessionmaker, 710, sites=[("mall", "BA")])
    coord = await grant(sessionmaker, 9701, Role.COORDINATOR, provinces=("JI",))
    outsider = await grant(sessionmaker, 9702, Role.COORDINATOR, provinces=("JK",))
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JI", "BA"])
    await run_due(sessionmaker, MON_0800_WITA)
    created = (await run_due(sessionmaker, MON_0800_WIB)).rounds[0].round
    sc = {s.member_id: s for s in await rows(sessionmaker, SiteCheckin)}
    now = MON_0800_WIB + timedelta(hours=2)
    await answer_all(sessionmaker, ops[0].id, sc[ops[0].id].id, now=now)
    await answer_all(sessionmaker, ops[1].id, sc[ops[1].id].id, no={"kits", "cctv"}, now=now)
    await answer_all(sessionmaker, other.id, sc[other.id].id, no={"kits"}, now=now)
    later = created.deadline_at + timedelta(hours=1)

    async with sessionmaker() as session:
        coordinator = await session.get(Member, coord.id)
        summary = await compliance.summary(session, coordinator=coordinator, now=later, weeks=8)
        assert summary.last_round.id == created.id
        assert [(s, p, r.submitted, r.total) for s, p, r in summary.last_by_area] == [
            ("mall", "JI", 2, 3)
        ]
        assert [(r.submitted, r.total) for _, r in summary.weekly] == [(2, 3)]
        assert [(key, no, n) for key, _, _, no, n in summary.top_no] == [
            ("cctv", 1, 2),
            ("kits", 1, 2),
        ]
        assert summary.overdue_total == 1
        assert [site.name for site, _, _ in summary.overdue] == ["Site 702"]
        exported = await compliance.export_rows(
            session, coordinator=coordinator, now=later, weeks=8
        )
        assert sorted((r[4], r[9], r[13], r[15]) for r in exported) == [
            ("Site 700", "submitted", "0", ""),
            ("Site 701", "submitted", "2", "cctv kits"),
            ("Site 702", "open", "0", ""),
        ]
        site, history = await compliance.site_history(
            session, coordinator=coordinator, site_id=sc[ops[1].id].site_id
        )
        assert site.name == "Site 701"
        assert [[i.key for i, _ in e.no_items] for e in history] == [["cctv", "kits"]]
        stranger = await session.get(Member, outsider.id)
        assert (
            await compliance.summary(session, coordinator=stranger, now=later, weeks=8)
        ).last_round is None
        with pytest.raises(NotAllowed):
            await compliance.site_history(
                session, coordinator=stranger, site_id=sc[ops[1].id].site_id
            )


async def test_checklist_import_versions_and_rounds_keep_theirs(sessionmaker) -> None:
    operator = await make_member(sessionmaker, 801, sites=[("stadium", "JK")])
    await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JK"])
    await run_due(sessionmaker, MON_0800_WIB)
    (sc,) = await rows(sessionmaker, SiteCheckin)
    before = await items_of(sessionmaker, sc.id)
    assert {"search_regime", "crowd_egress", "briefed"} <= {i.key for i in before}
    specs = checklists.parse(
        """
        [sectors.stadium]
        items = [ { key = "only", critical = true, id = "Satu", en = "One" } ]
        [sectors."*"]
        mode = "extend"
        items = [ { key = "drone", id = "Drone diawasi", en = "Drones watched" } ]
        """,
        SECTORS,
    )
    async with transaction(sessionmaker) as session:
        created = await checklists.import_specs(
            session, specs, source="test.toml", known_sectors=SECTORS
        )
    assert created["stadium"].version == 2 and created["mall"].version == 2
    async with sessionmaker() as session:
        stadium = await checklists.current(session, "stadium", SECTORS)
        mall = await checklists.current(session, "mall", SECTORS)
        # "*" is applied first, then the sector's own table: replace wins for the stadium.
        assert [i.key for i in stadium.items] == ["only"]
        assert mall.items[-1].key == "drone" and len(mall.items) == 12
    assert [i.key for i in await items_of(sessionmaker, sc.id)] == [i.key for i in before]
    await run_due(sessionmaker, MON_0800_WIB + timedelta(days=7))
    newest = (await rows(sessionmaker, SiteCheckin))[-1]
    assert [i.key for i in await items_of(sessionmaker, newest.id)] == ["only"]
    assert operator.id == newest.member_id
    for bad, message in (
        ("[sectors.nope]\nitems=[{key='a', id='a', en='a'}]", "unknown sector"),
        ("[sectors.mall]\nitems=[]", "non-empty"),
        ("[sectors.mall]\nitems=[{key='a', id='', en='a'}]", "id"),
        ("not toml [", "TOML"),
    ):
        with pytest.raises(checklists.ChecklistFileError, match=message):
            checklists.parse(bad, SECTORS)


async def test_inactive_schedules_and_members_are_left_out(sessionmaker) -> None:
    await make_member(sessionmaker, 901, sites=[("mall", "JK")])
    from bot.db.models import MemberStatus

    await make_member(sessionmaker, 902, sites=[("mall", "JK")], status=MemberStatus.SUSPENDED)
    schedule_id = await add_schedule(sessionmaker, "0 8 * * 1", provinces=["JK"])
    assert [r.sites for r in (await run_due(sessionmaker, MON_0800_WIB)).rounds] == [1]
    async with transaction(sessionmaker) as session:
        await checkins.remove_schedule(session, schedule_id=schedule_id, actor=Actor.system("t"))
    assert (await run_due(sessionmaker, MON_0800_WIB + timedelta(days=7))).rounds == []
    async with sessionmaker() as session:
        count = await session.scalar(select(func.count(CheckinSchedule.id)))
    assert count == 1
