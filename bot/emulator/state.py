"""What the emulator knows, and what its users do.

Users and chats; the bot's messages (stored, shown as Telegram's Message JSON, deleted);
files (a :class:`~bot.emulator.files.FileStore`); the update queue; button presses waiting
for an answer; the bot's settings; the record of every call; and the change signal that
tests wait on. There is no HTTP and no fault injection here: the method modules read and
change this state, and the server serves it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .driver import EmulatedUser
from .files import FileStore
from .html import utf16_len
from .models import (
    JSON,
    ApiError,
    CallbackAnswer,
    ChatAction,
    ChatState,
    EmulatorStats,
    RecordedRequest,
    Signal,
    StoredMessage,
    bad_request,
)
from .port import Actor

__all__ = ["EmulatorState", "UpdateQueue"]

T = TypeVar("T")

_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_USER_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?")

ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"


class UpdateQueue:
    """Updates waiting for the bot: filtered by ``allowed_updates`` when they are created,
    as Telegram does, and dropped once getUpdates' offset confirms them."""

    def __init__(self) -> None:
        self.pending: list[JSON] = []
        self.next_update_id = 10_000
        self.allowed: frozenset[str] | None = None  # None = Telegram's default
        # Bumped by every getUpdates: a newer call terminates the one still waiting.
        self.poll_generation = 0
        # True while the emulator stops: a waiting getUpdates returns at once.
        self.closing = False
        # Wakes long-polling getUpdates: a new update, a newer poll, a webhook, a stop.
        self.signal = Signal()

    def push(self, kind: str, payload: JSON) -> JSON | None:
        """Queue an update of type ``kind``; None if ``allowed_updates`` filters it out."""
        allowed = self.allowed
        if allowed is None:
            if kind in _DEFAULT_EXCLUDED_UPDATES:
                return None
        elif kind not in allowed:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.pending.append(update)
        self.signal.fire()
        return update


class EmulatorState:
    """Everything the emulator knows about one bot, its users and their chats.

    It is also the :class:`~bot.emulator.port.EmulatorPort` that emulated users act on. Next
    to the public API that tests use, the method modules call ``lookup_chat``,
    ``check_reachable``, ``message_json``, ``store_message``, ``delete_message`` and
    ``note_change``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "perisai_test_bot",
        bot_first_name: str = "Perisai",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        # Reject an "&" that is not a valid entity (Telegram keeps it literally).
        self.strict_html: bool = True
        # What users did: sends to them answer 403.
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()
        # Groups upgraded to supergroups: old chat id -> new one.
        self.migrated: dict[int, int] = {}

        # Observable state.
        self.stats = EmulatorStats()
        self.requests: list[RecordedRequest] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.sent_messages: list[StoredMessage] = []
        self.chat_actions: list[ChatAction] = []
        self.callback_answers: list[JSON] = []
        self.webhook_url: str = ""

        # Users, chats, updates, button presses, files.
        self.users: dict[int, EmulatedUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.updates = UpdateQueue()
        # Presses waiting for answerCallbackQuery, by query id.
        self.callbacks: dict[str, CallbackAnswer] = {}
        self._next_callback_id = 0
        self.files = FileStore()

        # Anything tests wait on (requests received, messages sent/edited/deleted, callback
        # answers) bumps the change counter and fires the signal.
        self._seq = 0
        self._changed = Signal()

    # ------------------------------------------------------------------ users and chats

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmulatedUser:
        """The emulated user with this id (created on first call; later calls return it)."""
        existing = self.users.get(user_id)
        if existing is not None:
            return existing
        user = EmulatedUser(
            self,
            user_id,
            first_name=first_name or f"User{user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.users[user_id] = user
        self.chats[user_id] = ChatState(
            id=user_id,
            type="private",
            first_name=user.first_name,
            last_name=last_name,
            username=username,
        )
        return user

    def add_group(self, chat_id: int, title: str, type: str = "supergroup") -> ChatState:
        """Register a group chat (ids of groups are negative in Telegram)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatState(id=chat_id, type=type, title=title)
            self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> ChatState | None:
        return self.chats.get(chat_id)

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        """Bot messages in a chat (not deleted), oldest first."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.bot_messages.values() if not m.deleted]

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to them answer 403.

        With ``notify`` a ``my_chat_member`` update (status "kicked") is queued, as Telegram
        does; off by default so tests exercise the 403 path.
        """
        self.blocked.add(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        self.blocked.discard(user_id)
        if notify:
            self._queue_my_chat_member(user_id, "kicked", "member")

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: every call naming the old id answers 400 with
        ``parameters.migrate_to_chat_id``, as Telegram does."""
        old = self.chats.get(old_chat_id)
        self.add_group(new_chat_id, old.title or "" if old else "")
        self.migrated[old_chat_id] = new_chat_id

    def deactivate(self, user_id: int) -> None:
        """The user deleted their account: sends to them answer 403 "user is deactivated"."""
        self.deactivated.add(user_id)

    def lookup_chat(self, chat_id: Any) -> ChatState:
        """The chat a call names (by id or @username), or the error Telegram answers."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self.chats.values():
                    if chat.username and chat.username.lower() == chat_id[1:].lower():
                        return chat
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        if int(chat_id) in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[int(chat_id)]},
            )
        found = self.chats.get(int(chat_id))
        if found is None:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        return found

    def check_reachable(self, chat: ChatState) -> None:
        """403 if the bot may not write to this private chat (blocked, account deleted)."""
        if chat.type != "private":
            return
        if chat.id in self.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ the bot's messages

    def message_json(self, msg: StoredMessage, *, with_reply: bool = True) -> JSON:
        """A bot message as Telegram's Message object."""
        chat = self.chats[msg.chat_id]
        data: JSON = {
            "message_id": msg.message_id,
            "from": self.bot_user,
            "chat": chat.to_json(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.kind == "text":
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
            if msg.link_preview_options:
                data["link_preview_options"] = msg.link_preview_options
        else:
            data[msg.kind] = msg.media
            if msg.text:
                data["caption"] = msg.text
            if msg.entities:
                data["caption_entities"] = msg.entities
        if msg.media_group_id is not None:
            data["media_group_id"] = msg.media_group_id
        if msg.protect_content:
            data["has_protected_content"] = True
        if with_reply and msg.reply_to_message_id is not None:
            target = self.any_message_json(chat, msg.reply_to_message_id)
            if target is not None:
                data["reply_to_message"] = target
        # Only inline keyboards stay attached to a message.
        if msg.inline_markup is not None:
            data["reply_markup"] = msg.inline_markup
        return data

    def any_message_json(self, chat: ChatState, message_id: int) -> JSON | None:
        """A message of the chat, a user's or the bot's (not deleted), as Message JSON."""
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            return self.message_json(stored, with_reply=False)
        return None

    def store_message(self, chat: ChatState, msg: StoredMessage) -> StoredMessage:
        """Keep a message the bot sent: in its chat, in ``sent_messages``, with its user."""
        msg.seq = self.note_change()
        chat.bot_messages[msg.message_id] = msg
        self.sent_messages.append(msg)
        user = self.users.get(chat.id)
        if user is not None:
            user.messages.append(msg)
        return msg

    def delete_message(self, chat: ChatState, message_id: int) -> bool:
        """Delete a bot or user message; False if there is no such message (any more)."""
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            stored.deleted = True
            user = self.users.get(chat.id)
            if user is not None and stored in user.messages:
                user.messages.remove(stored)
            self.note_change()
            return True
        if chat.user_messages.pop(message_id, None) is not None:
            self.note_change()
            return True
        return False

    # ------------------------------------------------------------------ files

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the bot uploaded (tests read exports with this)."""
        return self.files.content(file_id)

    def user_file(
        self,
        kind: str,
        content: bytes = b"",
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> JSON:
        """A file a user uploads (photo size, video, document...): registered so the bot can
        getFile and download it, or send it on by file_id. ``size`` overrides the reported
        file_size (to claim a large file without holding its bytes)."""
        return self.files.add_user_file(
            kind, content, file_name=file_name, mime_type=mime_type, size=size
        )

    # ------------------------------------------------------------------ updates: users act

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by getUpdates' offset."""
        return list(self.updates.pending)

    def push_update(self, kind: str, payload: JSON) -> JSON | None:
        """Queue a raw update of type ``kind`` (e.g. "my_chat_member"); returns it, or None if
        ``allowed_updates`` filters it out (filtering happens at creation, like Telegram)."""
        return self.updates.push(kind, payload)

    def post_message(
        self,
        user: Actor,
        chat_id: int,
        content: JSON,
        *,
        reply_to: int | None = None,
    ) -> JSON:
        """A user posts a message (``content`` e.g. {"text": ...} or {"contact": ...}) to a
        chat; stores it and queues a ``message`` update. Returns the message JSON."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        message: JSON = {
            "message_id": chat.take_message_id(),
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            target = self.any_message_json(chat, reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
            message["reply_to_message"] = target
        message.update(content)
        text = message.get("text")
        if isinstance(text, str):
            # Telegram marks a leading /command with a bot_command entity.
            match = _USER_COMMAND_RE.match(text)
            if match and "entities" not in message:
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}
                ]
        chat.user_messages[message["message_id"]] = message
        self.push_update("message", message)
        self.note_change()
        return message

    def post_callback(
        self, user: Actor, chat_id: int, message_id: int, data: str
    ) -> CallbackAnswer:
        """A user presses an inline button with ``data`` under a bot message."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            message = self.message_json(stored)
        else:
            # Telegram sends an InaccessibleMessage (date 0) for messages it cannot show.
            message = {"chat": chat.to_json(), "message_id": message_id, "date": 0}
        self._next_callback_id += 1
        query_id = str(4_000_000_000_000_000_000 + self._next_callback_id)
        answer = CallbackAnswer(query_id, data, chat_id, message_id)
        self.callbacks[query_id] = answer
        self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": str(abs(chat_id) * 7919 + self.bot_id),
                "data": data,
            },
        )
        self.note_change()
        return answer

    def _queue_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        user = self.users.get(user_id)
        chat = self.chats.get(user_id)
        if user is None or chat is None:
            return
        new_member: JSON = {"status": new, "user": self.bot_user}
        if new == "kicked":
            new_member["until_date"] = 0
        old_member: JSON = {"status": old, "user": self.bot_user}
        if old == "kicked":
            old_member["until_date"] = 0
        self.push_update(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": user.to_json(),
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    # ------------------------------------------------------------------ calls and changes

    def requests_for(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method]

    @property
    def seq(self) -> int:
        """The change counter (``StoredMessage.seq`` holds its value at a send or edit)."""
        return self._seq

    def note_change(self) -> int:
        """Count a change and wake whoever waits for one; returns the new counter."""
        self._seq += 1
        self._changed.fire()
        return self._seq

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109 (wake-up deadline)
        """Return at the next change, or after ``timeout`` seconds.

        Check the condition and call this without awaiting in between (see ``Signal``).
        """
        await self._changed.wait(timeout)

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,  # noqa: ASYNC109 (public API)
        message: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy, re-checking on every emulator change.

        Changes are: requests received, messages sent/edited/deleted, callback answers.
        Returns the truthy value; raises AssertionError at the deadline.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(message or f"condition not met within {timeout}s")
            await self._changed.wait(remaining)

    async def wait_for_request(
        self,
        method: str,
        timeout: float = 10.0,  # noqa: ASYNC109 (public API)
    ) -> RecordedRequest:
        """Wait for the next ``method`` call received after this call starts."""
        start = len(self.requests)
        return await self.wait_until(
            lambda: next((r for r in self.requests[start:] if r.method == method), None),
            timeout,
            f"no {method} request within {timeout}s",
        )
