"""End to end: the real bot over HTTP against the emulator, acting as several users."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEntry, Consent, Member, MemberStatus, Role
from bot.db.session import transaction
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.services import members
from tests.conftest import grant, say, tap


async def register(
    user: EmulatedUser,
    *,
    english: bool = False,
    name: str = "Siti Rahayu",
    organisation: str = "Tunjungan Plaza",
    site: str = "Tunjungan Plaza 6",
    sector: str = "Pusat perbelanjaan",
    province: str = "Jawa Timur",
    start: str = "/start",
    submit: bool = True,
) -> None:
    """Walk the whole registration as a person would, checking each prompt."""
    await say(user, start, "Pilih bahasa / Choose your language")
    if english:
        await tap(user, "English", "Your personal data")
        await tap(user, "I agree", "full name")
        await say(user, name, "organisation")
        await say(user, organisation, "What is your role?")
        await tap(user, "Venue operator (security manager)", "Site 1")
        await say(user, site, "Which sector")
        await tap(user, "Shopping centres", "In which province")
        await tap(user, "East Java", "Add another site?")
        await tap(user, "Continue", "share your phone number")
        user.mark()
        await user.share_contact("6281234567890")
        await user.wait_for_text("Is everything correct?")
        if submit:
            await tap(user, "✅ Submit", "registration has been received")
        return
    await tap(user, "Bahasa Indonesia", "Data pribadi Anda")
    await tap(user, "Saya setuju", "nama lengkap")
    await say(user, name, "organisasi")
    await say(user, organisation, "Apa peran Anda?")
    await tap(user, "Pengelola tempat (manajer keamanan)", "Lokasi 1")
    await say(user, site, "termasuk sektor apa?")
    await tap(user, sector, "Di provinsi mana")
    await tap(user, province, "Tambah lokasi lain?")
    await tap(user, "Lanjut", "bagikan nomor telepon")
    user.mark()
    await user.share_contact("+62 812 3456 7890")
    await user.wait_for_text("Apakah semuanya sudah benar?")
    if submit:
        await tap(user, "✅ Kirim", "pendaftaran Anda sudah kami terima")


async def test_two_users_register_in_parallel_and_a_coordinator_approves(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    coordinator = await grant(
        sessionmaker, 9001, Role.COORDINATOR, provinces=("JI",), name="Budi Koordinator"
    )
    outsider = await grant(sessionmaker, 9002, Role.COORDINATOR, provinces=("BA",))
    coord_user = emulator.user(9001, first_name="Budi")
    emulator.user(9002, first_name="Made")
    siti = emulator.user(1001, first_name="Siti", username="siti_tp")
    john = emulator.user(1002, first_name="John", language_code="en")

    await asyncio.gather(
        register(siti),
        register(john, english=True, name="John Smith", organisation="Galaxy Mall"),
    )

    # Both registrations reach the East Java coordinator, each as a card with buttons.
    card = await coord_user.wait_for(lambda m: "Siti Rahayu" in m.text and m.button_texts())
    await coord_user.wait_for(lambda m: "John Smith" in m.text and m.button_texts())
    assert "Tunjungan Plaza 6 — Pusat perbelanjaan, Jawa Timur" in card.text
    assert "+6281234567890" in card.text
    # ... and not the Bali coordinator.
    assert not emulator.user(9002).messages

    async with sessionmaker() as session:
        pending = (await session.scalars(select(Member).where(Member.status == "pending"))).all()
        assert {m.full_name for m in pending} == {"Siti Rahayu", "John Smith"}
        john_member = next(m for m in pending if m.full_name == "John Smith")
        assert john_member.language == "en"
        consents = await session.scalar(select(func.count()).select_from(Consent))
        assert consents == 2

    # A pending applicant gets a polite status and nothing else.
    await say(siti, "/profile", "menunggu pemeriksaan koordinator")

    coord_user.mark()
    siti.mark()
    await coord_user.press("✅ Setujui", message=card)
    await coord_user.wait_for_text("Disetujui oleh Budi Koordinator")
    await siti.wait_for_text("telah disetujui")
    profile = await say(siti, "/profile", "Profil Anda")
    assert "Tunjungan Plaza" in profile.text

    async with sessionmaker() as session:
        siti_member = await session.scalar(select(Member).where(Member.telegram_user_id == 1001))
        assert siti_member.status == MemberStatus.ACTIVE
        assert siti_member.decided_by_id == coordinator.id
        assert siti_member.phone == "+6281234567890"
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_member_id == siti_member.id)
            )
        ).all()
        assert actions == ["register", "approve"]
    assert outsider.id != coordinator.id

    # The approved member's menu is the operator's, in her language.
    await emulator.wait_until(
        lambda: (
            [c["command"] for c in emulator.commands.get(("chat:1001", ""), [])]
            == [
                "report",
                "reports",
                "advisories",
                "profile",
                "language",
                "help",
                "privacy",
                "cancel",
                "leave",
            ]
        )
    )


# Words that only one of the two catalogs uses in the registration messages.
INDONESIAN_WORDS = {"Anda", "yang", "untuk", "sudah", "dengan", "Terima", "nomor"}
ENGLISH_WORDS = {"your", "the", "Thank", "You", "number", "Please"}


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", text))


@pytest.mark.parametrize(("phone_language", "chosen"), [("id", "en"), ("en", "id")])
async def test_every_registration_message_is_in_the_chosen_language(
    emulator: BotApiEmulator, running_bot, phone_language: str, chosen: str
) -> None:
    user = emulator.user(3100, first_name="Dewi", language_code=phone_language)
    await register(user, english=chosen == "en", submit=True)
    choice = next(i for i, m in enumerate(user.messages) if "Choose your language" in m.text)
    after = user.messages[choice + 1 :]
    assert len(after) >= 10  # one message per step at least
    foreign = INDONESIAN_WORDS if chosen == "en" else ENGLISH_WORDS
    for message in after:
        assert not words_of(message.text) & foreign, message.text


async def test_help_explains_perisai_to_someone_new_and_lists_a_members_commands(
    emulator: BotApiEmulator, running_bot, sessionmaker
) -> None:
    stranger = emulator.user(3200, first_name="Rudi", language_code="en")
    answer = await say(stranger, "/help", "Perisai")
    for part in ("/start", "vetting", "/privacy", "Questions or problems"):
        assert part in answer.text, part
    privacy = await say(stranger, "/privacy", "Your data in Perisai")
    assert "UU 27/2022" in privacy.text and "/leave" in privacy.text

    member = emulator.user(3201, first_name="Wati", language_code="id")
    await register(member, submit=True)
    pending = await say(member, "/help", "Pertanyaan atau kendala")
    assert "/leave" in pending.text and "/report" not in pending.text  # waiting for vetting
    async with transaction(sessionmaker) as session:
        registered = await members.by_telegram_id(session, 3201)
        assert registered is not None
        registered.status = MemberStatus.ACTIVE
    active = await say(member, "/help", "Yang dapat Anda lakukan")
    for command in ("/report", "/advisories", "/profile", "/privacy", "/leave"):
        assert command in active.text, command
    assert "/pending" not in active.text  # a coordinator's, not theirs
