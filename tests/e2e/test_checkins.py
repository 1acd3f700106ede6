"""End to end through the emulator: a coordinator starts a check-in, an operator answers it
with buttons (a critical No with its note), the coordinators hear, /compliance shows it."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from bot.db.models import CheckinAnswer, ChecklistItem, Role, SiteCheckin
from bot.emulator import BotApiEmulator
from tests.conftest import grant, make_member, say, tap


async def press_and_wait(user, message, label: str) -> None:
    """Press a button on the checklist message and wait until the bot edited it."""
    edits = message.edit_count
    answer = await user.press(label, message=message)
    await answer.wait()
    await user.emu.wait_until(lambda: message.edit_count > edits, 10)


async def test_a_full_check_in_round(emulator: BotApiEmulator, running_bot, sessionmaker) -> None:
    await grant(
        sessionmaker, 9601, Role.COORDINATOR, provinces=("JT",), name="Citra", language="en"
    )
    await grant(sessionmaker, 9602, Role.COORDINATOR, provinces=("BA",), name="Dewa")
    operator = await make_member(sessionmaker, 1501, sites=[("stadium", "JT")])
    await make_member(sessionmaker, 1502, sites=[("stadium", "JT")])  # a second site, idle
    intruder = await make_member(sessionmaker, 1503, sites=[("mall", "BA")])
    citra, dewa = emulator.user(9601), emulator.user(9602)
    op, other = emulator.user(1501), emulator.user(intruder.telegram_user_id)

    await say(citra, "/checkin", "Ad-hoc check-in")
    await tap(citra, "Done ▶️", "Which provinces?")
    await tap(citra, "Done ▶️", "How long")
    await tap(citra, "6 h", "2 sites will get their checklist")
    await tap(citra, "▶️ Start", "Check-in round #1 started for 2 sites")

    checklist = await op.wait_for_text("Check-in langkah pengamanan")
    assert "Terjawab 0 dari 12" in checklist.text
    await press_and_wait(op, checklist, "✅ Ya")
    assert "Terjawab 1 dari 12" in checklist.text
    await press_and_wait(op, checklist, "✅ Ya")
    await press_and_wait(op, checklist, "◀️ Kembali")  # change the answer to item 2
    await press_and_wait(op, checklist, "➖ T/A")
    await press_and_wait(op, checklist, "✅ Ya")  # item 3
    assert "👉 4. CCTV berfungsi" in checklist.text
    await press_and_wait(op, checklist, "❌ Tidak")  # CCTV is critical: a note first
    assert "Butir 4 bersifat kritis" in checklist.text
    await say(op, "Kamera <gerbang utara> mati sejak 02.00", "Catatan disimpan")
    alert = await citra.wait_for_text("Critical measure missing")
    assert "Site 1501" in alert.text and "Kamera <gerbang utara> mati" in alert.text
    assert alert.protect_content
    while checklist.find_button("✅ Ya") is not None:
        await press_and_wait(op, checklist, "✅ Ya")
    assert "Semua butir terjawab" in checklist.text
    await press_and_wait(op, checklist, "📤 Kirim")
    assert "Dikirim" in checklist.text and not checklist.inline_markup

    # Someone else's buttons, forged: refused, nothing recorded for them.
    async with sessionmaker() as session:
        sc = await session.scalar(select(SiteCheckin).where(SiteCheckin.member_id == operator.id))
        item = await session.scalar(
            select(ChecklistItem).where(ChecklistItem.checklist_id == sc.checklist_id)
        )
        answers_before = len(list(await session.scalars(select(CheckinAnswer))))
    forged = await other.press_data(checklist.message_id, f"ci1:{sc.id}:y:{item.id}")
    assert "bukan untuk Anda" in (await forged.wait())["text"]
    async with sessionmaker() as session:
        assert len(list(await session.scalars(select(CheckinAnswer)))) == answers_before
    dewa.mark()
    assert not [m for m in dewa.messages if "Critical" in m.text or "kritis" in m.text]

    report = await say(citra, "/compliance", "Last round #1")
    assert "1/2 submitted (50%)" in report.text
    assert "CCTV working" in report.text  # most often missing
    citra.mark()
    await citra.press("⬇️ CSV of the check-ins")
    document = await citra.wait_for(lambda m: m.kind == "document")
    rows = list(
        csv.reader(
            io.StringIO(emulator.file_content(document.media["file_id"]).decode("utf-8-sig"))
        )
    )
    assert rows[0][0] == "round_id" and len(rows) == 3
    assert sorted((r[4], r[9], r[15]) for r in rows[1:]) == [
        ("Site 1501", "submitted", "cctv"),
        ("Site 1502", "open", ""),
    ]
    history = await say(citra, f"/compliance {sc.site_id}", "Site 1501")
    assert "submitted on time" in history.text and "gerbang utara" in history.text
    # An operator has no /compliance; a coordinator of Bali cannot see a Central Java site.
    await say(op, "/compliance", "tidak berwenang")
    await say(dewa, f"/compliance {sc.site_id}", "di luar wilayah Anda")
