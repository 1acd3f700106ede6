"""The emulator's HTTP front: lifecycle, dispatch of Bot API calls, error answers.

:class:`BotApiEmulator` is the emulator's state (:mod:`bot.emulator.state`) served over
aiohttp, with the fault injection of :mod:`bot.emulator.faults` applied to every call. Each
call is counted and recorded, goes through latency, outage and scripted failures, then to the
handler of its Bot API method, registered below from the method modules.
"""

from __future__ import annotations

import re
import time
from types import TracebackType
from typing import Self

from aiohttp import web

from .callbacks import CallbackMethods
from .chats import ChatMethods
from .commands import CommandMethods
from .faults import Faults, FloodLimits
from .files import FileMethods
from .messages import SEND_METHODS, MessageMethods
from .models import ApiError, Handler, RecordedRequest
from .params import read_params
from .state import EmulatorState
from .updates import UpdateMethods

__all__ = ["SEND_METHODS", "BotApiEmulator"]

_TOKEN_RE = re.compile(r"\d+:[\w-]+")


class BotApiEmulator(EmulatorState):
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
        super().__init__(token, bot_id, bot_username, bot_first_name)
        self._faults = Faults()
        self._flood = FloodLimits()

        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

        # Every Bot API method the emulator answers, by area. Telegram's method names are
        # case-insensitive: the table is keyed by the lower-cased name, with the canonical one.
        self._file_methods = FileMethods(self.files)
        areas = (
            UpdateMethods(self),
            MessageMethods(self, self._flood),
            CallbackMethods(self),
            CommandMethods(self),
            ChatMethods(self),
            self._file_methods,
        )
        self._methods: dict[str, tuple[str, Handler]] = {}
        for area in areas:
            for name, handler in area.handlers().items():
                assert name.lower() not in self._methods, f"{name} registered twice"
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
        self.updates.closing = False

    async def stop(self) -> None:
        self.updates.closing = True
        self.updates.signal.fire()
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

    # ------------------------------------------------------------------ faults and limits

    @property
    def latency(self) -> float:
        """Seconds every call waits before it is answered."""
        return self._faults.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._faults.latency = seconds

    @property
    def global_per_s(self) -> int | None:
        return self._flood.global_per_s

    @global_per_s.setter
    def global_per_s(self, limit: int | None) -> None:
        self._flood.global_per_s = limit

    @property
    def per_chat_per_s(self) -> int | None:
        return self._flood.per_chat_per_s

    @per_chat_per_s.setter
    def per_chat_per_s(self, limit: int | None) -> None:
        self._flood.per_chat_per_s = limit

    @property
    def per_group_per_min(self) -> int | None:
        return self._flood.per_group_per_min

    @per_group_per_min.setter
    def per_group_per_min(self, limit: int | None) -> None:
        self._flood.per_group_per_min = limit

    def set_flood_limits(
        self,
        global_per_s: int | None = None,
        per_chat_per_s: int | None = None,
        per_group_per_min: int | None = None,
    ) -> None:
        """Set send limits (None = unlimited). Windows are rolling and strict."""
        self._flood.set(global_per_s, per_chat_per_s, per_group_per_min)

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
        self._faults.fail_next(
            method, status=status, description=description, count=count, retry_after=retry_after
        )

    def clear_faults(self) -> None:
        """Drop scripted failures and end any outage or spike (latency and limits stay)."""
        self._faults.clear()

    def outage(
        self, seconds: float, *, status: int = 502, description: str = "Bad Gateway"
    ) -> None:
        """Every call answers ``status`` for the next ``seconds`` (Telegram down, or the
        proxy in front of it): what an operator sees during an outage."""
        self._faults.outage(seconds, status=status, description=description)

    def spike(self, latency: float, seconds: float) -> None:
        """Calls that arrive in the next ``seconds`` are answered ``latency`` seconds late,
        and carried out all the same: a client that gives up waiting does not undo a send,
        as with Telegram."""
        self._faults.spike(latency, seconds)

    # ------------------------------------------------------------------ HTTP

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if path.startswith("file/bot"):
            return self._serve_file(path[len("file/bot") :])
        if not path.startswith("bot") or "/" not in path:
            return _error_response(ApiError(404, "Not Found"))
        token, _, method_raw = path[len("bot") :].partition("/")
        if token != self.token:
            # Telegram: 404 for a malformed token, 401 for a well-formed unknown one.
            code = 401 if _TOKEN_RE.fullmatch(token) else 404
            return _error_response(ApiError(code, "Unauthorized" if code == 401 else "Not Found"))

        name, handler = self._methods.get(method_raw.lower(), (method_raw, None))
        self.stats.calls[name] += 1
        try:
            params = await read_params(request)
        except ApiError as exc:
            return self._fail(name, exc, None)
        record = RecordedRequest(name, params, time.time())
        self.requests.append(record)
        self.note_change()
        try:
            await self._faults.on_arrival()
            if handler is None:
                raise ApiError(404, "Not Found")
            self._faults.raise_scripted(name)
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
        return _error_response(exc)

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        content = self._file_methods.download(file_path)
        if content is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=content)


def _error_response(exc: ApiError) -> web.Response:
    return web.json_response(exc.to_json(), status=exc.code)
