"""The aiohttp transport under python-telegram-bot: the same wire format and the same error
classes as PTB's own httpx transport, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.delivery.errors import retry_after_seconds
from bot.emulator import BotApiEmulator
from bot.runtime import Runtime
from bot.telegram_request import AiohttpRequest
from tests.conftest import TOKEN, make_settings

USER = 4242


def _bot(base_url: str, request: AiohttpRequest, file_url: str | None = None) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        base_file_url=file_url or base_url,
        request=request,
        get_updates_request=AiohttpRequest(1),
    )


async def test_calls_reach_the_bot_api_as_with_httpx(emulator: BotApiEmulator) -> None:
    emulator.user(USER, first_name="Sari")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ck:1:y")]])
    async with _bot(emulator.api_url, AiohttpRequest(4), emulator.file_url) as bot:
        me = await bot.get_me()
        assert me.username == "perisai_test_bot"

        sent = await bot.send_message(
            USER, "<b>Siaga</b> &amp; waspada", parse_mode=ParseMode.HTML, reply_markup=markup
        )
        stored = emulator.chat_messages(USER)[-1]
        assert stored.message_id == sent.message_id
        assert stored.text == "Siaga & waspada"
        assert stored.reply_markup == markup.to_dict()

        await bot.edit_message_text("Diperbarui", USER, sent.message_id)
        assert emulator.chat_messages(USER)[-1].text == "Diperbarui"

        # A file goes as multipart, with its name and bytes intact.
        content = "situs;tingkat\nMal Sentosa – lantai 2;0,9\n".encode() * 200
        document = await bot.send_document(
            USER, InputFile(content, filename="kepatuhan.csv"), caption="<i>CSV</i>"
        )
        assert document.document is not None
        assert document.document.file_name == "kepatuhan.csv"
        assert emulator.file_content(document.document.file_id) == content

        # Downloads go through the same transport.
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == content


@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_bot_api_errors_keep_their_ptb_classes(emulator: BotApiEmulator) -> None:
    emulator.user(USER)
    async with _bot(emulator.api_url, AiohttpRequest(2)) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999_999, "x")
        emulator.block(USER)
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "x")
        emulator.unblock(USER)
        emulator.fail_next("sendMessage", status=429, retry_after=7)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "x")
        assert retry_after_seconds(caught.value) == 7
        emulator.fail_next("sendMessage", status=502, description="Bad Gateway")
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "x")
        assert (await bot.send_message(USER, "ok")).text == "ok"


@dataclass
class StallingServer:
    url: str
    arrived: asyncio.Event  # set once a request has reached it


@asynccontextmanager
async def serving(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[int]:
    """A local HTTP server answering every path with ``handler``; yields its port."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.fixture
async def stalling_server() -> AsyncIterator[StallingServer]:
    """A server that accepts requests and answers none of them (until the test ends)."""
    release, arrived = asyncio.Event(), asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with serving(stall) as port:
        yield StallingServer(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", arrived)
        release.set()


async def test_an_unanswered_call_times_out(stalling_server: StallingServer) -> None:
    async with AiohttpRequest(2, read_timeout=0.2) as request:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut) as caught:
            await request.post(stalling_server.url)
        assert asyncio.get_running_loop().time() - started < 5
        # It may have reached Telegram: not reported as "not sent".
        assert "not* sent" not in str(caught.value)


async def test_a_full_pool_fails_as_not_sent(stalling_server: StallingServer) -> None:
    url = stalling_server.url
    async with AiohttpRequest(1, read_timeout=10, pool_timeout=0.2) as request:
        holder = asyncio.create_task(request.post(url))  # takes the only connection, waits
        await asyncio.wait_for(stalling_server.arrived.wait(), 5)
        try:
            with pytest.raises(TimedOut, match=r"not\* sent"):
                await request.post(url)
        finally:
            holder.cancel()
            with pytest.raises(asyncio.CancelledError):
                await holder


async def test_an_unreachable_server_is_a_network_error() -> None:
    # Port 9 on loopback (discard) is closed here: the connection is refused at once.
    async with AiohttpRequest(1) as request:
        with pytest.raises(NetworkError) as caught:
            await request.post("http://127.0.0.1:9/bot/getMe")
        assert not isinstance(caught.value, TimedOut)
        assert "aiohttp." in str(caught.value)


async def test_it_is_usable_again_after_shutdown(emulator: BotApiEmulator) -> None:
    request = AiohttpRequest(1)
    url = f"{emulator.api_url}{TOKEN}/getMe"
    # PTB reports a transport's own failure as a NetworkError.
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    async with request:
        assert (await request.post(url))["is_bot"] is True
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    async with request:  # PTB's Application initializes again after a shutdown
        assert (await request.post(url))["is_bot"] is True


@pytest.mark.parametrize(
    ("http_client", "transport"), [("aiohttp", AiohttpRequest), ("httpx", HTTPXRequest)]
)
async def test_the_configured_client_carries_every_call(
    emulator: BotApiEmulator, database_url: str, http_client: str, transport: type
) -> None:
    emulator.user(USER)
    settings = make_settings(
        database_url,
        telegram={
            "token": TOKEN,
            "api_url": emulator.api_url,
            "file_url": emulator.file_url,
            "http_client": http_client,
        },
    )
    runtime = Runtime.from_settings(settings)
    try:
        application = build_application(runtime)
        assert isinstance(application.bot.request, transport)
        async with application:  # initialize: getMe through the configured client
            await application.bot.send_message(USER, "halo")
        assert emulator.chat_messages(USER)[-1].text == "halo"
    finally:
        await runtime.engine.dispose()


async def test_a_proxy_from_the_environment_carries_the_calls(
    emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with httpx: HTTP_PROXY is honoured (and NO_PROXY), read once per host."""
    emulator.user(USER)
    forwarded: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        # A forward proxy receives the absolute URL and passes the call on.
        forwarded.append(request.path)
        async with (
            ClientSession() as session,
            session.request(
                request.method,
                str(request.url),
                data=await request.read(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
            ) as answer,
        ):
            return web.Response(
                status=answer.status, body=await answer.read(), content_type="application/json"
            )

    async with serving(forward) as port:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        async with _bot(emulator.api_url, AiohttpRequest(2)) as bot:
            await bot.send_message(USER, "lewat proxy")
        assert emulator.chat_messages(USER)[-1].text == "lewat proxy"
        assert any(path.endswith("/sendMessage") for path in forwarded)

        forwarded.clear()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with _bot(emulator.api_url, AiohttpRequest(2)) as bot:  # a fresh lookup
            await bot.send_message(USER, "langsung")
        assert forwarded == []
        assert emulator.chat_messages(USER)[-1].text == "langsung"
