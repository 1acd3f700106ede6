"""Telegram handlers: transport only. ``register`` wires them, in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callback_data as cd
from handlers import (
    admin,
    advisories,
    chat_member,
    checkins,
    profile,
    registration,
    reports,
    text,
    throttle,
    vetting,
)
from handlers.base import PerisaiApplication


def register(application: PerisaiApplication) -> None:
    """Order matters: the flood throttle first, in a group of its own (-1) so that it sees
    every update and can stop one before any handler of group 0 (ApplicationHandlerStop);
    then commands before the plain-text catch-all, unknown commands last.

    Only private chats are served; in groups the bot stays silent.
    """
    application.add_handler(TypeHandler(Update, throttle.check), group=-1)
    private = filters.ChatType.PRIVATE
    commands = {
        "start": registration.start,
        "cancel": registration.cancel,
        "profile": profile.profile,
        "language": profile.language,
        "leave": profile.leave,
        "help": profile.help_command,
        "privacy": profile.privacy,
        "pending": vetting.pending,
        "invite": admin.invite,
        "suspend": admin.suspend,
        "reinstate": admin.reinstate,
        "advisory": advisories.compose,
        "advisories": advisories.list_advisories,
        "checkin": checkins.launch,
        "compliance": checkins.compliance_view,
        "schedules": checkins.list_schedules,
        "report": reports.report,
        "reports": reports.list_reports,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    callbacks = {
        cd.REGISTRATION: registration.choice,
        cd.VETTING: vetting.decision,
        cd.PROFILE: profile.profile_action,
        cd.LANGUAGE: profile.language_chosen,
        cd.COMPOSE: advisories.compose_choice,
        cd.REVIEW: advisories.review,
        cd.ACKNOWLEDGE: advisories.acknowledge,
        cd.ADVISORY: advisories.advisory_action,
        cd.CHECKIN: checkins.press,
        cd.LAUNCH: checkins.launch_choice,
        cd.COMPLIANCE: checkins.compliance_action,
        cd.REPORT: reports.report_choice,
        cd.TRIAGE: reports.triage,
        cd.REPORT_EXPORT: reports.export,
        cd.REPORTS_ADVISORY: reports.advisory_from_list,
    }
    for prefix, callback in callbacks.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=cd.pattern(prefix)))
    # Anything else pressed (old or forged data) still gets an answer.
    application.add_handler(CallbackQueryHandler(registration.choice))
    application.add_handler(MessageHandler(private & filters.CONTACT, registration.contact))
    # Photos, videos, documents, locations (a report's), and anything else that is not text.
    # New messages only: a live location would otherwise arrive again with every move.
    fresh = filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(private & fresh & filters.ATTACHMENT, reports.media))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, text.text))
    application.add_handler(MessageHandler(private & filters.COMMAND, text.unknown_command))
    application.add_handler(
        ChatMemberHandler(chat_member.blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER)
    )
