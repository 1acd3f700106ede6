"""Plain data kept by the emulator: errors, recorded requests, stored messages, chats, the
pending answer to a button press, and the change signal."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
# A Bot API method: decoded parameters in, the "result" of the answer out (or ApiError).
Handler = Callable[[JSON], Awaitable[Any]]

__all__ = [
    "JSON",
    "ApiError",
    "CallbackAnswer",
    "ChatAction",
    "ChatState",
    "EmulatorStats",
    "Handler",
    "RecordedRequest",
    "Signal",
    "StoredMessage",
    "UploadedFile",
    "bad_request",
]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """Telegram's usual 400: ``"Bad Request: " + description``."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class UploadedFile:
    """A file that arrived as a multipart part."""

    filename: str | None
    content: bytes
    content_type: str | None = None


@dataclass
class RecordedRequest:
    """One Bot API call as received (params decoded, JSON fields parsed)."""

    method: str
    params: JSON
    time: float
    # Filled in once the call is answered: HTTP status (200 on success).
    status: int | None = None


@dataclass
class EmulatorStats:
    """Counters; missing keys read as 0 (they are Counters)."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    http_429: int = 0

    def reset(self) -> None:
        self.calls.clear()
        self.errors.clear()
        self.http_429 = 0


@dataclass
class ChatAction:
    chat_id: int
    action: str
    time: float


@dataclass(eq=False)
class StoredMessage:
    """A message the bot sent; edits update it in place."""

    message_id: int
    chat_id: int
    # Plain text after parsing entities (the caption for media messages).
    text: str
    # Raw text/caption exactly as the bot sent it.
    html: str | None
    parse_mode: str | None
    entities: list[JSON]
    # Raw reply_markup JSON as sent (inline keyboard, reply keyboard, remove, force reply).
    reply_markup: JSON | None
    date: int
    protect_content: bool = False
    disable_notification: bool = False
    reply_to_message_id: int | None = None
    link_preview_options: JSON | None = None
    # "text", "photo", "video", "document" or "location".
    kind: str = "text"
    # The photo sizes list / video or document dict / location for media messages.
    media: Any = None
    media_group_id: str | None = None
    edit_count: int = 0
    edited: bool = False
    edit_date: int | None = None
    deleted: bool = False
    # Texts before each edit, oldest first.
    history: list[str] = field(default_factory=list)
    # Emulator change counter at the last send/edit; EmulatedUser.wait_for compares it with
    # the user's mark.
    seq: int = 0

    @property
    def inline_markup(self) -> JSON | None:
        """The reply_markup if it is an inline keyboard (the only kind a message keeps)."""
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    def buttons(self) -> list[list[JSON]]:
        """Inline keyboard rows; each button as {text, callback_data, url}."""
        markup = self.inline_markup
        if markup is None:
            return []
        return [
            [
                {
                    "text": b.get("text"),
                    "callback_data": b.get("callback_data"),
                    "url": b.get("url"),
                }
                for b in row
            ]
            for row in markup["inline_keyboard"]
        ]

    def button_texts(self) -> list[str]:
        return [b["text"] for row in self.buttons() for b in row]

    def find_button(self, text: str) -> JSON | None:
        for row in self.buttons():
            for button in row:
                if button["text"] == text:
                    return button
        return None

    def keyboard(self) -> list[list[JSON]] | None:
        """Reply keyboard rows (None if the message has no reply keyboard).

        Each button as {text, request_contact, request_location}; plain-string buttons are
        normalised to that shape.
        """
        if self.reply_markup is None or "keyboard" not in self.reply_markup:
            return None
        rows: list[list[JSON]] = []
        for row in self.reply_markup["keyboard"]:
            out: list[JSON] = []
            for b in row:
                button = {"text": b} if isinstance(b, str) else b
                out.append(
                    {
                        "text": button.get("text"),
                        "request_contact": bool(button.get("request_contact")),
                        "request_location": bool(button.get("request_location")),
                    }
                )
            rows.append(out)
        return rows

    @property
    def removes_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    @property
    def force_reply(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("force_reply"))

    def __repr__(self) -> str:
        flags = " edited" if self.edited else ""
        flags += " deleted" if self.deleted else ""
        buttons = f" buttons={self.button_texts()}" if self.inline_markup else ""
        return f"<Msg {self.chat_id}/{self.message_id}{flags} {self.text[:120]!r}{buttons}>"


@dataclass
class ChatState:
    """A chat the emulator knows about (a user's private chat or a group)."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    # Message ids are per chat and shared by user and bot messages.
    next_message_id: int = 1
    user_messages: dict[int, JSON] = field(default_factory=dict)
    bot_messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class CallbackAnswer:
    """The pending answer to one inline-button press.

    ``await answer.wait(timeout)`` (or simply ``await answer``) returns
    ``{"text", "show_alert", "url", "cache_time"}`` once the bot calls answerCallbackQuery.
    """

    def __init__(self, query_id: str, data: str, chat_id: int, message_id: int) -> None:
        self.id = query_id
        self.data = data
        self.chat_id = chat_id
        self.message_id = message_id
        self.result: JSON | None = None
        self._event = asyncio.Event()

    @property
    def answered(self) -> bool:
        return self.result is not None

    def resolve(self, result: JSON) -> None:
        self.result = result
        self._event.set()

    async def wait(self, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109 (public API)
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            raise AssertionError(
                f"callback query {self.id} (data={self.data!r}) was not answered within {timeout}s"
            ) from None
        assert self.result is not None
        return self.result

    def __await__(self) -> Generator[Any, None, JSON]:
        return self.wait().__await__()

    def __repr__(self) -> str:
        return f"<CallbackAnswer {self.id} data={self.data!r} result={self.result!r}>"


class Signal:
    """Wake every waiter on the next change.

    ``fire()`` is synchronous so plain (non-async) state changes can notify. A waiter must
    check its condition and call ``wait()`` without awaiting in between (the current event is
    captured when ``wait()`` starts), so no wake-up is lost.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 (wake-up deadline)
        event = self._event
        try:
            async with asyncio.timeout(max(timeout, 0)):
                await event.wait()
        except TimeoutError:
            pass
