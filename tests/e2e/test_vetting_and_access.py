"""End to end: invites, rejection, authorisation, suspension, leaving, restarts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.config import Settings
from bot.db.models import AuditEntry, FlowState, Invite, Member, MemberStatus, Role
from bot.db.session import transaction
from bot.emulator import BotApiEmulator
from bot.services import members
from bot.services.audit import Actor
from tests.conftest import grant, say, tap
from tests.e2e.test_registration import register


async def _member(sessionmaker, telegram_user_id: int) -> Member:
    async with sessionmaker() as session:
        return await session.scalar(
            select(Member)
            .where(Member.telegram_user_id == telegram_user_id)
            .options(selectinload(Member.sites))
        )


async def test_invite_code_registers_without_vetting(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), sectors=("mall",))
    coord = emulator.user(9001, first_name="Budi")
    # A scoped coordinator must pin the invite inside the scope.
    await say(coord, "/invite uses=2", "di dalam wilayah Anda")
    created = await say(
        coord, '/invite uses=2 days=3 sector=mall province=JI org="Pakuwon Group"', "Kode undangan"
    )
    code = re.search(r"Kode: (\S+)", created.text).group(1)
    assert f"https://t.me/perisai_test_bot?start={code}" in created.text

    rina = emulator.user(1003, first_name="Rina")
    await say(rina, f"/start {code}", "Pilih bahasa")
    assert any("Kode undangan Anda berlaku" in m.text for m in rina.messages)
    await tap(rina, "Bahasa Indonesia", "Data pribadi Anda")
    await tap(rina, "Saya setuju", "nama lengkap")
    # The organisation, sector and province come from the invite: those steps are skipped.
    await say(rina, "Rina Wulandari", "Apa peran Anda?")
    await tap(rina, "Pengelola tempat (manajer keamanan)", "Lokasi 1")
    await say(rina, "Pakuwon Mall", "Tambah lokasi lain?")
    await tap(rina, "Lanjut", "bagikan nomor telepon")
    rina.mark()
    await rina.share_contact("081234567891")
    summary = await rina.wait_for_text("Apakah semuanya sudah benar?")
    assert "Pakuwon Group" in summary.text
    assert "Pakuwon Mall — Pusat perbelanjaan, Jawa Timur" in summary.text
    await tap(rina, "✅ Kirim", "pendaftaran Anda selesai dan aktif")

    member = await _member(sessionmaker, 1003)
    assert member.status == MemberStatus.ACTIVE
    async with sessionmaker() as session:
        invite = await session.scalar(select(Invite))
        assert invite.uses == 1 and invite.code_hash != code  # only the hash is stored
    # No vetting card went out for her.
    assert not any("Rina Wulandari" in m.text for m in coord.messages)
    await say(rina, "/profile", "Profil Anda")

    # An unknown code still lets someone register, with vetting.
    await say(emulator.user(1004), "/start not-a-real-code", "tidak berlaku")


async def test_reject_with_reason_then_the_applicant_gets_status_only(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, name="Budi")
    coord = emulator.user(9001)
    eko = emulator.user(1005, first_name="Eko")
    await register(eko, name="Eko Prasetyo")
    card = await coord.wait_for(lambda m: "Eko Prasetyo" in m.text and m.button_texts())

    coord.mark()
    await coord.press("✖️ Tolak", message=card)
    await coord.wait_for_text("Mengapa pendaftaran")
    await say(coord, "x", "3 sampai 500 karakter")  # too short: asked again, nothing decided
    assert (await _member(sessionmaker, 1005)).status == MemberStatus.PENDING
    eko.mark()
    await say(coord, "Organisasi tidak dikenal", "Ditolak. Pendaftar sudah diberi tahu")
    rejected = await eko.wait_for_text("tidak disetujui")
    assert "Organisasi tidak dikenal" not in rejected.text  # internal reason stays internal

    member = await _member(sessionmaker, 1005)
    assert member.status == MemberStatus.REJECTED
    assert member.decision_reason == "Organisasi tidak dikenal"
    for command in ("/profile", "/pending", "/invite", "/language"):
        await say(eko, command, "tidak disetujui")
    await say(eko, "halo", "tidak disetujui")
    # The approve button on the old card now only says it was decided.
    coord.mark()
    answer = await coord.press("✅ Setujui", message=card)
    result = await answer.wait()
    assert "sudah diputuskan" in result["text"]
    assert (await _member(sessionmaker, 1005)).status == MemberStatus.REJECTED


async def test_operator_cannot_use_coordinator_commands_or_forge_callbacks(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",))
    await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("BA",))
    await grant(sessionmaker, 2001, Role.OPERATOR)
    operator = emulator.user(2001, first_name="Op")
    applicant = emulator.user(1006)
    await register(applicant, name="Dewi Lestari")
    pending = await _member(sessionmaker, 1006)

    for command in ("/pending", "/invite", "/suspend #1 alasan", "/reinstate #1"):
        await say(operator, command, "tidak berwenang")

    # Forged approve by an operator, by a coordinator of another province, and malformed data.
    for user_id, data, expected in (
        (2001, f"vt1:a:{pending.id}", "tidak berwenang"),
        (9002, f"vt1:a:{pending.id}", "di luar wilayah"),
        (9002, f"vt1:r:{pending.id}", "di luar wilayah"),
        (9001, "vt1:a:notanumber", "tidak berlaku"),
        (9001, "vt1:a:999999", "sudah tidak ada"),
        (2001, "pf1:rm:1", "tidak ada di profil"),
        (2001, "zz:whatever", "tidak berlaku"),
    ):
        answer = await emulator.user(user_id).press_data(1, data)
        result = await answer.wait()
        assert expected in result["text"], (user_id, data, result)
    assert (await _member(sessionmaker, 1006)).status == MemberStatus.PENDING
    async with sessionmaker() as session:
        decisions = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["approve", "reject"]))
        )
        assert decisions.all() == []
    # The scoped coordinator's /pending shows her; the other province's does not.
    await say(emulator.user(9001), "/pending", "Dewi Lestari")
    await say(emulator.user(9002), "/pending", "Tidak ada pendaftaran")


async def test_bad_answers_are_reprompted_and_html_is_shown_literally(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.ADMIN, name="Admin")
    admin = emulator.user(9001)
    user = emulator.user(1007, first_name="Andi")
    await say(user, "/start", "Pilih bahasa")
    await say(user, "halo", "pilih salah satu tombol")
    await tap(user, "Bahasa Indonesia", "Data pribadi Anda")
    await tap(user, "Saya setuju", "nama lengkap")
    await say(user, "A", "antara 2 dan 100 karakter")
    await say(user, "12345", "gunakan huruf")
    await say(user, "x" * 101, "antara 2 dan 100 karakter")
    await say(user, "<b>Andi</b> & Co", "organisasi")
    await say(user, "PT <i>Aman</i>", "Apa peran Anda?")
    await tap(user, "Pemilik atau operator infrastruktur", "Lokasi 1")
    await say(user, "Gardu <Induk>", "termasuk sektor apa?")
    await tap(user, "Energi", "Di provinsi mana")
    await tap(user, "Papua Pegunungan", "Tambah lokasi lain?")
    await tap(user, "Tambah lokasi lain", "Lokasi 2")
    await say(user, "gardu <induk>", "sudah memiliki lokasi dengan nama itu")
    await say(user, "Bendungan", "termasuk sektor apa?")
    await tap(user, "Air", "Di provinsi mana")
    await tap(user, "Bali", "Tambah lokasi lain?")
    await tap(user, "Lanjut", "bagikan nomor telepon")
    await say(user, "+628123456789", "nomor yang diketik tidak dapat diverifikasi")
    user.mark()
    await user.share_contact("+628111111111", user_id=5555)
    await user.wait_for_text("nomor telepon Anda sendiri")
    user.mark()
    await user.share_contact("+628123456789")
    summary = await user.wait_for_text("Apakah semuanya sudah benar?")
    assert "<b>Andi</b> & Co" in summary.text  # shown as typed, not as markup
    assert "Gardu <Induk> — Energi, Papua Pegunungan" in summary.text
    assert "Bendungan — Air, Bali" in summary.text
    # An old button from an earlier step no longer acts.
    old = next(m for m in user.messages if "Pilih bahasa" in m.text)
    answer = await user.press_data(old.message_id, "rg1:language:en")
    assert "tidak berlaku" in (await answer.wait())["text"]
    await tap(user, "✅ Kirim", "pendaftaran Anda sudah kami terima")
    member = await _member(sessionmaker, 1007)
    assert member.full_name == "<b>Andi</b> & Co"
    assert member.language == "id"
    assert [s.province for s in member.sites] == ["PE", "BA"]
    # No coordinator covers it, so the admin is asked.
    await admin.wait_for_text("<b>Andi</b> & Co")


async def test_cancel_and_restart_mid_registration(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    user = emulator.user(1008, first_name="Wayan", language_code="en")
    await say(user, "/start", "Choose your language")
    await tap(user, "English", "Your personal data")
    await tap(user, "I agree", "full name")
    await say(user, "/cancel", "Cancelled")
    async with sessionmaker() as session:
        assert await session.get(FlowState, 1008) is None
    await say(user, "Wayan", "not registered")

    await say(user, "/start", "Choose your language")
    await tap(user, "English", "Your personal data")
    await tap(user, "I agree", "full name")
    await say(user, "Wayan Sudarma", "organisation")

    # The bot goes down and comes back: the flow continues from the database.
    await running_bot.stop()
    await running_bot.start(emulator)
    await say(user, "Bali Hotel Group", "What is your role?")
    user.mark()
    await user.send("/start")
    await user.wait_for_text("continue your registration")
    await user.wait_for_text("What is your role?")
    await tap(user, "Infrastructure owner or operator", "Site 1")
    async with sessionmaker() as session:
        state = await session.get(FlowState, 1008)
        assert state.data["organisation"] == "Bali Hotel Group"
        assert state.data["full_name"] == "Wayan Sudarma"


async def test_suspend_reinstate_and_leave(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    await grant(sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), name="Budi")
    coord = emulator.user(9001)
    siti = emulator.user(1001, username="siti_tp")
    await register(siti)
    card = await coord.wait_for(lambda m: "Siti Rahayu" in m.text and m.button_texts())
    coord.mark()
    await coord.press("✅ Setujui", message=card)
    await siti.wait_for_text("telah disetujui")
    member = await _member(sessionmaker, 1001)

    await say(coord, "/suspend @siti_tp", "Cara pakai")
    siti.mark()
    await say(coord, f"/suspend #{member.id} laporan palsu", "ditangguhkan")
    await siti.wait_for_text("sedang ditangguhkan")
    await say(siti, "/profile", "sedang ditangguhkan")
    await emulator.wait_until(
        lambda: (
            [c["command"] for c in emulator.commands[("chat:1001", "")]]
            == ["start", "help", "privacy", "leave"]
        )
    )
    siti.mark()
    await say(coord, "/reinstate @siti_tp", "aktif kembali")
    await siti.wait_for_text("aktif kembali")
    await say(siti, "/profile", "Profil Anda")

    await say(siti, "/leave", "tidak dapat dibatalkan")
    await tap(siti, "Ya, keluar dan hapus data saya", "data pribadi Anda sudah dihapus")
    async with sessionmaker() as session:
        left = await session.get(Member, member.id)
        assert left.status == MemberStatus.LEFT
        assert (left.telegram_user_id, left.full_name, left.phone, left.username) == (None,) * 4
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target_member_id == member.id)
                .order_by(AuditEntry.id)
            )
        ).all()
        assert actions == ["register", "approve", "suspend", "reinstate", "leave"]
    await emulator.wait_until(lambda: ("chat:1001", "") not in emulator.commands)
    await say(siti, "/profile", "belum terdaftar")
    await say(coord, "/reinstate @siti_tp", "Tidak ada anggota")


async def test_menus_follow_role_and_language(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    default = emulator.commands[("default", "")]
    assert [c["command"] for c in default] == ["start", "help", "privacy"]
    assert default[0]["description"].startswith("Mendaftar")
    assert emulator.commands[("default", "en")][0]["description"].startswith("Register")
    await grant(sessionmaker, 9001, Role.COORDINATOR, language="en")
    coord = emulator.user(9001)
    await say(coord, "/help", "What you can do")
    await say(coord, "/language", "Choose your language")
    await tap(coord, "Bahasa Indonesia", "Bahasa diubah")

    # The menu follows the reply (commands are set after the messages).
    def indonesian_menu():
        menu = emulator.commands.get(("chat:9001", ""), [])
        return menu if menu and menu[-1]["description"].startswith("Keluar") else None

    menu = await emulator.wait_until(indonesian_menu)
    assert [c["command"] for c in menu][:5] == [
        "advisory",
        "advisories",
        "pending",
        "checkin",
        "compliance",
    ]
    assert menu[2]["description"] == "Pendaftaran yang menunggu verifikasi"


async def test_group_chats_are_ignored(emulator: BotApiEmulator, running_bot) -> None:
    emulator.add_group(-100123, "Security group")
    user = emulator.user(1010)
    await user.send("/start", chat_id=-100123)
    await user.send("/pending", chat_id=-100123)
    await say(user, "/start", "Pilih bahasa")  # private: answered
    assert emulator.chat_messages(-100123) == []


async def test_a_coordinator_granted_without_a_name_is_asked_first_and_can_change_it(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    async with transaction(sessionmaker) as session:
        await members.grant_role(
            session,
            telegram_user_id=4400,
            role=Role.COORDINATOR,
            actor=Actor.system("cli"),
            default_language="en",
            known_sectors=Settings().bot.sectors,
        )
    coordinator = emulator.user(4400, first_name="Budi", language_code="en")
    await say(coordinator, "/pending", "should see who you are")  # asked before anything
    await say(coordinator, "x", "full name")  # too short: the same question again
    await say(coordinator, "Budi Santoso", "organisation")
    await say(coordinator, "BNPT Jawa Timur", "Saved.")
    await say(coordinator, "/pending", "")  # now the command itself is served
    assert "should see who you are" not in coordinator.messages[-1].text
    async with sessionmaker() as session:
        member = await members.by_telegram_id(session, 4400)
        assert member is not None
        assert (member.full_name, member.organisation) == ("Budi Santoso", "BNPT Jawa Timur")

    # /profile offers to change them.
    await say(coordinator, "/profile", "Budi Santoso")
    await tap(coordinator, "✏️ Change my name", "full name")
    await say(coordinator, "Budi S. Santoso", "Saved.")
    async with sessionmaker() as session:
        member = await members.by_telegram_id(session, 4400)
        assert member is not None and member.full_name == "Budi S. Santoso"
