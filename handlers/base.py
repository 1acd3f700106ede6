"""The edge between Telegram and the services.

``@handles(...)`` wraps every handler: it opens one transaction per update, loads the sender
from the database and checks what they may do, turns a ``ServiceError`` into a message in
their language, and sends what the handler queued only after the transaction committed, so
no message promises something the database did not keep.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot import callback_data
from bot.db.models import Member, MemberStatus
from bot.delivery.errors import retry_after_seconds
from bot.delivery.kinds import Kind
from bot.delivery.limiter import SendLimiter
from bot.delivery.outbox import Outgoing, enqueue
from bot.delivery.priority import Priority
from bot.runtime import Runtime
from bot.services import members, profile
from bot.services.errors import ServiceError
from bot.telegram_request import NO_LINK_PREVIEW, call_raw
from handlers.commands import commands_for

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
# Notices to others (vetting cards, decisions) go ahead of routine advisories, behind urgent ones.
NOTICE_PRIORITY = Priority.NOTICE


class PerisaiContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Typed access to the shared runtime instead of string keys into bot_data."""

    @property
    def runtime(self) -> Runtime:
        return self.application.bot_data["runtime"]


PerisaiApplication = Application[Any, PerisaiContext, Any, Any, Any, Any]


class Access(Enum):
    ANYONE = "anyone"  # also people who never registered
    MEMBER = "member"  # registered, whatever the status (e.g. /leave)
    ACTIVE = "active"
    COORDINATOR = "coordinator"


@dataclass(slots=True)
class _Send:
    chat_id: int
    text: str
    markup: Markup = None


@dataclass(slots=True)
class _Edit:
    chat_id: int
    message_id: int
    text: str | None
    markup: dict[str, Any] | None  # an inline keyboard as the Bot API takes it


@dataclass(slots=True)
class _Document:
    chat_id: int
    filename: str
    content: bytes
    caption: str


@dataclass(slots=True)
class Outbox:
    """What a handler wants sent; flushed after commit."""

    sends: list[_Send] = field(default_factory=list)
    documents: list[_Document] = field(default_factory=list)
    edits: list[_Edit] = field(default_factory=list)
    answer_text: str | None = None
    answer_alert: bool = False
    command_updates: dict[int, Member | None] = field(default_factory=dict)

    def message(self, chat_id: int, text: str, markup: Markup = None) -> None:
        self.sends.append(_Send(chat_id, text, markup))

    def clear(self) -> None:
        self.sends.clear()
        self.documents.clear()
        self.edits.clear()
        self.command_updates.clear()
        self.answer_text, self.answer_alert = None, False


@dataclass(slots=True)
class Request:
    """One update being handled: who sent it, in which language, and a session."""

    update: Update
    context: PerisaiContext
    runtime: Runtime
    session: AsyncSession
    user: User
    member: Member | None
    lang: str
    out: Outbox

    def t(self, key: str, **args: Any) -> str:
        return self.runtime.translator.t(self.lang, key, **args)

    def tr(self, language: str, key: str, **args: Any) -> str:
        return self.runtime.translator.t(language, key, **args)

    @property
    def query(self) -> CallbackQuery | None:
        return self.update.callback_query

    def reply(self, text: str, markup: Markup = None) -> None:
        self.out.sends.append(_Send(self.user.id, text, markup))

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: Markup = None,
        *,
        priority: int = NOTICE_PRIORITY,
        kind: Kind = Kind.NOTICE,
        advisory_id: int | None = None,
    ) -> None:
        """A message to someone else: queued in this transaction, so it is sent if and only
        if what it announces was committed, and a crash or a blocked network loses nothing.
        With an ``advisory_id`` and a kind void with its advisory, it is not sent once the
        advisory is cancelled."""
        await enqueue(
            self.session,
            [
                Outgoing(
                    kind=kind,
                    advisory_id=advisory_id,
                    chat_id=chat_id,
                    text=text,
                    reply_markup=markup.to_dict() if markup is not None else None,
                    priority=priority,
                )
            ],
        )

    def reply_document(self, filename: str, content: bytes, caption: str) -> None:
        """A file for the sender (exports); sent protected: it holds personal data."""
        self.out.documents.append(_Document(self.user.id, filename, content, caption))

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        self.out.answer_text, self.out.answer_alert = text, alert

    def edit(
        self,
        *,
        text: str | None = None,
        markup: InlineKeyboardMarkup | dict[str, Any] | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> None:
        """Edit a message; by default the one whose button was pressed. The keyboard may be
        given as the Bot API's JSON (``{"inline_keyboard": ...}``), as services render it."""
        if message_id is None:
            message = self.query.message if self.query else None
            if message is None:
                return
            chat_id, message_id = message.chat.id, message.message_id
        assert chat_id is not None
        if isinstance(markup, InlineKeyboardMarkup):
            markup = markup.to_dict()
        self.out.edits.append(_Edit(chat_id, message_id, text, markup))

    def drop_keyboard(self) -> None:
        """Take the buttons off the pressed message so it cannot be pressed again."""
        self.edit(markup=None)

    def refresh_commands(self, telegram_user_id: int | None, member: Member | None) -> None:
        if telegram_user_id is not None:
            self.out.command_updates[telegram_user_id] = member


Handler = Callable[[Request], Awaitable[None]]


def button_fields(req: Request, prefix: str) -> tuple[str, ...] | None:
    """The checked fields of the pressed button's data; None (the presser is told the button
    is out of date) for anything malformed, forged or of another kind."""
    data = callback_data.parse(req.query.data if req.query else None)
    if data is None or data.prefix != prefix:
        req.answer(req.t("button-stale"), alert=True)
        return None
    return data.fields


def language_of(runtime: Runtime, user: User, member: Member | None) -> str:
    if member is not None and member.status != MemberStatus.LEFT:
        return member.language
    code = (user.language_code or "")[:2]
    return code if code in ("id", "en") else runtime.settings.bot.default_language


def _refusal(member: Member | None, access: Access) -> str | None:
    """The catalog key that answers someone who may not use this, or None if they may."""
    if access == Access.ANYONE:
        return None
    if member is None or member.status == MemberStatus.LEFT:
        return "status-unregistered"
    if access == Access.MEMBER:
        return None
    if member.status != MemberStatus.ACTIVE:
        return f"status-{member.status}"
    if access == Access.COORDINATOR and not member.is_coordinator:
        return "error-not-allowed"
    return None


async def _ask_name_first(req: Request) -> bool:
    """A coordinator or admin granted without a name or organisation is asked for them
    before anything else (people would otherwise see cards from no one); True if asked."""
    member = req.member
    if member is None or req.update.message is None or not profile.needs_naming(member):
        return False
    if await profile.in_progress(req.session, req.user.id):
        return False  # their answer is on its way to the flow
    missing = [f for f in profile.FIELDS if not getattr(member, f)]
    asked = await profile.begin(req.session, member=member, fields=missing)
    from handlers.profile import ask_profile  # the profile handlers render the question

    ask_profile(req, asked, first=True)
    return True


def handles(
    access: Access, *, sites: bool = True
) -> Callable[[Handler], Callable[[Update, PerisaiContext], Any]]:
    """``sites=False``: the handler never reads ``member.sites``, so they are not loaded (a
    hot path saves the joined rows; reading them anyway raises)."""

    def decorate(fn: Handler) -> Callable[[Update, PerisaiContext], Any]:
        @functools.wraps(fn)
        async def wrapper(update: Update, context: PerisaiContext) -> None:
            user, chat = update.effective_user, update.effective_chat
            if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
                return
            runtime = context.runtime
            out = Outbox()
            lang: str = runtime.settings.bot.default_language
            try:
                async with runtime.transaction() as session:
                    member = await members.by_telegram_id(session, user.id, sites=sites)
                    if member is not None and member.unreachable_at is not None:
                        member.unreachable_at = None  # they wrote to us: reachable again
                    lang = language_of(runtime, user, member)
                    request = Request(update, context, runtime, session, user, member, lang, out)
                    refusal = _refusal(member, access)
                    if refusal is None and await _ask_name_first(request):
                        lang = request.lang
                    elif refusal is None:
                        await fn(request)
                        lang = request.lang
                    else:
                        text = runtime.translator.t(lang, refusal)
                        if update.callback_query:
                            request.answer(text, alert=True)
                        else:
                            request.reply(text)
            except ServiceError as exc:
                # Rolled back: say why, and promise nothing the database did not keep.
                out.clear()
                text = runtime.translator.t(lang, exc.key, **exc.args_for_message)
                if update.callback_query:
                    out.answer_text, out.answer_alert = text, True
                else:
                    out.sends.append(_Send(user.id, text))
            await flush(context, out, update.callback_query)

        return wrapper

    return decorate


async def flush(context: PerisaiContext, out: Outbox, query: CallbackQuery | None) -> None:
    bot = context.bot
    # The answer and the edits are independent requests: sent side by side, the presser
    # waits for the slower of the two, not for both in turn.
    if query is not None and out.edits:
        await asyncio.gather(_answer(query, out), _edit_all(bot, out.edits))
    elif query is not None:
        await _answer(query, out)
    else:
        await _edit_all(bot, out.edits)
    limiter = context.runtime.limiter
    for send in out.sends:
        try:
            await _paced(
                limiter,
                send.chat_id,
                functools.partial(
                    bot.send_message,
                    send.chat_id,
                    send.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=send.markup,
                ),
            )
        except (Forbidden, BadRequest) as exc:
            # Blocked the bot, or never opened it: nothing to retry here.
            log.warning("chat %s unreachable: %s", send.chat_id, exc.message)
        except TelegramError:
            log.exception("send to chat %s failed", send.chat_id)
    for document in out.documents:
        try:
            await _paced(
                limiter,
                document.chat_id,
                functools.partial(
                    bot.send_document,
                    document.chat_id,
                    InputFile(document.content, filename=document.filename),
                    caption=document.caption,
                    parse_mode=ParseMode.HTML,
                    protect_content=True,
                ),
            )
        except TelegramError:
            log.exception("document to chat %s failed", document.chat_id)
    for chat_id, member in out.command_updates.items():
        await set_chat_commands(context, chat_id, member)


async def _paced(
    limiter: SendLimiter | None, chat_id: int, send: Callable[[], Awaitable[object]]
) -> None:
    """One reply under the limits everything else keeps: its chat's interval, the global
    pace (ahead of the fan-out, within the replies' share) and any pause. A 429 pauses every
    sender for its retry_after, as the delivery worker's do, and the reply is tried once more
    after it; a second 429 drops it (the person can ask again)."""
    for last_try in (False, True):
        if limiter is not None:
            await limiter.acquire_interactive(chat_id)
        try:
            await send()
            return
        except RetryAfter as exc:
            pause = retry_after_seconds(exc)
            if limiter is not None:
                limiter.pause_for(pause)
            if last_try:
                log.warning(
                    "reply to chat %s dropped: a second 429 (retry after %ss)", chat_id, pause
                )
                return
            log.warning("reply to chat %s got a 429: sending again in %ss", chat_id, pause)
            if limiter is None:
                await asyncio.sleep(pause)


async def _answer(query: CallbackQuery, out: Outbox) -> None:
    # Always answer, or the client shows a spinner until Telegram's timeout.
    try:
        await query.answer(out.answer_text[:200] if out.answer_text else None, out.answer_alert)
    except BadRequest as exc:
        log.info("callback answer refused: %s", exc.message)
    except TelegramError as exc:
        # What the handler did is committed: no "internal error" for a lost answer.
        log.warning("callback answer failed: %s", exc)


async def _edit_all(bot: ExtBot[None], edits: list[_Edit]) -> None:
    """The edits, in order (two may touch the same message). Sent as raw calls: PTB's
    edit methods parse the edited Message that Telegram returns (about half a millisecond
    for a checklist), and no one here reads it."""
    for edit in edits:
        params: dict[str, Any] = {"chat_id": edit.chat_id, "message_id": edit.message_id}
        if edit.markup is not None:
            params["reply_markup"] = edit.markup
        if edit.text is not None:
            params |= {
                "text": edit.text,
                "parse_mode": ParseMode.HTML,
                "link_preview_options": NO_LINK_PREVIEW,
            }
        try:
            method = "editMessageReplyMarkup" if edit.text is None else "editMessageText"
            await call_raw(bot, method, params)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.warning("edit of %s/%s failed: %s", edit.chat_id, edit.message_id, exc)
        except TelegramError as exc:
            log.warning("edit of %s/%s failed: %s", edit.chat_id, edit.message_id, exc)


async def set_chat_commands(context: PerisaiContext, chat_id: int, member: Member | None) -> None:
    """Each person sees the commands of their role and status, in their language."""
    runtime = context.runtime
    scope = BotCommandScopeChat(chat_id)
    try:
        if member is None or member.status == MemberStatus.LEFT:
            await context.bot.delete_my_commands(scope=scope)
            return
        await context.bot.set_my_commands(
            [
                BotCommand(name, runtime.translator.t(member.language, f"cmd-{name}"))
                for name in commands_for(member)
            ],
            scope=scope,
        )
    except TelegramError as exc:
        log.warning("commands for chat %s not set: %s", chat_id, exc)
