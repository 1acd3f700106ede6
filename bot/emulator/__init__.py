"""Telegram Bot API emulator for end-to-end tests with the real python-telegram-bot stack.

The real python-telegram-bot (PTB) stack talks HTTP to it exactly as it would to
api.telegram.org, so tests exercise request encoding, error mapping, retries and polling for
real. The emulator answers the methods the project uses with Telegram's result shapes and
error texts, offers fault injection (latency, outages, flood limits, blocked users, scripted
failures), and a driver whose emulated users talk to the bot.

Modules, by area:

- ``server``: :class:`BotApiEmulator`: start/stop, HTTP dispatch, error answers; the public
  fault and limit controls.
- ``params``: call parameters decoded as Telegram reads them (JSON, form, multipart).
- ``faults``: injected faults (latency, spikes, outages, scripted failures) and Telegram's
  flood limits with their 429 windows.
- ``state``: users, chats, the bot's messages, the update queue, button presses awaiting
  an answer, the bot's settings, recorded calls, and the change signal.
- Method modules, one per Bot API area: ``updates`` (getMe, getUpdates, webhooks),
  ``messages`` (send*, copyMessage, edit*, delete*; ``content`` checks their text and
  markup), ``callbacks`` (answerCallbackQuery), ``commands`` (commands, descriptions,
  names), ``chats`` (getChat, sendChatAction), ``files`` (getFile, downloads, and the file
  store the state holds).
- ``driver``: :class:`EmulatedUser`, acting through the small interface in ``port``.
- ``models``: plain data; ``html``: Telegram's HTML parse mode.

How it is put together, and why. :class:`BotApiEmulator` *is* its state (it subclasses
``EmulatorState``): every attribute tests read (``sent_messages``, ``stats``,
``commands``...) stays where it was, with no layer of forwarding, and an emulated user's
``emu`` is still the emulator. Each Bot API area is a small handler object, built with
exactly what it needs (the state; the message methods also the flood limits), that
registers its methods into the dispatcher's table. We chose handler objects over mixins:
with mixins every area would share one ``self`` whose members could come from any of a dozen
files; here the constructor calls in ``server`` show what each area depends on, and a method
module sees the state, not the HTTP layer or another area. Faults are a part of the server,
applied to every call, with their controls forwarded. The price: the state's members that
the method modules use (``lookup_chat``, ``message_json``, ``chats``...) are visible on the
emulator too.

Imports run one way: ``models`` and ``html`` at the bottom; ``port``, ``driver``,
``params``, ``faults``, ``content`` and ``files`` on them; ``state`` on the driver (it
creates users) and the file store; the method modules on the state; ``server`` on all of
them. The driver knows the emulator only as ``port.EmulatorPort``.
"""

from .driver import CallbackAnswer, EmulatedUser
from .html import HtmlParseError, parse_html, utf16_len
from .messages import SEND_METHODS
from .models import (
    ApiError,
    ChatAction,
    ChatState,
    EmulatorStats,
    RecordedRequest,
    StoredMessage,
    UploadedFile,
)
from .server import BotApiEmulator

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
