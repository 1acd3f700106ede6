"""Tests of the Telegram Bot API emulator, mostly driven through the real PTB client."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import BotApiEmulator, HtmlParseError, parse_html, utf16_len

TOKEN = "123456:TEST-TOKEN"

# PTB itself warns when it builds a RetryAfter (its retry_after type is changing).
ignore_retry_after_deprecation = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.api_url, base_file_url=emu.file_url) as tg_bot:
        yield tg_bot


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"cb:{label}")] for label in labels]
    )


def retry_seconds(exc: RetryAfter) -> int:
    # Parsed from the message: the retry_after attribute is mid-deprecation in PTB 22.
    match = re.search(r"Retry in (\d+)", str(exc))
    assert match, str(exc)
    return int(match.group(1))


async def raw_call(emu: BotApiEmulator, method: str, **kwargs: Any) -> tuple[int, dict]:
    """Call the emulator with aiohttp directly (to check wire-level behaviour)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_url}{TOKEN}/{method}", **kwargs) as resp,
    ):
        return resp.status, await resp.json()


# --------------------------------------------------------------------------- HTML parser


def test_html_entities_and_utf16_offsets() -> None:
    text, entities = parse_html('😀 <b>bold</b> <a href="https://x.y/?a=1&amp;b=2">l&lt;k</a>')
    assert text == "😀 bold l<k"
    assert utf16_len("😀") == 2
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 3, "url": "https://x.y/?a=1&b=2"},
    ]


def test_html_nested_pre_spoiler_quote_emoji() -> None:
    text, entities = parse_html(
        '<pre><code class="language-py">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
        '<span class="tg-spoiler">p</span><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&#65;&#x42;&quot;'
    )
    assert text == 'x = 1spq👍AB"'
    assert [e["type"] for e in entities] == [
        "pre",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "custom_emoji",
    ]
    assert entities[0]["language"] == "py"
    assert entities[-1] == {
        "type": "custom_emoji",
        "offset": 8,
        "length": 2,
        "custom_emoji_id": "5368324170671202286",
    }


def test_html_strips_whitespace_like_telegram() -> None:
    assert parse_html("  \n<b> hi</b>  ") == ("hi", [{"type": "bold", "offset": 0, "length": 2}])


@pytest.mark.parametrize(
    ("markup", "fragment"),
    [
        ("hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag"),
        ("Tom & Jerry", 'Character "&" must be escaped'),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<br>", 'Unsupported start tag "br"'),
    ],
)
def test_html_errors(markup: str, fragment: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(markup)
    assert str(info.value).startswith("Bad Request: can't parse entities: ")
    assert fragment in str(info.value)


# --------------------------------------------------------------------------- wire level


async def test_wire_format_errors_and_encodings(emu: BotApiEmulator) -> None:
    emu.user(1001, first_name="Alice")
    status, body = await raw_call(emu, "sendMessage", json={"chat_id": 1001, "text": "json body"})
    assert status == 200 and body["ok"] and body["result"]["text"] == "json body"
    # Form body, booleans as strings, nested JSON as a string, case-insensitive method name.
    status, body = await raw_call(
        emu,
        "SENDMESSAGE",
        data={
            "chat_id": "1001",
            "text": "form",
            "protect_content": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
        },
    )
    assert status == 200 and body["result"]["has_protected_content"] is True
    record = emu.requests[-1]
    assert record.method == "sendMessage" and record.status == 200
    assert record.params["chat_id"] == 1001 and record.params["protect_content"] is True
    assert emu.chat_messages(1001)[-1].button_texts() == ["A"]

    status, body = await raw_call(emu, "noSuchMethod")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_url}999:WRONG/getMe") as resp,
    ):
        assert resp.status == 401 and (await resp.json())["description"] == "Unauthorized"
    status, body = await raw_call(
        emu, "sendMessage", data={"chat_id": "1001", "text": "<b>", "parse_mode": "HTML"}
    )
    assert status == 400 and body["description"].startswith("Bad Request: can't parse entities")
    assert emu.stats.calls["sendMessage"] == 3
    assert emu.stats.errors[("sendMessage", 400)] == 1


# --------------------------------------------------------------------------- PTB Bot


async def test_get_me_and_send_message_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    assert bot.username == "perisai_test_bot" and bot.id == 123456
    alice = emu.user(1001, first_name="Alice", username="alice", language_code="id")
    assert emu.user(1001) is alice
    sent = await bot.send_message(
        1001,
        "<b>Halo</b> Alice",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("Ya", "Tidak"),
        protect_content=True,
    )
    assert sent.text == "Halo Alice" and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.entities[0].type == "bold" and sent.has_protected_content
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[1][0].callback_data == "cb:Tidak"

    msg = alice.last
    assert msg is not None and msg is emu.sent_messages[-1]
    assert msg.html == "<b>Halo</b> Alice" and msg.text == "Halo Alice"
    assert msg.button_texts() == ["Ya", "Tidak"] and msg.protect_content
    assert msg.buttons()[0][0] == {"text": "Ya", "callback_data": "cb:Ya", "url": None}

    # Reply keyboards and replies.
    first = await alice.send("a question")
    reply = await bot.send_message(
        1001,
        "share?",
        reply_markup=ReplyKeyboardMarkup([[KeyboardButton("Share", request_contact=True)]]),
        reply_parameters=ReplyParameters(first["message_id"]),
    )
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "a question"
    assert alice.last is not None and alice.last.reply_to_message_id == first["message_id"]
    assert alice.last.keyboard() == [
        [{"text": "Share", "request_contact": True, "request_location": False}]
    ]
    await bot.send_message(1001, "thanks", reply_markup=ReplyKeyboardRemove())
    assert alice.last is not None and alice.last.removes_keyboard
    # Message ids are per chat and shared between the user and the bot.
    assert [m.message_id for m in alice.messages] == [1, 3, 4]


async def test_send_validation_errors(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"chat_id": 999, "text": "x"}, "Chat not found"),
        ({"chat_id": 1001, "text": "   "}, "Message text is empty"),
        ({"chat_id": 1001, "text": "x" * 4097}, "Message is too long"),
        ({"chat_id": 1001, "text": "<i>x", "parse_mode": "HTML"}, "Can't parse entities"),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]
                ),
            },
            "Button_data_invalid",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_parameters": ReplyParameters(77)},
            "Message to be replied not found",
        ),
    ]
    for kwargs, expected in cases:
        with pytest.raises(BadRequest) as info:
            await bot.send_message(**kwargs)
        # PTB strips "Bad Request: " and capitalises the rest.
        assert expected.lower() in info.value.message.lower(), info.value.message
    # Exactly 4096 characters after entity parsing is fine.
    await bot.send_message(1001, "<b>" + "y" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    status, body = await raw_call(
        emu,
        "sendMessage",
        json={"chat_id": 1001, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "t"}]]}},
    )
    assert status == 400
    assert "Text buttons are unallowed in the inline keyboard" in body["description"]


async def test_blocked_and_deactivated_users(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    emu.user(1002)
    emu.block(1001)
    emu.deactivate(1002)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "hi")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(1002, "hi")
    emu.unblock(1001)
    await bot.send_message(1001, "hi again")
    assert emu.stats.errors[("sendMessage", 403)] == 2


async def test_edit_delete_and_not_modified(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001)
    sent = await bot.send_message(1001, "v1", reply_markup=keyboard("A"))
    msg = alice.last
    assert msg is not None
    edited = await bot.edit_message_text("<i>v2</i>", 1001, sent.message_id, parse_mode="HTML")
    assert edited.text == "v2" and edited.edit_date is not None  # type: ignore[union-attr]
    # The same object is updated in place; omitting reply_markup removed the keyboard.
    assert msg.text == "v2" and msg.edit_count == 1 and msg.edited and msg.history == ["v1"]
    assert msg.buttons() == []
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<i>v2</i>", 1001, sent.message_id, parse_mode="HTML")
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard("B"))
    assert msg.button_texts() == ["B"] and msg.edit_count == 2
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard("B"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)
    assert await bot.delete_message(1001, sent.message_id)
    assert msg.deleted and alice.messages == [] and alice.last is None
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, sent.message_id)


async def test_commands_descriptions_and_misc(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, first_name="Alice", username="alice")
    await bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("help", "Bantuan")])
    await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats(), language_code="en"
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(1001))
    assert [c["command"] for c in emu.commands[("default", "")]] == ["start", "help"]
    assert emu.commands[("all_private_chats", "en")] == [
        {"command": "start", "description": "Start"}
    ]
    assert ("chat:1001", "") in emu.commands
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
    assert [c.command for c in got] == ["start"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert ("chat:1001", "") not in emu.commands
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(101)])

    await bot.set_my_description("Deskripsi", language_code="id")
    await bot.set_my_short_description("Pendek")
    assert emu.descriptions == {"id": "Deskripsi"} and emu.short_descriptions == {"": "Pendek"}
    assert (await bot.get_my_description(language_code="id")).description == "Deskripsi"

    assert await bot.send_chat_action(1001, "typing")
    assert emu.chat_actions[-1].action == "typing"
    chat = await bot.get_chat(1001)
    assert chat.type == "private" and chat.username == "alice"
    assert await bot.log_out() and await bot.close()


@ignore_retry_after_deprecation
async def test_flood_limits(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    emu.user(1002)
    emu.set_flood_limits(per_chat_per_s=1)
    await bot.send_message(1001, "one")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "two")
    assert retry_seconds(info.value) == 1
    await bot.send_message(1002, "other chat is fine")
    # Edits and answers are not counted.
    await bot.edit_message_text("one!", 1001, emu.sent_messages[0].message_id)
    assert emu.stats.http_429 == 1 and len(emu.sent_messages) == 2

    emu.set_flood_limits(global_per_s=2)
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "three")  # "one" and "other chat" are still in the window

    group = emu.add_group(-1001, "Relay")
    emu.set_flood_limits(per_group_per_min=2)
    await bot.send_message(group.id, "g1")
    await bot.send_message(group.id, "g2")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(group.id, "g3")
    assert 55 <= retry_seconds(info.value) <= 60
    assert emu.stats.http_429 == 3
    assert [m.text for m in emu.chat_messages(group.id)] == ["g1", "g2"]


@ignore_retry_after_deprecation
async def test_fail_next_and_latency(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    emu.fail_next("sendMessage", count=2)
    emu.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=3)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(1001, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "x")
    await bot.send_message(1001, "finally")
    assert emu.stats.errors[("sendMessage", 500)] == 2 and emu.stats.http_429 == 1
    emu.fail_next("getMe", status=429)  # a 429 always carries retry_after, as on Telegram
    with pytest.raises(RetryAfter):
        await bot.get_me()

    # Latency delays each answer but does not serialise concurrent requests.
    emu.latency = 0.3
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(1001, f"m{i}") for i in range(5)))
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 1.0


async def test_get_updates_long_poll_offset_and_filter(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice", username="alice", language_code="id")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until(lambda: emu.stats.calls["getUpdates"] >= 1)
    await alice.send("/start abc")
    updates = await poll
    assert time.monotonic() - started < 2  # answered on arrival, not at the timeout
    (update,) = updates
    message = update.message
    assert message is not None and message.text == "/start abc"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert message.from_user is not None and message.from_user.language_code == "id"
    assert message.chat.type == "private" and message.chat.id == 1001

    await alice.share_contact("+6281234567890")
    await alice.send_location(-7.25, 112.75)
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert [u.update_id for u in updates] == [update.update_id + 1, update.update_id + 2]
    contact = updates[0].message.contact  # type: ignore[union-attr]
    assert contact is not None and contact.user_id == 1001 and contact.first_name == "Alice"
    location = updates[1].message.location  # type: ignore[union-attr]
    assert location is not None and location.latitude == -7.25
    # Confirming with offset drops them; limit caps the batch.
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    for i in range(3):
        await alice.send(f"m{i}")
    assert len(await bot.get_updates(limit=2, timeout=0)) == 2

    # allowed_updates is remembered and filters updates created afterwards.
    await bot.get_updates(offset=-1, timeout=0, allowed_updates=["callback_query"])
    await alice.send("filtered out")
    assert [u.message.text for u in await bot.get_updates(timeout=0)] == ["m2"]  # type: ignore[union-attr]


async def test_get_updates_conflicts(emu: BotApiEmulator, bot: Bot) -> None:
    # A second bot instance: PTB itself never runs two getUpdates at once.
    async with Bot(TOKEN, base_url=emu.api_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await emu.wait_until(lambda: emu.stats.calls["getUpdates"] >= 1)
        assert await other.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_callback_press_and_answer(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001)
    await bot.send_message(1001, "old", reply_markup=keyboard("Go"))
    newest = await bot.send_message(1001, "new", reply_markup=keyboard("Go", "Stop"))
    answer = await alice.press("Go")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "cb:Go"
    # The newest message with that button was pressed, and arrives as a full Message.
    assert query.message is not None and query.message.message_id == newest.message_id
    assert query.message.reply_markup is not None  # type: ignore[union-attr]
    assert not answer.answered
    await bot.answer_callback_query(query.id, text="Done", show_alert=True)
    assert (await answer.wait(timeout=1))["text"] == "Done"
    assert answer.result is not None and answer.result["show_alert"] is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")

    forged = await alice.press_data(newest.message_id, "admin:delete:all")
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert update.callback_query is not None and update.callback_query.data == forged.data
    with pytest.raises(AssertionError, match="no inline button 'Nope'"):
        await alice.press("Nope")


async def test_wait_for_mark_and_failure_message(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001)
    await bot.send_message(1001, "Welcome back")
    assert (await alice.wait_for_text("Welcome", timeout=1)).text == "Welcome back"
    alice.mark()
    with pytest.raises(AssertionError, match="Welcome back"):
        # Old messages are listed in the failure but do not satisfy the wait.
        await alice.wait_for_text("Welcome", timeout=0.2)
    sent = await bot.send_message(1001, "Menu")
    waiter = asyncio.create_task(alice.wait_for(lambda m: m.text == "Menu v2", timeout=5))
    await bot.edit_message_text("Menu v2", 1001, sent.message_id)
    assert (await waiter).edit_count == 1


async def test_files_upload_and_download(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001)
    doc = await bot.send_document(
        1001, b"col1,col2\n", filename="r.csv", caption="<b>r</b>", parse_mode="HTML"
    )
    assert doc.document is not None and doc.document.file_name == "r.csv"
    assert doc.caption == "r" and alice.last is not None and alice.last.kind == "document"
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"col1,col2\n"
    photo = await bot.send_photo(1001, b"\x89PNG fake", caption="pic")
    assert photo.photo and photo.caption == "pic"
    copy = await bot.copy_message(1001, 1001, photo.message_id)
    assert alice.messages[-1].message_id == copy.message_id and alice.messages[-1].kind == "photo"


async def test_users_send_media_and_the_bot_passes_it_on(emu: BotApiEmulator, bot: Bot) -> None:
    alice, bob = emu.user(1001), emu.user(1002)
    sent = await alice.send_photo(b"\x89PNG big picture", caption="pintu <b>")
    assert sent["caption"] == "pintu <b>" and len(sent["photo"]) == 2
    largest = sent["photo"][-1]
    assert "file_path" not in largest and largest["file_size"] == len(b"\x89PNG big picture")
    file = await bot.get_file(largest["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG big picture"
    video = (await alice.send_video(b"mp4", size=30_000_000))["video"]
    assert video["file_size"] == 30_000_000 and video["mime_type"] == "video/mp4"
    document = (await alice.send_document(b"%PDF", file_name="a.pdf"))["document"]
    assert document["file_name"] == "a.pdf"

    # Passed on by file_id: the same file, no upload.
    await bot.send_photo(1002, largest["file_id"], caption="1/3")
    await bot.send_video(1002, video["file_id"])
    await bot.send_document(1002, document["file_id"])
    await bot.send_location(1002, latitude=-7.25, longitude=112.75)
    assert [m.kind for m in bob.messages] == ["photo", "video", "document", "location"]
    assert bob.messages[0].media[0]["file_id"] == largest["file_id"]
    assert bob.messages[0].text == "1/3"
    assert bob.messages[3].media == {"latitude": -7.25, "longitude": 112.75}
    with pytest.raises(BadRequest, match="latitude"):
        await bot.send_location(1002, latitude=123.0, longitude=0.0)

    album = await bot.send_media_group(
        1002,
        [InputMediaPhoto(largest["file_id"], caption="a"), InputMediaVideo(video["file_id"])],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    copy = await bot.copy_message(1002, 1001, sent["message_id"])
    assert bob.messages[-1].message_id == copy.message_id and bob.messages[-1].kind == "photo"
    location = await alice.send_location(-6.2, 106.8)
    assert location["location"] == {"latitude": -6.2, "longitude": 106.8}


async def test_group_chat_and_press_on_given_message(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, first_name="Alice")
    group = emu.add_group(-100123, "Relay")
    await alice.send("/report@perisai_test_bot now", chat_id=group.id)
    (update,) = await bot.get_updates(timeout=0)
    message = update.message
    assert message is not None and message.chat.type == "supergroup"
    assert message.chat.title == "Relay" and message.entities[0].length == 24
    first = await bot.send_message(group.id, "ack", reply_markup=keyboard("OK"))
    await bot.send_message(group.id, "ack 2", reply_markup=keyboard("OK"))
    assert alice.messages == [] and len(emu.chat_messages(group.id)) == 2
    waiting = asyncio.create_task(emu.wait_for_request("answerCallbackQuery", timeout=5))
    answer = await alice.press("OK", message=emu.chat_messages(group.id)[0])
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    query = update.callback_query
    assert query is not None and query.message is not None
    assert query.message.message_id == first.message_id and query.message.chat.id == group.id
    await query.answer()
    assert (await waiting).params["callback_query_id"] == answer.id
    assert (await answer)["text"] is None


# --------------------------------------------------------------------------- PTB Application


async def test_real_application_polls_end_to_end(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        arg = context.args[0] if context.args else "-"
        await update.effective_message.reply_html(
            f"Welcome <b>{update.effective_user.first_name}</b> ({arg})",  # type: ignore[union-attr]
            reply_markup=keyboard("Yes", "No"),
        )

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"got {query.data}")
        await query.edit_message_text(f"You chose {query.data}")

    async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        contact = update.effective_message.contact  # type: ignore[union-attr]
        await update.effective_message.reply_text(f"phone {contact.phone_number}")  # type: ignore[union-attr]

    app: Application = (
        ApplicationBuilder().token(TOKEN).base_url(emu.api_url).base_file_url(emu.file_url).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))

    alice = emu.user(1001, first_name="Alice", username="alice")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=2, poll_interval=0)
        try:
            await alice.send("/start abc")
            welcome = await alice.wait_for_text("Welcome Alice (abc)", timeout=5)
            assert welcome.entities == [{"type": "bold", "offset": 8, "length": 5}]
            alice.mark()
            answer = await alice.press("Yes")
            assert (await answer.wait(timeout=5))["text"] == "got cb:Yes"
            edited = await alice.wait_for(lambda m: m.text == "You chose cb:Yes", timeout=5)
            assert edited is welcome and edited.buttons() == []
            await alice.share_contact("+6281234567890")
            await alice.wait_for_text("phone +6281234567890", timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    assert emu.stats.calls["getMe"] >= 1 and emu.stats.calls["deleteWebhook"] == 1
    assert emu.pending_updates == []  # the shutdown getUpdates confirmed everything


async def test_invalid_token_with_ptb(emu: BotApiEmulator) -> None:
    with pytest.raises(InvalidToken):
        await Bot("42:NOPE", base_url=emu.api_url).get_me()
