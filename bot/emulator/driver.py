"""Test driver: emulated Telegram users who talk to the bot through the emulator.

A user acts through :class:`~bot.emulator.port.EmulatorPort` only: of the emulator this
module imports that interface and the plain data in :mod:`bot.emulator.models`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .models import JSON, CallbackAnswer, StoredMessage
from .port import EmulatorPort

__all__ = ["CallbackAnswer", "EmulatedUser"]


def _with_caption(content: JSON, caption: str | None) -> JSON:
    return content | ({"caption": caption} if caption is not None else {})


class EmulatedUser:
    """A Telegram user chatting with the bot in their private chat (chat id == user id).

    Get one with ``emu.user(user_id, ...)``.
    """

    def __init__(
        self,
        emu: EmulatorPort,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        # The emulator (a BotApiEmulator), used here only through its EmulatorPort side.
        self.emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        # Bot messages in the private chat, oldest first (deleted ones are removed).
        self.messages: list[StoredMessage] = []
        # Messages this user sent (any chat), as the Message JSON the bot received.
        self.sent: list[JSON] = []
        self._mark = 0

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def last(self) -> StoredMessage | None:
        return self.messages[-1] if self.messages else None

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    # ------------------------------------------------------------------ actions

    async def post(
        self, content: JSON, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """Send an arbitrary message payload (e.g. ``{"photo": [...]}``); returns the JSON."""
        message = self.emu.post_message(
            self, self.id if chat_id is None else chat_id, content, reply_to=reply_to
        )
        self.sent.append(message)
        return message

    async def send(
        self, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        """Send a text message (a leading "/cmd" gets a bot_command entity)."""
        return await self.post({"text": text}, chat_id=chat_id, reply_to=reply_to)

    async def share_contact(
        self,
        phone_number: str,
        user_id: int | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        include_user_id: bool = True,
    ) -> JSON:
        """Share a contact; by default the user's own (user_id = own id)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name is not None:
            contact["last_name"] = last_name
        if include_user_id:
            contact["user_id"] = self.id if user_id is None else user_id
        return await self.post({"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> JSON:
        return await self.post({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_photo(
        self,
        content: bytes = b"\x89PNG photo",
        *,
        caption: str | None = None,
        size: int | None = None,
    ) -> JSON:
        """Send a photo: Telegram delivers several sizes, the largest last."""
        thumb = self.emu.user_file("photo", content[:16]) | {"width": 90, "height": 90}
        full = self.emu.user_file("photo", content, size=size) | {"width": 1280, "height": 960}
        return await self.post(_with_caption({"photo": [thumb, full]}, caption))

    async def send_video(
        self,
        content: bytes = b"video",
        *,
        caption: str | None = None,
        size: int | None = None,
        mime_type: str = "video/mp4",
    ) -> JSON:
        meta = self.emu.user_file("video", content, mime_type=mime_type, size=size)
        video = meta | {"width": 1280, "height": 720, "duration": 5}
        return await self.post(_with_caption({"video": video}, caption))

    async def send_document(
        self,
        content: bytes = b"document",
        *,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        size: int | None = None,
    ) -> JSON:
        meta = self.emu.user_file(
            "document", content, file_name=file_name, mime_type=mime_type, size=size
        )
        return await self.post(_with_caption({"document": meta}, caption))

    async def press(
        self,
        button: str,
        *,
        chat_id: int | None = None,
        message: StoredMessage | None = None,
    ) -> CallbackAnswer:
        """Press the inline button with this exact text on the newest bot message that has it
        (or on ``message`` if given)."""
        chat = self.id if chat_id is None else chat_id
        if message is not None:
            chat = message.chat_id
            candidates = [] if message.deleted else [message]
        else:
            candidates = self.emu.chat_messages(chat)
        for msg in reversed(candidates):
            found = msg.find_button(button)
            if found is None:
                continue
            if not found["callback_data"]:
                raise AssertionError(f"button {button!r} on {msg!r} has no callback_data")
            return await self.press_data(msg.message_id, found["callback_data"], chat_id=chat)
        recent = "\n".join(f"  {m!r}" for m in candidates[-5:] if m.inline_markup) or "  (none)"
        raise AssertionError(f"no inline button {button!r}; recent keyboards:\n{recent}")

    async def press_data(
        self, message_id: int, data: str, *, chat_id: int | None = None
    ) -> CallbackAnswer:
        """Press a button with arbitrary callback data (forged data is allowed)."""
        chat = self.id if chat_id is None else chat_id
        return self.emu.post_callback(self, chat, message_id, data)

    # ------------------------------------------------------------------ waiting

    def mark(self) -> None:
        """From now on wait_for only considers messages sent or edited after this point."""
        self._mark = self.emu.seq

    async def wait_for(
        self,
        predicate: Callable[[StoredMessage], Any] | str,
        timeout: float = 10.0,  # noqa: ASYNC109 (public API, like asyncio.wait_for)
    ) -> StoredMessage:
        """Wait for a bot message to this user, sent or edited after the mark, that satisfies
        ``predicate`` (a str means "text contains"). Re-checked on every change; returns the
        oldest match."""
        check = (lambda m: predicate in m.text) if isinstance(predicate, str) else predicate
        mark = self._mark
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for msg in self.messages:
                if msg.seq > mark and check(msg):
                    return msg
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._describe_failure(timeout, mark))
            await self.emu.wait_changed(remaining)

    async def wait_for_text(self, text: str, timeout: float = 10.0) -> StoredMessage:  # noqa: ASYNC109
        return await self.wait_for(lambda m: text in m.text, timeout)

    def _describe_failure(self, timeout: float, mark: int) -> str:
        lines = [
            f"user {self.id} ({self.first_name}): no matching message within {timeout}s;"
            " recent messages (* = after mark):"
        ]
        for msg in self.messages[-8:]:
            star = "*" if msg.seq > mark else " "
            lines.append(f" {star} {msg!r}")
        if len(lines) == 1:
            lines.append("   (none)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<EmulatedUser {self.id} {self.first_name!r}>"
