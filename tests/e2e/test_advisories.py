"""End to end: compose -> second approval -> delivery to exactly the audience -> acknowledge."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import (
    Advisory,
    AdvisoryRecipient,
    AuditEntry,
    Delivery,
    Member,
    MemberStatus,
    Role,
    utcnow,
)
from bot.db.session import transaction
from bot.emulator import BotApiEmulator
from tests.conftest import grant, make_member, say, tap


async def compose(coord, *, title: str, body: str, tlp: str, mode: str = "Nyata") -> None:
    await say(coord, "/advisory", "Judul")
    await say(coord, title, "Isi peringatan")
    await say(coord, body, "Tingkat bahaya?")
    await tap(coord, "Berat", "Urgensi?")
    await tap(coord, "Diperkirakan", "Kepastian?")
    await tap(coord, "Mungkin sekali", "Tindakan yang disarankan")
    await say(coord, "Perketat pemeriksaan tas di semua pintu masuk.", "Label penanganan")
    await tap(coord, tlp, "Sektor mana?")


async def test_advisory_reaches_exactly_its_audience_and_is_acknowledged(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, name="Ani")
    await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("JI",), name="Bima")
    ani, bima = emulator.user(9001), emulator.user(9002)
    mall_ji = await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    mall_ji_en = await make_member(sessionmaker, 102, sites=[("mall", "JI")], language="en")
    both = await make_member(sessionmaker, 103, sites=[("hotel", "BA"), ("mall", "JI")])
    outsiders = [
        await make_member(sessionmaker, 201, sites=[("mall", "JT")]),
        await make_member(sessionmaker, 202, sites=[("hotel", "JI")]),
        await make_member(sessionmaker, 203, sites=[("mall", "JI")], status=MemberStatus.PENDING),
        await make_member(sessionmaker, 204, sites=[("mall", "JI")], status=MemberStatus.SUSPENDED),
        await make_member(sessionmaker, 205, sites=[("mall", "JI")], status=MemberStatus.LEFT),
    ]
    users = {
        m.telegram_user_id: emulator.user(m.telegram_user_id)
        for m in [mall_ji, mall_ji_en, both, *outsiders]
    }

    await compose(
        ani,
        title="<b>Ancaman</b> & mal",
        body="Ada informasi <script> ancaman.",
        tlp="🟠 TLP:AMBER",
    )
    await tap(ani, "Pusat perbelanjaan", "Penerima: Pusat perbelanjaan di semua provinsi")
    await tap(ani, "Selesai ▶️", "Provinsi mana?")
    await tap(ani, "JI", "Pusat perbelanjaan di Jawa Timur")
    await tap(ani, "Selesai ▶️", "Berlaku berapa lama?")
    await tap(ani, "24 jam", "wajib mengonfirmasi?")
    await tap(ani, "Ya, wajib konfirmasi", "nyata atau latihan?")
    preview = await tap(ani, "Nyata", "Jumlah penerima saat ini")
    assert "Jumlah penerima saat ini: 3" in preview.text
    shown = next(m for m in reversed(ani.messages) if "TLP:AMBER" in m.text)
    assert "<b>Ancaman</b> & mal" in shown.text and "<script>" in shown.text
    assert "LATIHAN" not in shown.text
    await tap(ani, "📤 Ajukan untuk persetujuan", "diajukan")
    advisory_id = (await _advisory(sessionmaker)).id

    # The author cannot approve their own; an operator cannot approve at all.
    own = await ani.press_data(1, f"ar1:a:{advisory_id}")
    assert "sendiri" in (await own.wait())["text"]
    forged = await users[101].press_data(1, f"ar1:a:{advisory_id}")
    assert "tidak berwenang" in (await forged.wait())["text"]
    assert (await _advisory(sessionmaker)).status == "submitted"
    assert not any("TLP:AMBER" in m.text for u in users.values() for m in u.messages)

    card = await bima.wait_for(lambda m: "menunggu persetujuan Anda" in m.text and m.button_texts())
    ani.mark()
    await bima.press("✅ Setujui", message=card)
    await ani.wait_for_text("disetujui oleh Bima")

    got = {}
    for user_id in (101, 102, 103):
        got[user_id] = await users[user_id].wait_for(lambda m: "TLP:AMBER" in m.text)
    assert got[101].protect_content and got[102].protect_content
    assert "Tingkat bahaya: Berat" in got[101].text
    assert "Severity: Severe" in got[102].text  # each in their own language
    assert "<b>Ancaman</b> & mal" in got[101].text
    for outsider in outsiders:
        assert users[outsider.telegram_user_id].messages == []

    # Acknowledge: recorded, and the button shows it.
    users[101].mark()
    answer = await users[101].press("✅ Konfirmasi diterima")
    assert "tercatat" in (await answer.wait())["text"]
    await users[101].wait_for(lambda m: any("Dikonfirmasi" in t for t in m.button_texts()))
    # A forged acknowledgement for an advisory not addressed to the presser changes nothing.
    forged = await users[202].press_data(1, f"ak1:{advisory_id}")
    assert "tidak ditujukan" in (await forged.wait())["text"]
    async with sessionmaker() as session:
        acked = (
            await session.scalars(
                select(AdvisoryRecipient.member_id).where(
                    AdvisoryRecipient.acknowledged_at.is_not(None)
                )
            )
        ).all()
        assert acked == [mall_ji.id]

    # Status, then cancel with confirmation: every recipient gets a notice on their copy.
    # The worker records results in batches, a moment after the messages arrive.
    await _until(lambda: _unfinished(sessionmaker), want=False)
    await say(ani, "/advisories", "Peringatan terbaru")
    status = await tap(ani, f"#{advisory_id}", "Penerima: 3")
    assert "Dikonfirmasi: 1" in status.text
    assert "Jawa Timur: 3/3 terkirim, 1 dikonfirmasi" in status.text
    ani.mark()
    await ani.press("⬇️ CSV penerima", message=status)
    export = await ani.wait_for(lambda m: m.kind == "document")
    assert export.protect_content
    rows = list(
        csv.reader(io.StringIO(emulator.file_content(export.media["file_id"]).decode("utf-8-sig")))
    )
    assert rows[0][:5] == ["member", "name", "organisation", "provinces", "status"]
    assert [(r[0], r[4], bool(r[6])) for r in rows[1:]] == [
        (str(mall_ji.id), "sent", True),
        (str(mall_ji_en.id), "sent", False),
        (str(both.id), "sent", False),
    ]
    # An update: a new version, approved like the first, as a reply to each copy.
    await tap(ani, "✏️ Perbarui (versi baru)", "Judul")
    await tap(ani, "Tetap, judul yang sama", "Isi peringatan")
    await say(ani, "Ancaman sudah dikonfirmasi di dua mal.", "Tingkat bahaya?")
    await tap(ani, "Ekstrem", "Urgensi?")
    await tap(ani, "Segera", "Kepastian?")
    await tap(ani, "Teramati", "Tindakan yang disarankan")
    await tap(ani, "Tetap, tindakan yang sama", "Berlaku berapa lama?")
    await tap(ani, "24 jam", "wajib mengonfirmasi?")
    await tap(ani, "Ya, wajib konfirmasi", "Jumlah penerima saat ini: 3")
    draft = next(m for m in reversed(ani.messages) if "TLP:AMBER" in m.text)
    assert "versi 2" in draft.text and "dua mal" in draft.text
    await tap(ani, "📤 Ajukan untuk persetujuan", "diajukan")
    card = await bima.wait_for(
        lambda m: (
            "menunggu persetujuan Anda" in m.text
            and m.button_texts()
            and m.message_id > card.message_id
        )
    )
    await bima.press("✅ Setujui", message=card)
    second = {}
    for user_id in (101, 102, 103):
        second[user_id] = await users[user_id].wait_for(
            lambda m: (
                "dua mal" in m.text or "two malls" in m.text or "dikonfirmasi di dua" in m.text
            )
        )
        assert second[user_id].reply_to_message_id == got[user_id].message_id
    assert "versi 2" in second[101].text and "Ekstrem" in second[101].text
    assert "TLP:AMBER" in second[101].text and second[101].protect_content
    for outsider in outsiders:
        assert users[outsider.telegram_user_id].messages == []

    await _until(lambda: _unfinished(sessionmaker), want=False)
    await say(ani, "/advisories", "Peringatan terbaru")
    latest = (await _advisory(sessionmaker)).id
    status = await tap(ani, f"#{latest}", "Penerima: 3")
    await tap(ani, "❌ Batalkan peringatan ini", "Ketuk sekali lagi")
    await tap(ani, "❌ Batalkan peringatan ini", "dibatalkan")
    got = second  # the notice answers each person's newest copy
    for user_id in (101, 102, 103):
        notice = await users[user_id].wait_for(
            lambda m: "DIBATALKAN" in m.text or "CANCELLED" in m.text
        )
        assert notice.reply_to_message_id == got[user_id].message_id
    async with sessionmaker() as session:
        states = (await session.scalars(select(Advisory.status))).all()
        assert states == ["cancelled", "cancelled"]  # every version is retracted, and kept
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert [a for a in actions if a.startswith("advisory_")] == [
            "advisory_submit",
            "advisory_approve",
            "advisory_release",
            "advisory_update",
            "advisory_approve",
            "advisory_release",
            "advisory_cancel",
        ]
    late = await users[102].press("✅ Acknowledge", message=got[102])
    assert "cancelled" in (await late.wait())["text"]


async def _advisory(sessionmaker) -> Advisory:
    async with sessionmaker() as session:
        return await session.scalar(select(Advisory).order_by(Advisory.id.desc()))


async def test_emergency_exercise_red_to_named_members_only(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.ADMIN, name="Admin")
    admin = emulator.user(9001)
    named = await make_member(sessionmaker, 301, sites=[("energy", "PA")], language="en")
    same_site = await make_member(sessionmaker, 302, sites=[("energy", "PA")])
    users = {m.telegram_user_id: emulator.user(m.telegram_user_id) for m in (named, same_site)}
    operator = users[302]
    await say(operator, "/advisory", "tidak berwenang")

    await say(admin, "/advisory", "Judul")
    await say(admin, "Latihan ancaman gardu", "Isi peringatan")
    await say(admin, "y" * 2601, "antara 10 dan 2.600 karakter")
    await say(admin, "Simulasi serangan terhadap gardu induk.", "Tingkat bahaya?")
    await tap(admin, "Ekstrem", "Urgensi?")
    await tap(admin, "Segera", "Kepastian?")
    await tap(admin, "Teramati", "Tindakan yang disarankan")
    await tap(admin, "Lewati", "Label penanganan")
    await tap(admin, "🔴 TLP:RED", "nomor anggota")
    await say(admin, "#999999", "bukan anggota aktif")
    await say(admin, f"#{named.id}", "Berlaku berapa lama?")
    await tap(admin, "6 jam", "wajib mengonfirmasi?")
    await tap(admin, "Tidak", "nyata atau latihan?")
    preview = await tap(admin, "Latihan", "Jumlah penerima saat ini: 1")
    assert "⚠️ Rilis darurat sekarang" in preview.button_texts()
    await tap(admin, "⚠️ Rilis darurat sekarang", "prosedur darurat kepada 1 penerima")

    got = await users[301].wait_for(lambda m: "TLP:RED" in m.text)
    paragraphs = got.text.split("\n\n")
    assert "EXERCISE" in paragraphs[0] and "EXERCISE" in paragraphs[-1]
    assert "EMERGENCY RELEASE" in got.text
    assert got.protect_content
    assert got.button_texts() == []  # no acknowledgement asked
    assert users[302].messages[-1].text.count("tidak berwenang") == 1
    assert not any("TLP:RED" in m.text for m in users[302].messages)
    async with sessionmaker() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "advisory_emergency_release" in actions


async def test_blocking_the_bot_marks_the_member_unreachable_and_back(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    member = await make_member(sessionmaker, 401, sites=[("mall", "JI")])
    user = emulator.user(401)

    async def unreachable_at():
        async with sessionmaker() as session:
            return (await session.get(Member, member.id)).unreachable_at

    emulator.block(401, notify=True)
    await _until(lambda: unreachable_at(), want=True)
    emulator.unblock(401, notify=True)
    await _until(lambda: unreachable_at(), want=False)
    emulator.block(401, notify=True)
    await _until(lambda: unreachable_at(), want=True)
    emulator.unblock(401)
    await say(user, "/profile", "Profil Anda")  # writing to the bot clears it too
    assert await unreachable_at() is None


async def _until(probe, *, want: bool, within: float = 10.0) -> None:
    """Poll the database (it has no change events) until the probe's truth is ``want``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while bool(await probe()) != want:
        assert loop.time() < deadline, f"condition not {want} within {within}s"
        await asyncio.sleep(0.05)


async def _unfinished(sessionmaker) -> int:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Delivery.id).where(Delivery.status.in_(["queued", "sending"]))
        )
        return len(rows.all())


async def test_reminder_then_escalation_reach_people_through_the_bot(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    """Time is moved by moving the release back: no waiting on the clock."""
    from bot.runtime import Runtime
    from bot.scheduling import run_advisory_due

    await grant(sessionmaker, 9001, Role.COORDINATOR, name="Ani")
    await grant(sessionmaker, 9002, Role.COORDINATOR, name="Bima")
    ani, bima = emulator.user(9001), emulator.user(9002)
    quiet = await make_member(sessionmaker, 501, sites=[("stadium", "JB")])
    users = {501: emulator.user(501)}
    await say(ani, "/advisory", "Judul")
    await say(ani, "Pertandingan besar Sabtu", "Isi peringatan")
    await say(ani, "Perketat pemeriksaan penonton.", "Tingkat bahaya?")
    await tap(ani, "Sedang", "Urgensi?")
    await tap(ani, "Mendatang", "Kepastian?")
    await tap(ani, "Mungkin", "Tindakan yang disarankan")
    await tap(ani, "Lewati", "Label penanganan")
    await tap(ani, "🟢 TLP:GREEN", "Sektor mana?")
    await tap(ani, "Selesai ▶️", "Provinsi mana?")
    await tap(ani, "Selesai ▶️", "Berlaku berapa lama?")
    await tap(ani, "7 hari", "wajib mengonfirmasi?")
    await tap(ani, "Ya, wajib konfirmasi", "nyata atau latihan?")
    await tap(ani, "Nyata", "Jumlah penerima saat ini: 1")
    await tap(ani, "📤 Ajukan untuk persetujuan", "diajukan")
    card = await bima.wait_for(lambda m: "menunggu persetujuan Anda" in m.text and m.button_texts())
    await bima.press("✅ Setujui", message=card)
    copy = await users[501].wait_for(lambda m: "TLP:GREEN" in m.text)
    assert not copy.protect_content  # GREEN may be forwarded
    await _until(lambda: _unfinished(sessionmaker), want=False)

    runtime = Runtime.from_settings(running_bot.settings)
    try:
        for minutes, expect in ((16, "Pengingat"), (61, "Pengingat")):
            async with transaction(sessionmaker) as session:
                advisory = await session.scalar(select(Advisory))
                advisory.released_at = utcnow() - timedelta(minutes=minutes)
            users[501].mark()
            assert await run_advisory_due(runtime) >= 1
            reminder = await users[501].wait_for(lambda m, e=expect: e in m.text)
            assert reminder.reply_to_message_id == copy.message_id
            assert reminder.button_texts() == ["✅ Konfirmasi diterima"]
        # After the last reminder, the coordinators get who has not acknowledged, per province.
        for coordinator in (ani, bima):
            escalation = await coordinator.wait_for(lambda m: "belum mengonfirmasi" in m.text)
            assert "Jawa Barat" in escalation.text and f"#{quiet.id}" in escalation.text
        assert await run_advisory_due(runtime) == 0  # nothing is sent twice
    finally:
        await runtime.engine.dispose()
