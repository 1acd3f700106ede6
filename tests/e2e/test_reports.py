"""End to end: suspicious activity reports, from the reporter's draft to the coordinators'
triage, through the real bot and the Bot API emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.db.models import (
    Delivery,
    DeliveryStatus,
    FlowState,
    MemberStatus,
    Report,
    ReportAttachment,
    ReportEvent,
    Role,
    utcnow,
)
from bot.db.session import transaction
from bot.emulator import BotApiEmulator, EmulatedUser
from tests.conftest import grant, make_member, say, tap, wait_until

NOT_NOW = "Tidak, tidak ada bahaya langsung"
DANGER = "🚨 Ya, ada bahaya sekarang"


async def draft_to_review(user: EmulatedUser, *, site: str) -> None:
    """A routine report about one of the reporter's sites, up to the review."""
    await say(user, "/report", "Apakah ada orang dalam bahaya")
    await tap(user, NOT_NOW, "Apa yang Anda amati")
    await tap(user, "🟡 Pemotretan", "Apa yang terjadi?")
    await say(user, "Seorang pria memotret pintu servis selama satu jam.", "Di mana?")
    await tap(user, f"🏢 {site}", "Kapan?")
    await tap(user, "Dalam satu jam terakhir", "Orang atau kendaraan")
    await tap(user, "Lewati", "Foto, video, atau dokumen?")
    await tap(user, "Selesai ▶️", "Periksa laporan Anda")


async def submit(user: EmulatedUser) -> int:
    done = await tap(user, "✅ Kirim laporan", "diterima dan diteruskan")
    match = re.search(r"Laporan #(\d+)", done.text)
    assert match, done.text
    return int(match.group(1))


async def _report(sessionmaker, report_id: int) -> Report:
    async with sessionmaker() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        return report


async def test_full_report_with_photo_and_location_reaches_exactly_the_responsible(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), sectors=("mall",))
    await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("JI",), language="en")
    await grant(sessionmaker, 9003, Role.COORDINATOR, provinces=("JT",))
    await grant(sessionmaker, 9004, Role.COORDINATOR, sectors=("hotel",))
    await grant(sessionmaker, 9005, Role.ADMIN)
    responsible = [emulator.user(9001), emulator.user(9002)]
    others = [emulator.user(9003), emulator.user(9004), emulator.user(9005)]
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    reporter = emulator.user(101)

    intro = await say(reporter, "/report", "Apakah ada orang dalam bahaya")
    first = next(m for m in reporter.messages if m.seq > 0 and "112" in m.text)
    assert first.message_id < intro.message_id  # the emergency number comes first
    await tap(reporter, NOT_NOW, "Apa yang Anda amati")
    await tap(reporter, "🟡 Pengamatan atau pengintaian", "Apa yang terjadi?")
    description = "Pria <b>memotret</b> pintu servis & CCTV selama satu jam."
    where = await say(reporter, description, "Di mana?")
    assert "🏢 Site 101" in where.button_texts()
    place = await tap(reporter, "📍 Tempat lain", "Kirim lokasinya")
    assert place.keyboard()[0][0]["request_location"]
    reporter.mark()
    await reporter.send_location(-7.2575, 112.7521)
    await reporter.wait_for_text("Di provinsi mana?")
    await tap(reporter, "Jawa Timur", "Kapan?")
    await tap(reporter, "Dalam satu jam terakhir", "Orang atau kendaraan")
    await say(reporter, "Dua pria, Avanza hitam L 1234 AB, ke arah utara.", "Foto, video")
    reporter.mark()
    photo = await reporter.send_photo(b"\x89PNG the service entrance", caption="pintu servis")
    await reporter.wait_for_text("Lampiran diterima (1/5)")
    review = await tap(reporter, "Selesai ▶️", "Periksa laporan Anda")
    assert "Lampiran: 1" in review.text and "-7.25750, 112.75210" in review.text
    assert "Pusat perbelanjaan, Jawa Timur" in review.text
    report_id = await submit(reporter)
    assert "2 koordinator" in reporter.messages[-1].text
    assert reporter.messages[-1].keyboard() == [
        [{"text": "🚨 Lapor", "request_contact": False, "request_location": False}]
    ]

    largest = photo["photo"][-1]["file_id"]
    for coordinator in responsible:
        card = await coordinator.wait_for(lambda m: f"#{report_id}" in m.text and m.buttons())
        assert description in card.text  # as typed: escaped on the way, shown literally
        assert "Avanza hitam" in card.text and "Member 101" in card.text
        picture = await coordinator.wait_for(lambda m: m.kind == "photo")
        assert picture.media[-1]["file_id"] == largest and "pintu servis" in picture.text
        located = await coordinator.wait_for(lambda m: m.kind == "location")
        assert located.media == {"latitude": -7.2575, "longitude": 112.7521}
        assert card.message_id < picture.message_id < located.message_id
    assert "Suspicious activity report" in responsible[1].messages[0].text  # their language
    assert "Acknowledge" in responsible[1].messages[0].button_texts()[0]
    # Everything the submission queued has gone out: nothing more is on its way to anyone.
    await wait_until(lambda: _queue_empty(sessionmaker))
    for outsider in others:
        assert outsider.messages == []

    async with sessionmaker() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        assert (report.sector, report.province, report.immediate) == ("mall", "JI", False)
        assert report.category == "surveillance" and report.latitude == -7.2575
        attachments = (await session.scalars(select(ReportAttachment))).all()
        assert [(a.kind, a.file_id) for a in attachments] == [("photo", largest)]
        priorities = set((await session.scalars(select(Delivery.priority))).all())
        assert priorities == {12}
        assert await session.get(FlowState, 101) is None


async def test_immediate_shows_the_emergency_numbers_first_and_jumps_the_queue(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("BA",))
    coordinator = emulator.user(9001)
    await make_member(sessionmaker, 101, sites=[("hotel", "BA")])
    reporter = emulator.user(101)

    # The persistent button: /start shows it; its label starts a report.
    status = await say(reporter, "/start", "terdaftar")
    assert status.keyboard()[0][0]["text"] == "🚨 Lapor"
    await say(reporter, "🚨 Lapor", "Apakah ada orang dalam bahaya")
    reporter.mark()
    await reporter.press(DANGER)
    emergency = await reporter.wait_for_text("TELEPON 112 SEKARANG")
    category = await reporter.wait_for_text("Apa yang Anda amati")
    assert "polisi: 110" in emergency.text
    assert emergency.message_id < category.message_id
    await tap(reporter, "🟡 Penemuan atau pengumpulan senjata", "Apa yang terjadi?")
    await say(reporter, "Tas ditinggal di bawah tribun, ada kabel keluar.", "Di mana?")
    await tap(reporter, "🏢 Site 101", "Kapan?")
    await tap(reporter, "Sekarang, masih berlangsung", "Orang atau kendaraan")
    await tap(reporter, "Lewati", "Foto, video")
    review = await tap(reporter, "Selesai ▶️", "Periksa laporan Anda")
    assert "Ada bahaya sekarang" in review.text
    report_id = await submit(reporter)
    assert "112" in reporter.messages[-1].text

    card = await coordinator.wait_for(lambda m: f"#{report_id}" in m.text)
    assert card.text.startswith("🚨 SEGERA")
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery))).all()
        assert {d.priority for d in rows} == {-10}  # ahead of even Extreme advisories (0)
        assert (await session.get(Report, report_id)).immediate


async def test_triage_questions_and_notices_within_scope_only(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), name="Ani")
    await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("JI",), name="Bima")
    await grant(sessionmaker, 9003, Role.COORDINATOR, provinces=("JT",), name="Citra")
    ani, bima, citra = emulator.user(9001), emulator.user(9002), emulator.user(9003)
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    await make_member(sessionmaker, 102, sites=[("mall", "JI")])
    reporter, operator = emulator.user(101), emulator.user(102)
    await draft_to_review(reporter, site="Site 101")
    report_id = await submit(reporter)
    card = await ani.wait_for(lambda m: f"#{report_id}" in m.text and m.buttons())
    await bima.wait_for(lambda m: f"#{report_id}" in m.text)
    assert citra.messages == []

    # An operator cannot triage; a coordinator of another province can neither act nor see.
    forged = await operator.press_data(1, f"rt1:a:{report_id}")
    assert "tidak berwenang" in (await forged.wait())["text"]
    for action in "atqecrvm":
        refused = await citra.press_data(1, f"rt1:{action}:{report_id}")
        assert "di luar wilayah Anda" in (await refused.wait())["text"], action
    listing = await say(citra, "/reports", "Laporan terbuka di wilayah Anda")
    assert "Laporan terbuka di wilayah Anda: 0" in listing.text
    assert (await _report(sessionmaker, report_id)).status == "new"
    malformed = await ani.press_data(card.message_id, "rt1:z:1")
    assert "tidak berlaku" in (await malformed.wait())["text"]

    reporter.mark()
    await ani.press("👀 Terima", message=card)
    notice = await reporter.wait_for_text("sudah diterima koordinator")
    assert f"#{report_id}" in notice.text
    ani.mark()
    await tap(bima, "🙋 Saya tangani", "Sedang ditangani")
    await reporter.wait_for_text("sedang ditangani")
    await ani.wait_for_text("Sedang ditangani (oleh Bima)")
    again = await ani.press_data(card.message_id, f"rt1:a:{report_id}")
    assert "sudah berstatus Sedang ditangani" in (await again.wait())["text"]

    # Ask the reporter; the answer is threaded into the report and reaches who asked.
    await tap(ani, "❓ Tanya pelapor", "Ketik pertanyaan")
    reporter.mark()
    await say(ani, "Apakah pria itu masih di sana? Ke mana perginya?", "Pertanyaan dikirim")
    question = await reporter.wait_for_text("Koordinator bertanya")
    assert question.force_reply and "masih di sana" in question.text
    assert "Ani" not in question.text
    # Delivered, and its message id recorded, before the reply can be matched to it.
    await _until_sent(sessionmaker, question.message_id)
    ani.mark()
    reporter.mark()
    await reporter.send("Sudah pergi ke parkiran basement.", reply_to=question.message_id)
    await reporter.wait_for_text("jawaban Anda sudah diteruskan")
    answer = await ani.wait_for_text("Jawaban pelapor")
    assert "parkiran basement" in answer.text and "masih di sana" in answer.text

    # Escalate with an internal note, close with none: the reporter is told each change,
    # never the notes.
    await tap(ani, "🚓 Teruskan ke polisi", "catatan internal")
    reporter.mark()
    await say(ani, "Sudah lapor Polsek Tegalsari, Aiptu Budi.", "Diteruskan ke polisi")
    await reporter.wait_for_text("diteruskan ke polisi")
    await tap(ani, "✔️ Tutup", "Tutup laporan")
    await tap(ani, "Selesai", "catatan internal")
    reporter.mark()
    await tap(ani, "Tanpa catatan", "Ditutup")
    closed = await reporter.wait_for_text("ditutup")
    assert "Selesai" in closed.text
    assert not any("Polsek" in m.text or "Budi" in m.text for m in reporter.messages)
    late = await bima.press_data(card.message_id, f"rt1:a:{report_id}")
    assert "sudah ditutup" in (await late.wait())["text"]

    # History: who did what, with the internal notes, for coordinators.
    ani.mark()
    await ani.press_data(card.message_id, f"rt1:v:{report_id}")
    story = await ani.wait_for_text("Riwayat laporan")
    for expected in ("Member 101: mengirim", "Ani: status → Diterima", "Bima: status → Sedang"):
        assert expected in story.text, story.text
    assert "Polsek Tegalsari" in story.text and "parkiran basement" in story.text
    mine = await say(reporter, "/reports", "Laporan Anda")
    assert f"#{report_id}" in mine.text and "Ditutup (Selesai)" in mine.text

    async with sessionmaker() as session:
        events = (await session.scalars(select(ReportEvent).order_by(ReportEvent.id))).all()
        assert [(e.kind, e.to_state) for e in events] == [
            ("submitted", None),
            ("state", "acknowledged"),
            ("state", "in_progress"),
            ("question", None),
            ("answer", None),
            ("state", "escalated"),
            ("state", "closed"),
        ]
        report = await session.get(Report, report_id)
        assert report.closure == "resolved" and report.closed_at is not None

    # Views and the CSV: closed reports are no longer open, but are in the export.
    listing = await say(ani, "/reports province=JI", "Laporan terbuka di wilayah Anda: 0")
    ani.mark()
    await ani.press("⬇️ CSV laporan", message=listing)
    document = await ani.wait_for(lambda m: m.kind == "document")
    rows = list(
        csv.reader(
            io.StringIO(emulator.file_content(document.media["file_id"]).decode("utf-8-sig"))
        )
    )
    assert rows[0][:5] == ["report", "submitted_at", "immediate", "category", "status"]
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [(str(report_id), "closed", "resolved")]


async def _until_sent(sessionmaker, message_id: int, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with sessionmaker() as session:
            found = await session.scalar(
                select(Delivery.id).where(
                    Delivery.kind == "report_question", Delivery.message_id == message_id
                )
            )
        if found:
            return
        assert loop.time() < deadline, "the question's delivery was not recorded"
        await asyncio.sleep(0.05)


async def test_open_list_is_by_urgency_and_age_and_a_report_starts_an_advisory(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), name="Ani")
    ani = emulator.user(9001)
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    reporter = emulator.user(101)
    await draft_to_review(reporter, site="Site 101")
    routine = await submit(reporter)
    await say(reporter, "/report", "Apakah ada orang dalam bahaya")
    await tap(reporter, DANGER, "Apa yang Anda amati")
    await tap(reporter, "🔴 Ancaman terucap atau tersirat", "Apa yang terjadi?")
    await say(reporter, "Penelepon mengancam akan meledakkan pintu utara.", "Di mana?")
    await tap(reporter, "🏢 Site 101", "Kapan?")
    await tap(reporter, "Lebih awal (ketik waktunya)", "Kapan tepatnya?")
    await say(reporter, "kemarin 21.30", "Orang atau kendaraan")
    await tap(reporter, "Lewati", "Foto, video")
    await tap(reporter, "Selesai ▶️", "kemarin 21.30")
    urgent = await submit(reporter)

    listing = await say(ani, "/reports", "Laporan terbuka di wilayah Anda: 2")
    assert listing.text.index(f"#{urgent}") < listing.text.index(f"#{routine}")
    filtered = await say(ani, "/reports category=photography", "wilayah Anda: 1")
    assert f"#{routine}" in filtered.text and f"#{urgent} " not in filtered.text
    await say(ani, "/reports province=XX", "bukan penyaring")

    await tap(ani, f"#{routine}", "Laporan aktivitas mencurigakan")
    ani.mark()
    await ani.press("📝 Buat peringatan")
    intro = await ani.wait_for_text("Draf peringatan dari laporan")
    assert "Usulan judul: Pemotretan di Jawa Timur" in intro.text
    await ani.wait_for_text("Judul (5")
    await tap(ani, "Tetap, judul yang sama", "Isi peringatan")
    await tap(ani, "Tetap, isi yang sama", "Tingkat bahaya?")
    async with sessionmaker() as session:
        state = await session.get(FlowState, 9001)
        assert state is not None and state.flow == "advisory"
        assert state.data["sectors"] == ["mall"] and state.data["provinces"] == ["JI"]
        assert state.data["title"] == "Pemotretan di Jawa Timur"
        assert "memotret pintu servis" in state.data["body"]

    # Several: the open reports a (filtered) list shows, urgent first.
    await say(ani, "/cancel", "Dibatalkan")
    await say(ani, "/reports", "wilayah Anda: 2")
    ani.mark()
    await ani.press("📝 Buat peringatan dari laporan ini")
    intro = await ani.wait_for_text("Draf peringatan dari laporan")
    assert f"#{urgent}, #{routine}" in intro.text
    await ani.wait_for_text("Judul (5")
    async with sessionmaker() as session:
        data = (await session.get(FlowState, 9001)).data
        assert data["from_reports"] == [urgent, routine] and data["provinces"] == ["JI"]
        assert data["title"] == "Ancaman terucap atau tersirat: 2 laporan yang berkaitan"
        assert "meledakkan pintu utara" in data["body"] and "memotret" in data["body"]
        events = await session.scalars(
            select(ReportEvent.report_id).where(ReportEvent.kind == "advisory")
        )
        assert sorted(events.all()) == sorted([routine, urgent, routine])
    forged = await emulator.user(101).press_data(1, "rm1:_:_:_")
    assert "tidak berwenang" in (await forged.wait())["text"]


async def test_rate_limit_keeps_the_draft(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",))
    member = await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    reporter = emulator.user(101)
    async with transaction(sessionmaker) as session:
        for _ in range(10):  # the default max_per_hour
            session.add(
                Report(
                    reporter_id=member.id,
                    category="other",
                    description="earlier report",
                    sector="mall",
                    province="JI",
                    observed="now",
                    submitted_at=utcnow() - timedelta(minutes=30),
                )
            )
    await draft_to_review(reporter, site="Site 101")
    refused = await tap(reporter, "✅ Kirim laporan", "10 laporan dalam satu jam terakhir")
    assert "tetap tersimpan" in refused.text and "Periksa laporan Anda" in refused.text
    async with sessionmaker() as session:
        state = await session.get(FlowState, 101)
        assert state is not None and state.step == "review"
    # An hour later the same draft goes through.
    async with transaction(sessionmaker) as session:
        await session.execute(update(Report).values(submitted_at=utcnow() - timedelta(hours=2)))
    await submit(reporter)


async def test_restart_in_the_middle_of_a_draft_and_cancel(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",))
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    reporter = emulator.user(101)
    await say(reporter, "/report", "Apakah ada orang dalam bahaya")
    await tap(reporter, NOT_NOW, "Apa yang Anda amati")
    await tap(reporter, "🔴 Aktivitas udara, termasuk drone", "Apa yang terjadi?")

    await running_bot.stop()
    await running_bot.start(emulator)

    await say(reporter, "Drone melayang di atas parkiran selama 20 menit.", "Di mana?")
    resumed = await say(reporter, "/report", "belum selesai")
    assert "Di mana?" in resumed.text
    await tap(reporter, "🏢 Site 101", "Kapan?")
    await say(reporter, "/cancel", "Dibatalkan")
    async with sessionmaker() as session:
        assert await session.get(FlowState, 101) is None
        assert (await session.scalars(select(Report))).all() == []


async def test_oversized_and_unsupported_attachments_are_refused_and_nothing_is_lost(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",))
    coordinator = emulator.user(9001)
    await make_member(sessionmaker, 101, sites=[("mall", "JI")])
    reporter = emulator.user(101)

    await say(reporter, "dummy", "tidak sedang menunggu jawaban")  # no draft
    reporter.mark()
    await reporter.send_photo()
    await reporter.wait_for_text("mulai laporan dengan /report")

    await say(reporter, "/report", "Apakah ada orang dalam bahaya")
    await tap(reporter, NOT_NOW, "Apa yang Anda amati")
    await tap(reporter, "🔴 Sabotase, perusakan", "Apa yang terjadi?")
    # A photo sent early is kept, and the question is asked again.
    reporter.mark()
    await reporter.send_photo(b"\x89PNG early")
    kept = await reporter.wait_for_text("Lampiran diterima (1/5)")
    assert "Apa yang terjadi?" in kept.text
    await say(reporter, "Kabel CCTV di lantai dua dipotong.", "Di mana?")
    await tap(reporter, "🏢 Site 101", "Kapan?")
    await tap(reporter, "Sekarang, masih berlangsung", "Orang atau kendaraan")
    await tap(reporter, "Lewati", "sudah 1 dari paling banyak 5")

    async def refused_with(send, expected: str) -> None:
        reporter.mark()
        await send()
        message = await reporter.wait_for_text(expected)
        assert "Foto, video, atau dokumen?" in message.text  # the step, again

    await refused_with(
        lambda: reporter.send_document(
            b"MZ", file_name="tool.exe", mime_type="application/x-msdownload"
        ),
        "tidak dapat dipakai di sini",
    )
    await refused_with(
        lambda: reporter.post(
            {
                "sticker": {
                    "file_id": "S1",
                    "file_unique_id": "S1",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            }
        ),
        "tidak dapat dipakai di sini",
    )
    await refused_with(lambda: reporter.send_video(b"big", size=30 * 1024 * 1024), "lebih besar")
    await refused_with(lambda: reporter.send_location(-7.2, 112.7), "langkah")
    await refused_with(lambda: reporter.send("teks di sini"), "pilih salah satu tombol")

    for n in range(2, 6):
        reporter.mark()
        if n == 3:
            await reporter.send_video(b"clip")
        elif n == 4:
            await reporter.send_document(b"%PDF-1.7", file_name="denah.pdf")
        else:
            await reporter.send_photo(f"photo {n}".encode())
        await reporter.wait_for_text(f"Lampiran diterima ({n}/5)")
    await refused_with(lambda: reporter.send_photo(b"one too many"), "5 lampiran, batasnya")
    review = await tap(reporter, "Selesai ▶️", "Periksa laporan Anda")
    assert "Lampiran: 5" in review.text
    report_id = await submit(reporter)
    kinds = []
    for _ in range(5):
        message = await coordinator.wait_for(
            lambda m: m.kind != "text" and m.message_id > (kinds[-1][1] if kinds else 0)
        )
        kinds.append((message.kind, message.message_id))
    assert [k for k, _ in kinds] == ["photo", "photo", "video", "document", "photo"]
    async with sessionmaker() as session:
        attachments = (
            await session.scalars(
                select(ReportAttachment)
                .where(ReportAttachment.report_id == report_id)
                .order_by(ReportAttachment.position)
            )
        ).all()
        assert [a.kind for a in attachments] == ["photo", "photo", "video", "document", "photo"]
        assert attachments[3].file_name == "denah.pdf"


async def test_only_active_members_report(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await make_member(sessionmaker, 101, sites=[("mall", "JI")], status=MemberStatus.PENDING)
    await make_member(sessionmaker, 102, sites=[("mall", "JI")], status=MemberStatus.SUSPENDED)
    pending, suspended, stranger = emulator.user(101), emulator.user(102), emulator.user(103)
    await say(pending, "/report", "menunggu pemeriksaan koordinator")
    await say(suspended, "🚨 Lapor", "ditangguhkan")
    await say(stranger, "/report", "belum terdaftar")
    stranger.mark()
    await stranger.send_photo()
    await stranger.wait_for_text("belum terdaftar")
    async with sessionmaker() as session:
        assert (await session.scalars(select(FlowState))).all() == []


async def _queue_empty(sessionmaker) -> bool:
    async with sessionmaker() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]))
        )
    return waiting == 0
