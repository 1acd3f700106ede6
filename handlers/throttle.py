"""The per-account flood throttle: the first check every update meets (see bot/throttle.py)."""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.services import members
from bot.throttle import Verdict, account_tag
from handlers.base import Outbox, PerisaiContext, flush, language_of

log = logging.getLogger(__name__)


async def check(update: Update, context: PerisaiContext) -> None:
    """Stop a message from an account over its rate; the first of a spell gets a notice."""
    # Messages only: button presses answer with edits, and ticking a checklist is fast.
    message = update.message or update.edited_message
    user = update.effective_user
    if message is None or user is None or message.chat.type != ChatType.PRIVATE:
        return
    # Counted by when Telegram received the message (to the second), not when we get to it:
    # updates wait for a free place among the concurrent ones, and a backlog released at
    # once would look like a flood, while a flood held back would look like a trickle.
    sent_at = (message.edit_date or message.date).timestamp()
    verdict = context.runtime.throttle.check(user.id, sent_at, album=message.media_group_id)
    if verdict is Verdict.PASS:
        return
    if verdict is Verdict.NOTIFY:
        # Aside: the notice waits its turn in the chat (behind the replies to what got
        # through), which need not hold one of the places for concurrent updates.
        context.application.create_task(
            _notify(context, user), update=update, name=f"throttle-notice:{user.id}"
        )
    raise ApplicationHandlerStop


async def _notify(context: PerisaiContext, user: User) -> None:
    """Log the spell (by member number, or a keyed hash: no names, no raw ids) and tell the
    account once, in its language."""
    runtime = context.runtime
    async with runtime.transaction() as session:
        member = await members.by_telegram_id(session, user.id, sites=False)
    abuse = runtime.settings.abuse
    who = (
        f"member #{member.id}"
        if member is not None
        else f"account {account_tag(user.id, runtime.settings.token)}"
    )
    log.warning(
        "throttled %s: more than %d messages in %gs; its messages are dropped until it slows"
        " down (%d throttles since start)",
        who,
        abuse.flood_messages,
        abuse.flood_window_s,
        runtime.throttle.throttled_total,
    )
    text = runtime.translator.t(
        language_of(runtime, user, member), "flood-throttled", seconds=f"{abuse.flood_window_s:g}"
    )
    out = Outbox()
    out.message(user.id, text)
    await flush(context, out, None)
