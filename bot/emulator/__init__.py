"""Telegram Bot API emulator for end-to-end tests with the real python-telegram-bot stack."""

from .driver import CallbackAnswer, EmulatedUser
from .html import HtmlParseError, parse_html, utf16_len
from .models import (
    ApiError,
    ChatAction,
    ChatState,
    EmulatorStats,
    RecordedRequest,
    StoredMessage,
    UploadedFile,
)
from .server import SEND_METHODS, BotApiEmulator

__all__ = [
    "SEND_METHODS",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "ChatAction",
    "ChatState",
    "EmulatedUser",
    "EmulatorStats",
    "HtmlParseError",
    "RecordedRequest",
    "StoredMessage",
    "UploadedFile",
    "parse_html",
    "utf16_len",
]
