"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB leaves the transport pluggable (``telegram.request.BaseRequest``). Its default,
``HTTPXRequest``, spends milliseconds of CPU per Bot API call once many calls are in flight
(``python -m bench.transport`` here: 3.5 ms per edit with 32 in flight, against 0.6 ms on
aiohttp, which the stack carries anyway: the Bot API emulator is built on it). Every
answered button, edit and fan-out message pays that, so the cheaper transport is the
default; ``telegram.http_client = "httpx"`` brings PTB's own back.

PTB's four timeouts map onto aiohttp's as closely as aiohttp allows:

* pool + connect -> ``connect`` (aiohttp counts waiting for a pooled connection and opening
  a new one together), connect -> ``sock_connect``;
* read -> ``sock_read`` (per read from the socket, as in httpx);
* write: aiohttp has none. A request without files is a few kilobytes the kernel takes at
  once; an upload gets a ``total`` of write + read instead (write defaulting to the media
  write timeout, as in ``HTTPXRequest``).

A proxy comes from the environment as with httpx (HTTPS_PROXY / HTTP_PROXY, NO_PROXY), read
once per host: aiohttp's own ``trust_env`` would read it again on every request (about
250 µs here).

A timeout while connecting means the request was never sent; it is reported as such, so a
caller can tell it from a request that may have reached Telegram.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["NO_LINK_PREVIEW", "AiohttpRequest", "call_raw"]

# What the application's Defaults give PTB's own methods (bot/app.py), which a raw call
# bypasses: every raw call with a text passes it itself.
NO_LINK_PREVIEW = {"is_disabled": True}

_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
_FORM_HEADERS = _HEADERS | {"Content-Type": "application/x-www-form-urlencoded"}

_NOT_SENT = (
    "Pool timeout: no connection to the Bot API became free or could be opened in time. "
    "Request was *not* sent to Telegram."
)


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` over one ``aiohttp.ClientSession`` with a bounded connection pool.

    Defaults match ``HTTPXRequest``'s, so swapping the two changes no behaviour but cost.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # Created in initialize(): a ClientSession belongs to the running event loop.
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        # PTB adds the long-polling timeout of getUpdates to this.
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # Bot API answers are JSON that PTB parses itself: no cookies to keep.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._proxies.clear()  # read the environment again at the next start

    def _proxy_for(self, url: str) -> str | None:
        """The environment's proxy for this URL's scheme and host, looked up once."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxy = None
            if parts.hostname and not urllib.request.proxy_bypass(parts.hostname):
                proxy = urllib.request.getproxies().get(parts.scheme)
            self._proxies[key] = proxy
        return self._proxies[key]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        has_files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # Only an upload gets a total: a download (an attachment) may take long while it
        # keeps reading, as with httpx.
        write = _given(write_timeout, self._media_write_timeout) if has_files else None
        timeout = aiohttp.ClientTimeout(
            total=None if write is None or read is None else write + read,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )

        data = _body(request_data)
        headers = _FORM_HEADERS if isinstance(data, bytes) else _HEADERS
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise TimedOut(_NOT_SENT) from exc
        except TimeoutError as exc:  # sock_read or total; asyncio's is the same class
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name helps when the message is empty (a dropped connection).
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(value: Any, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "use the transport's default" and None for "no limit"."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """Form fields as PTB sends them with httpx: urlencoded, or multipart with files.
    Encoded here rather than given to aiohttp as a dict: aiohttp would build a FormData,
    and with it a multipart writer it does not use, for every call."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return urlencode(fields).encode() if fields else None
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


async def call_raw(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """A Bot API call whose answer is wanted as JSON, or not at all. PTB's own methods parse
    the Message Telegram returns (about half a millisecond for a checklist with its
    keyboard) and turn keyboards given as JSON into objects and back; errors raise PTB's
    classes either way. The name goes lower-case: Telegram's method names are
    case-insensitive, and PTB warns when ``do_api_request`` is given one it wraps itself."""
    return await bot.do_api_request(method.lower(), params)
