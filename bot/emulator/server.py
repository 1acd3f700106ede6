"""An in-process Telegram Bot API emulator on aiohttp.

The real python-telegram-bot (PTB) stack talks HTTP to it exactly as it would to
api.telegram.org, so tests exercise request encoding, error mapping, retries and polling
for real. The emulator answers the methods the project uses with Telegram's result shapes
and error texts, and offers fault injection (latency, flood limits, blocked users,
scripted failures) and a user driver (see :mod:`bot.emulator.driver`).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .driver import EmulatedUser
from .html import HtmlParseError, parse_html, strip_entities_text, utf16_len
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
    UploadedFile,
)
from .port import Actor

__all__ = ["BotApiEmulator"]

T = TypeVar("T")
Handler = Callable[[JSON], Awaitable[Any]]


def _names(text: str) -> frozenset[str]:
    """A set of whitespace-separated names (keeps the long lists below compact)."""
    return frozenset(text.split())


# Fields PTB sends as JSON strings inside the form.
_JSON_FIELDS = _names(
    "reply_markup allowed_updates commands scope reply_parameters link_preview_options "
    "entities caption_entities message_ids media results menu_button rights permissions"
)
_INT_FIELDS = _names(
    "from_chat_id message_id reply_to_message_id offset limit user_id message_thread_id "
    "cache_time max_connections until_date"
)
_FLOAT_FIELDS = frozenset({"timeout", "latitude", "longitude"})
# Free-text fields: never turn "true"/"false" in them into booleans.
_TEXT_FIELDS = _names(
    "text caption description short_description name title url parse_mode action "
    "callback_query_id language_code secret_token ip_address phone_number first_name "
    "last_name file_id inline_message_id"
)

# Methods that create messages: these count toward flood limits.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendLocation",
        "sendMediaGroup",
        "copyMessage",
    }
)

_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_CHAT_ACTIONS = _names(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_TOKEN_RE = re.compile(r"\d+:[\w-]+")
_USER_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?")

MAX_TEXT = 4096
MAX_CAPTION = 1024

ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
ERR_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
ERR_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _flag(value: Any) -> bool:
    """Telegram's boolean coercion: "true"/"1"/true are true."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


class BotApiEmulator:
    """Fake ``api.telegram.org`` for one bot token.

    Usage::

        async with BotApiEmulator() as emu:
            bot = telegram.Bot(emu.token, base_url=emu.api_url, base_file_url=emu.file_url)
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

        # Fault injection / limits.
        self.latency: float = 0.0
        self.global_per_s: int | None = None
        self.per_chat_per_s: int | None = None
        self.per_group_per_min: int | None = None
        # Reject an "&" that is not a valid entity (Telegram keeps it literally).
        self.strict_html: bool = True
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()
        # Groups upgraded to supergroups: old chat id -> new one.
        self.migrated: dict[int, int] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._outage: tuple[int, str] = (502, "Bad Gateway")
        self._outage_until = 0.0
        self._spike_latency = 0.0
        self._spike_until = 0.0
        self._global_sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = {}
        self._group_sends: dict[int, deque[float]] = {}

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

        # Chats, users, updates.
        self._users: dict[int, EmulatedUser] = {}
        self._chats: dict[int, ChatState] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 10_000
        self._allowed_updates: frozenset[str] | None = None  # None = Telegram's default
        self._poll_generation = 0
        self._callbacks: dict[str, CallbackAnswer] = {}
        self._next_callback_id = 0
        self._files: dict[str, tuple[JSON, bytes]] = {}
        self._next_file = 0

        # Change notification: _changed for anything tests wait on, _updates_signal for
        # long-polling getUpdates.
        self._seq = 0
        self._changed = Signal()
        self._updates_signal = Signal()

        self._runner: web.AppRunner | None = None
        self._closing = False
        self.host = "127.0.0.1"
        self.port = 0

        self._methods: dict[str, tuple[str, Handler]] = {}
        method_names = _names(
            "getMe logOut close getUpdates setWebhook deleteWebhook getWebhookInfo "
            "sendMessage sendPhoto sendDocument sendVideo sendLocation sendMediaGroup "
            "copyMessage editMessageText "
            "editMessageCaption editMessageReplyMarkup deleteMessage deleteMessages "
            "answerCallbackQuery setMyCommands getMyCommands deleteMyCommands sendChatAction "
            "setMyDescription getMyDescription setMyShortDescription getMyShortDescription "
            "setMyName getMyName getChat getFile"
        )
        for name in method_names:
            handler = getattr(self, "_m_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            # Telegram method names are case-insensitive.
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        # A short shutdown timeout: stop() wakes every long poll first, so nothing should
        # still be running anyway.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._updates_signal.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.base_url}/file/bot"

    # ------------------------------------------------------------------ configuration

    def set_flood_limits(
        self,
        global_per_s: int | None = None,
        per_chat_per_s: int | None = None,
        per_group_per_min: int | None = None,
    ) -> None:
        """Set send limits (None = unlimited). Windows are rolling and strict."""
        self.global_per_s = global_per_s
        self.per_chat_per_s = per_chat_per_s
        self.per_group_per_min = per_group_per_min

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
        old = self._chats.get(old_chat_id)
        self.add_group(new_chat_id, old.title or "" if old else "")
        self.migrated[old_chat_id] = new_chat_id

    def deactivate(self, user_id: int) -> None:
        """The user deleted their account: sends to them answer 403 "user is deactivated"."""
        self.deactivated.add(user_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        description: str = "Internal Server Error",
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` answer this error (queued after any
        failures already scheduled). ``retry_after`` adds ``parameters.retry_after``.

        A 429 always carries retry_after like Telegram's (default 1) and, unless a
        description is given, Telegram's "Too Many Requests: retry after N" text.
        """
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        name = self._methods.get(method.lower(), (method, None))[0]
        queue = self._faults.setdefault(name, deque())
        queue.extend(_Fault(status, description, retry_after) for _ in range(count))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._outage_until = 0.0
        self._spike_until = 0.0

    def outage(
        self, seconds: float, *, status: int = 502, description: str = "Bad Gateway"
    ) -> None:
        """Every call answers ``status`` for the next ``seconds`` (Telegram down, or the
        proxy in front of it): what an operator sees during an outage."""
        self._outage = (status, description)
        self._outage_until = time.monotonic() + seconds

    def spike(self, latency: float, seconds: float) -> None:
        """Calls that arrive in the next ``seconds`` are answered ``latency`` seconds late,
        and carried out all the same: a client that gives up waiting does not undo a send,
        as with Telegram."""
        self._spike_latency = latency
        self._spike_until = time.monotonic() + seconds

    # ------------------------------------------------------------------ users, chats, state

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmulatedUser:
        """The emulated user with this id (created on first call; later calls return it)."""
        existing = self._users.get(user_id)
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
        self._users[user_id] = user
        self._chats[user_id] = ChatState(
            id=user_id,
            type="private",
            first_name=user.first_name,
            last_name=last_name,
            username=username,
        )
        return user

    def add_group(self, chat_id: int, title: str, type: str = "supergroup") -> ChatState:
        """Register a group chat (ids of groups are negative in Telegram)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = ChatState(id=chat_id, type=type, title=title)
            self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> ChatState | None:
        return self._chats.get(chat_id)

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        """Bot messages in a chat (not deleted), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.bot_messages.values() if not m.deleted]

    def requests_for(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by getUpdates' offset."""
        return list(self._updates)

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    async def wait_until(
        self,
        predicate: Callable[[], T],
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

    def push_update(self, kind: str, payload: JSON) -> JSON | None:
        """Queue a raw update of type ``kind`` (e.g. "my_chat_member"); returns it, or None if
        ``allowed_updates`` filters it out (filtering happens at creation, like Telegram)."""
        allowed = self._allowed_updates
        if allowed is None:
            if kind in _DEFAULT_EXCLUDED_UPDATES:
                return None
        elif kind not in allowed:
            return None
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._updates_signal.fire()
        return update

    @property
    def seq(self) -> int:
        """The change counter (``StoredMessage.seq`` holds its value at a send or edit)."""
        return self._seq

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109 (wake-up deadline)
        """Return at the next change, or after ``timeout`` seconds.

        Check the condition and call this without awaiting in between (see ``Signal``).
        """
        await self._changed.wait(timeout)

    def _changed_now(self) -> int:
        self._seq += 1
        self._changed.fire()
        return self._seq

    # ------------------------------------------------------------------ driver support

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
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        message: JSON = {
            "message_id": chat.take_message_id(),
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            target = self._any_message_json(chat, reply_to)
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
        self._changed_now()
        return message

    def post_callback(
        self, user: Actor, chat_id: int, message_id: int, data: str
    ) -> CallbackAnswer:
        """A user presses an inline button with ``data`` under a bot message."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            message = self._message_json(stored)
        else:
            # Telegram sends an InaccessibleMessage (date 0) for messages it cannot show.
            message = {"chat": chat.to_json(), "message_id": message_id, "date": 0}
        self._next_callback_id += 1
        query_id = str(4_000_000_000_000_000_000 + self._next_callback_id)
        answer = CallbackAnswer(query_id, data, chat_id, message_id)
        self._callbacks[query_id] = answer
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
        self._changed_now()
        return answer

    def _queue_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        user = self._users.get(user_id)
        chat = self._chats.get(user_id)
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

    # ------------------------------------------------------------------ HTTP layer

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if path.startswith("file/bot"):
            return await self._serve_file(path[len("file/bot") :])
        if not path.startswith("bot") or "/" not in path:
            return self._error_response(ApiError(404, "Not Found"))
        token, _, method_raw = path[len("bot") :].partition("/")
        if token != self.token:
            # Telegram: 404 for a malformed token, 401 for a well-formed unknown one.
            code = 401 if _TOKEN_RE.fullmatch(token) else 404
            return self._error_response(
                ApiError(code, "Unauthorized" if code == 401 else "Not Found")
            )

        name, handler = self._methods.get(method_raw.lower(), (method_raw, None))
        self.stats.calls[name] += 1
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            return self._fail(name, exc, None)
        record = RecordedRequest(name, params, time.time())
        self.requests.append(record)
        self._changed_now()
        try:
            arrived = time.monotonic()
            delay = self.latency + (self._spike_latency if arrived < self._spike_until else 0.0)
            if delay > 0:
                await asyncio.sleep(delay)
            if arrived < self._outage_until:
                raise ApiError(*self._outage)
            if handler is None:
                raise ApiError(404, "Not Found")
            faults = self._faults.get(name)
            if faults:
                fault = faults.popleft()
                params_out = {"retry_after": fault.retry_after} if fault.retry_after else None
                raise ApiError(fault.status, fault.description, params_out)
            result = await handler(params)
        except ApiError as exc:
            return self._fail(name, exc, record)
        record.status = 200
        return web.json_response({"ok": True, "result": result})

    def _fail(self, method: str, exc: ApiError, record: RecordedRequest | None) -> web.Response:
        self.stats.errors[(method, exc.code)] += 1
        if exc.code == 429:
            self.stats.http_429 += 1
        if record is not None:
            record.status = exc.code
        return self._error_response(exc)

    @staticmethod
    def _error_response(exc: ApiError) -> web.Response:
        return web.json_response(exc.to_json(), status=exc.code)

    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad("can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON object")
                raw.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = UploadedFile(
                            value.filename, value.file.read(), value.content_type
                        )
                    else:
                        raw[key] = value
        return {key: self._decode_param(key, value) for key, value in raw.items()}

    @staticmethod
    def _decode_param(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError as exc:
                if key == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from exc
                raise _bad(f"can't parse {key} JSON object") from exc
        if key in ("chat_id", *_INT_FIELDS) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        if key in _FLOAT_FIELDS:
            try:
                return float(value)
            except ValueError:
                return value
        if key not in _TEXT_FIELDS and value in ("true", "false"):
            return value == "true"
        return value

    async def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        for meta, content in self._files.values():
            if meta["file_path"] == file_path:
                return web.Response(body=content)
        return self._error_response(ApiError(404, "Not Found"))

    # ------------------------------------------------------------------ helpers

    def _chat(self, chat_id: Any) -> ChatState:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self._chats.values():
                    if chat.username and chat.username.lower() == chat_id[1:].lower():
                        return chat
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        if int(chat_id) in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[int(chat_id)]},
            )
        chat = self._chats.get(int(chat_id))
        if chat is None:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        return chat

    def _check_reachable(self, chat: ChatState) -> None:
        if chat.type != "private":
            return
        if chat.id in self.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _flood_check(self, chat: ChatState) -> None:
        """Raise 429 if this send would exceed a limit; otherwise count it."""
        now = time.monotonic()
        checks: list[tuple[deque[float], int | None, float]] = [
            (self._global_sends, self.global_per_s, 1.0),
            (self._chat_sends.setdefault(chat.id, deque()), self.per_chat_per_s, 1.0),
        ]
        if chat.is_group:
            checks.append(
                (self._group_sends.setdefault(chat.id, deque()), self.per_group_per_min, 60.0)
            )
        limited, wait = False, 0.0
        for window, limit, span in checks:
            while window and window[0] <= now - span:
                window.popleft()
            if limit is None:
                continue
            if limit <= 0:
                limited = True
            elif len(window) >= limit:
                # The window frees once enough of the oldest sends have aged out.
                limited = True
                wait = max(wait, window[len(window) - limit] + span - now)
        if limited:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for window, _, _ in checks:
            window.append(now)

    def _format(
        self, params: JSON, field: str, *, required: bool
    ) -> tuple[str, str | None, str | None, list[JSON]]:
        """Parse text/caption with parse_mode → (plain, raw, parse_mode, entities)."""
        raw = params.get(field)
        is_text = field == "text"
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return "", None, None, []
        raw = str(raw)
        parse_mode = params.get("parse_mode") or None
        entities_field = "entities" if is_text else "caption_entities"
        if parse_mode is None:
            given = params.get(entities_field) or []
            if not isinstance(given, list):
                raise _bad(f"can't parse {entities_field} JSON object")
            plain, entities = strip_entities_text(raw, given)
        elif str(parse_mode).lower() == "html":
            try:
                plain, entities = parse_html(raw, strict_entities=self.strict_html)
            except HtmlParseError as exc:
                raise ApiError(400, str(exc)) from exc
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            # Not parsed: stored as sent.
            plain, entities = raw, []
        else:
            raise _bad("unsupported parse_mode")
        if not plain and required:
            raise _bad("message text is empty")
        if is_text and len(plain) > MAX_TEXT:
            raise _bad("message is too long")
        if not is_text and len(plain) > MAX_CAPTION:
            raise _bad("message caption is too long")
        return plain, raw, parse_mode, entities

    @staticmethod
    def _validate_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in rows:
                for button in row:
                    _validate_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
            for row in rows:
                for button in row:
                    if isinstance(button, str):
                        continue
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad('can\'t parse keyboard button: Field "text" must be a String')
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_target(self, chat: ChatState, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = _flag(reply.get("allow_sending_without_reply", False))
            if reply.get("chat_id") not in (None, chat.id):
                chat = self._chat(reply["chat_id"])
        else:
            message_id = params.get("reply_to_message_id")
            allow = _flag(params.get("allow_sending_without_reply", False))
        if message_id is None:
            return None
        if self._any_message_json(chat, int(message_id)) is not None:
            return int(message_id)
        if allow:
            return None
        raise _bad("message to be replied not found")

    def _any_message_json(self, chat: ChatState, message_id: int) -> JSON | None:
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            return self._message_json(stored, with_reply=False)
        return None

    def _message_json(self, msg: StoredMessage, *, with_reply: bool = True) -> JSON:
        """A bot message as Telegram's Message object."""
        chat = self._chats[msg.chat_id]
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
            target = self._any_message_json(chat, msg.reply_to_message_id)
            if target is not None:
                data["reply_to_message"] = target
        # Only inline keyboards stay attached to a message.
        if msg.inline_markup is not None:
            data["reply_markup"] = msg.inline_markup
        return data

    def _store(self, chat: ChatState, msg: StoredMessage) -> StoredMessage:
        msg.seq = self._changed_now()
        chat.bot_messages[msg.message_id] = msg
        self.sent_messages.append(msg)
        user = self._users.get(chat.id)
        if user is not None:
            user.messages.append(msg)
        return msg

    def _new_message(
        self,
        chat: ChatState,
        p: JSON,
        text: str,
        raw: str | None,
        parse_mode: str | None,
        entities: list[JSON],
        markup: JSON | None,
        reply_to: int | None,
        *,
        kind: str = "text",
        media: Any = None,
    ) -> StoredMessage:
        """Create and store a bot message with the common send options from ``p``."""
        msg = StoredMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.id,
            text=text,
            html=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            protect_content=_flag(p.get("protect_content", False)),
            disable_notification=_flag(p.get("disable_notification", False)),
            reply_to_message_id=reply_to,
            link_preview_options=p.get("link_preview_options") if kind == "text" else None,
            kind=kind,
            media=media,
        )
        return self._store(chat, msg)

    def _bot_message(self, chat: ChatState, message_id: Any, not_found: str) -> StoredMessage:
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = chat.bot_messages.get(int(message_id))
        if stored is None or stored.deleted:
            if int(message_id) in chat.user_messages:
                raise _bad("message can't be edited")
            raise _bad(not_found)
        return stored

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the bot uploaded (tests read exports with this)."""
        return self._files[file_id][1]

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
        self._next_file += 1
        meta: JSON = {
            "file_id": f"USR{kind.upper()}{self._next_file:06d}",
            "file_unique_id": f"UU{self._next_file:06d}",
            "file_size": len(content) if size is None else size,
            "file_path": f"{kind}s/user_file_{self._next_file}",
        }
        if file_name is not None:
            meta["file_name"] = file_name
        if mime_type is not None:
            meta["mime_type"] = mime_type
        self._files[meta["file_id"]] = (meta, content)
        public = dict(meta)
        public.pop("file_path")  # only getFile reveals the path
        return public

    def _new_file(self, value: Any, kind: str) -> JSON:
        """Register an uploaded file (or accept a file_id/URL string) → file metadata."""
        if isinstance(value, UploadedFile):
            content, filename = value.content, value.filename
        elif isinstance(value, str) and value:
            if value in self._files:
                return dict(self._files[value][0])
            content, filename = b"", value.rsplit("/", 1)[-1]
        else:
            raise _bad(f"there is no {kind} in the request")
        self._next_file += 1
        file_id = f"EMU{kind.upper()}{self._next_file:06d}"
        meta: JSON = {
            "file_id": file_id,
            "file_unique_id": f"U{self._next_file:06d}",
            "file_size": len(content),
            "file_path": f"{kind}s/file_{self._next_file}",
        }
        if kind == "document" and filename:
            meta["file_name"] = filename
        self._files[file_id] = (meta, content)
        return dict(meta)

    # ------------------------------------------------------------------ methods: bot/updates

    async def _m_get_me(self, p: JSON) -> JSON:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_log_out(self, p: JSON) -> bool:
        return True

    async def _m_close(self, p: JSON) -> bool:
        return True

    async def _m_get_updates(self, p: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(409, ERR_WEBHOOK_ACTIVE)
        # A newer getUpdates terminates the one still waiting.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()

        offset = p.get("offset")
        if isinstance(offset, int) and offset != 0:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list restores the default; otherwise remembered for later calls.
            self._allowed_updates = frozenset(allowed) if allowed else None
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, ERR_TERMINATED)
            if self.webhook_url:  # set while this request was waiting
                raise ApiError(409, ERR_WEBHOOK_ACTIVE)
            if self._updates or self._closing:
                return self._updates[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(remaining)

    async def _m_set_webhook(self, p: JSON) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if _flag(p.get("drop_pending_updates", False)):
            self._updates.clear()
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        # Setting a webhook terminates a waiting getUpdates.
        self._updates_signal.fire()
        return True

    async def _m_delete_webhook(self, p: JSON) -> bool:
        self.webhook_url = ""
        if _flag(p.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _m_get_webhook_info(self, p: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------ methods: messages

    async def _m_send_message(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        plain, raw, parse_mode, entities = self._format(p, "text", required=True)
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        self._flood_check(chat)
        msg = self._new_message(chat, p, plain, raw, parse_mode, entities, markup, reply_to)
        return self._message_json(msg)

    async def _send_media(self, p: JSON, kind: str) -> JSON:
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        plain, raw, parse_mode, entities = self._format(p, "caption", required=False)
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        if p.get(kind) in (None, ""):
            raise _bad(f"there is no {kind} in the request")
        self._flood_check(chat)
        meta = self._new_file(p.get(kind), kind)
        meta.pop("file_path", None)  # only getFile reveals the path
        msg = self._new_message(
            chat,
            p,
            plain,
            raw,
            parse_mode,
            entities,
            markup,
            reply_to,
            kind=kind,
            media=_media_json(kind, meta),
        )
        return self._message_json(msg)

    async def _m_send_photo(self, p: JSON) -> JSON:
        return await self._send_media(p, "photo")

    async def _m_send_document(self, p: JSON) -> JSON:
        return await self._send_media(p, "document")

    async def _m_send_video(self, p: JSON) -> JSON:
        return await self._send_media(p, "video")

    async def _m_send_location(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        latitude, longitude = p.get("latitude"), p.get("longitude")
        if not isinstance(latitude, float | int) or not -90 <= latitude <= 90:
            raise _bad("wrong latitude specified")
        if not isinstance(longitude, float | int) or not -180 <= longitude <= 180:
            raise _bad("wrong longitude specified")
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        self._flood_check(chat)
        media = {"latitude": float(latitude), "longitude": float(longitude)}
        msg = self._new_message(
            chat, p, "", None, None, [], markup, reply_to, kind="location", media=media
        )
        return self._message_json(msg)

    async def _m_send_media_group(self, p: JSON) -> list[JSON]:
        """An album of 2 to 10 photos/videos (or documents); each item may have a caption."""
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        items = p.get("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise _bad("wrong number of media in the album")
        reply_to = self._reply_target(chat, p)
        self._flood_check(chat)
        group_id = str(10_000_000 + self._next_file)
        sent = []
        for item in items:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "document", "audio"):
                raise _bad("unsupported media type in the album")
            ref = item.get("media")
            if isinstance(ref, str) and ref.startswith("attach://"):
                ref = p.get(ref[len("attach://") :])
            fields = {k: v for k, v in item.items() if k in ("caption", "parse_mode")}
            plain, raw, parse_mode, entities = self._format(fields, "caption", required=False)
            meta = self._new_file(ref, kind)
            meta.pop("file_path", None)
            msg = self._new_message(
                chat,
                p,
                plain,
                raw,
                parse_mode,
                entities,
                None,
                reply_to,
                kind=kind,
                media=_media_json(kind, meta),
            )
            msg.media_group_id = group_id
            sent.append(self._message_json(msg))
        return sent

    async def _m_copy_message(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        source_chat = self._chat(p.get("from_chat_id"))
        self._check_reachable(chat)
        message_id = p.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        source = source_chat.bot_messages.get(int(message_id))
        user_source = source_chat.user_messages.get(int(message_id))
        if (source is None or source.deleted) and user_source is None:
            raise _bad("message to copy not found")
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        if source is not None and not source.deleted:
            text, html, parse_mode, entities = (
                source.text,
                source.html,
                source.parse_mode,
                source.entities,
            )
            kind, media = source.kind, source.media
        else:
            assert user_source is not None
            text = user_source.get("text", user_source.get("caption", ""))
            html, parse_mode, entities = text, None, list(user_source.get("entities", []))
            kind, media = "text", None
            for media_kind in ("photo", "video", "document", "location"):
                if media_kind in user_source:
                    kind, media = media_kind, user_source[media_kind]
        if "caption" in p and kind != "text":
            text, html, parse_mode, entities = self._format(p, "caption", required=False)
        self._flood_check(chat)
        msg = self._new_message(
            chat, p, text, html, parse_mode, entities, markup, reply_to, kind=kind, media=media
        )
        return {"message_id": msg.message_id}

    def _edit_target(self, p: JSON) -> tuple[ChatState, StoredMessage]:
        if p.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        return chat, self._bot_message(chat, p.get("message_id"), "message to edit not found")

    def _apply_edit(
        self,
        msg: StoredMessage,
        *,
        text: str,
        raw: str | None,
        parse_mode: str | None,
        entities: list[JSON],
        markup: JSON | None,
    ) -> JSON:
        if text == msg.text and entities == msg.entities and markup == msg.inline_markup:
            raise ApiError(400, ERR_NOT_MODIFIED)
        if text != msg.text:
            msg.history.append(msg.text)
        msg.text, msg.html, msg.parse_mode, msg.entities = text, raw, parse_mode, entities
        # Omitting reply_markup in an edit removes the inline keyboard; a reply keyboard
        # sent with the original message is not part of the message and stays recorded.
        if markup is not None or msg.inline_markup is not None:
            msg.reply_markup = markup
        msg.edit_count += 1
        msg.edited = True
        msg.edit_date = int(time.time())
        msg.seq = self._changed_now()
        return self._message_json(msg)

    async def _m_edit_message_text(self, p: JSON) -> JSON:
        _, msg = self._edit_target(p)
        if msg.kind != "text":
            raise _bad("there is no text in the message to edit")
        plain, raw, parse_mode, entities = self._format(p, "text", required=True)
        markup = self._validate_markup(p.get("reply_markup"), inline_only=True)
        if "link_preview_options" in p:
            msg.link_preview_options = p["link_preview_options"]
        return self._apply_edit(
            msg, text=plain, raw=raw, parse_mode=parse_mode, entities=entities, markup=markup
        )

    async def _m_edit_message_caption(self, p: JSON) -> JSON:
        _, msg = self._edit_target(p)
        if msg.kind == "text":
            raise _bad("there is no caption in the message to edit")
        plain, raw, parse_mode, entities = self._format(p, "caption", required=False)
        markup = self._validate_markup(p.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            msg, text=plain, raw=raw, parse_mode=parse_mode, entities=entities, markup=markup
        )

    async def _m_edit_message_reply_markup(self, p: JSON) -> JSON:
        _, msg = self._edit_target(p)
        markup = self._validate_markup(p.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            msg,
            text=msg.text,
            raw=msg.html,
            parse_mode=msg.parse_mode,
            entities=msg.entities,
            markup=markup,
        )

    def _delete(self, chat: ChatState, message_id: int) -> bool:
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            stored.deleted = True
            user = self._users.get(chat.id)
            if user is not None and stored in user.messages:
                user.messages.remove(stored)
            self._changed_now()
            return True
        if chat.user_messages.pop(message_id, None) is not None:
            self._changed_now()
            return True
        return False

    async def _m_delete_message(self, p: JSON) -> bool:
        chat = self._chat(p.get("chat_id"))
        message_id = p.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        if not self._delete(chat, int(message_id)):
            raise _bad("message to delete not found")
        return True

    async def _m_delete_messages(self, p: JSON) -> bool:
        chat = self._chat(p.get("chat_id"))
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must be a non-empty array of at most 100 identifiers")
        for message_id in ids:
            self._delete(chat, int(message_id))  # missing ones are skipped, as Telegram does
        return True

    async def _m_answer_callback_query(self, p: JSON) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        answer = self._callbacks.get(query_id)
        if answer is None or answer.answered:
            raise ApiError(400, ERR_QUERY_INVALID)
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        result: JSON = {
            "text": text,
            "show_alert": _flag(p.get("show_alert", False)),
            "url": p.get("url"),
            "cache_time": p.get("cache_time"),
        }
        answer.resolve(result)
        self.callback_answers.append({"callback_query_id": query_id, **result})
        self._changed_now()
        return True

    async def _m_send_chat_action(self, p: JSON) -> bool:
        chat = self._chat(p.get("chat_id"))
        self._check_reachable(chat)
        action = p.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append(ChatAction(chat.id, action, time.time()))
        self._changed_now()
        return True

    async def _m_get_chat(self, p: JSON) -> JSON:
        chat = self._chat(p.get("chat_id"))
        return chat.to_json() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_get_file(self, p: JSON) -> JSON:
        entry = self._files.get(str(p.get("file_id") or ""))
        if entry is None:
            raise _bad("invalid file_id")
        return dict(entry[0])

    # ------------------------------------------------------------------ methods: bot settings

    def _scope_key(self, scope: Any) -> str:
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise _bad("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return kind
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{self._chat(scope.get('chat_id')).id}"
        if kind == "chat_member":
            chat = self._chat(scope.get("chat_id"))
            return f"chat_member:{chat.id}:{int(scope.get('user_id') or 0)}"
        raise _bad("wrong bot command scope type specified")

    @staticmethod
    def _language(p: JSON) -> str:
        language = str(p.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return language

    async def _m_set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many bot commands specified")
        cleaned: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = (self._scope_key(p.get("scope")), self._language(p))
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        self._changed_now()
        return True

    async def _m_get_my_commands(self, p: JSON) -> list[JSON]:
        key = (self._scope_key(p.get("scope")), self._language(p))
        return [dict(c) for c in self.commands.get(key, [])]

    async def _m_delete_my_commands(self, p: JSON) -> bool:
        key = (self._scope_key(p.get("scope")), self._language(p))
        self.commands.pop(key, None)
        self._changed_now()
        return True

    def _set_text_setting(self, store: dict[str, str], p: JSON, field: str, limit: int) -> bool:
        value = str(p.get(field) or "")
        if len(value) > limit:
            raise _bad(f"{field} is too long")
        language = self._language(p)
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        self._changed_now()
        return True

    def _get_text_setting(self, store: dict[str, str], p: JSON) -> str:
        language = self._language(p)
        # Like Telegram, fall back to the default-language value.
        return store.get(language, store.get("", ""))

    async def _m_set_my_description(self, p: JSON) -> bool:
        return self._set_text_setting(self.descriptions, p, "description", 512)

    async def _m_get_my_description(self, p: JSON) -> JSON:
        return {"description": self._get_text_setting(self.descriptions, p)}

    async def _m_set_my_short_description(self, p: JSON) -> bool:
        return self._set_text_setting(self.short_descriptions, p, "short_description", 120)

    async def _m_get_my_short_description(self, p: JSON) -> JSON:
        return {"short_description": self._get_text_setting(self.short_descriptions, p)}

    async def _m_set_my_name(self, p: JSON) -> bool:
        return self._set_text_setting(self.names, p, "name", 64)

    async def _m_get_my_name(self, p: JSON) -> JSON:
        return {"name": self._get_text_setting(self.names, p) or self.bot_first_name}


def _media_json(kind: str, meta: JSON) -> Any:
    """The Message field for a sent file: photo sizes, or the video/document object."""
    if kind == "photo":
        return [meta | {"width": 320, "height": 320}]
    if kind == "video":
        return meta | {"width": 640, "height": 360, "duration": 1}
    return meta


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not any(action in button for action in _INLINE_ACTIONS):
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
