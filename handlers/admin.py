"""Coordinator commands: /invite, /suspend, /reinstate."""

from __future__ import annotations

import shlex

from bot.reference import local_time
from bot.services import invites, members
from bot.services.errors import ServiceError
from bot.services.invites import InviteRequest
from handlers.base import Access, Request, handles
from handlers.render import display_name
from handlers.reports import main_keyboard

INVITE_KEYS = {"uses", "days", "org", "sector", "province"}


def parse_invite_args(args: list[str]) -> InviteRequest:
    """``uses=5 days=14 sector=mall province=JI org="Pakuwon Mall"``; all optional."""
    try:
        words = shlex.split(" ".join(args))
    except ValueError:
        raise ServiceError("invite-usage") from None
    values: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in INVITE_KEYS or not value or key in values:
            raise ServiceError("invite-usage")
        values[key] = value
    try:
        return InviteRequest(
            max_uses=int(values.get("uses", 1)),
            days=int(values.get("days", 7)),
            organisation=values.get("org"),
            sector=values.get("sector"),
            province=values["province"].upper() if "province" in values else None,
        )
    except ValueError:
        raise ServiceError("invite-usage") from None


@handles(Access.COORDINATOR)
async def invite(req: Request) -> None:
    """/invite [uses=N] [days=N] [sector=..] [province=..] [org="..."]: a code to register."""
    assert req.member is not None
    settings = req.runtime.settings
    created, code = await invites.create(
        req.session,
        creator=req.member,
        request=parse_invite_args(req.context.args or []),
        known_sectors=req.runtime.rules.sectors,
        max_uses_limit=settings.registration.invite_max_uses,
        max_days_limit=settings.registration.invite_max_days,
    )
    translator = req.runtime.translator
    req.reply(
        req.t(
            "invite-created",
            code=code,
            link=f"https://t.me/{req.runtime.bot_username}?start={code}",
            uses=created.max_uses,
            expires=local_time(created.expires_at),
            organisation=created.organisation or "-",
            sector=translator.sector(req.lang, created.sector) if created.sector else "-",
            province=translator.province(req.lang, created.province) if created.province else "-",
        )
    )


@handles(Access.COORDINATOR)
async def suspend(req: Request) -> None:
    """/suspend <#number|@username> <reason>"""
    assert req.member is not None
    args = req.context.args or []
    if len(args) < 2:
        raise ServiceError("suspend-usage")
    target = await members.find(req.session, args[0])
    await members.suspend(
        req.session, coordinator=req.member, target=target, reason=" ".join(args[1:])
    )
    req.reply(req.t("suspend-done", number=str(target.id), name=display_name(target)))
    if target.telegram_user_id is not None:
        await req.send(target.telegram_user_id, req.tr(target.language, "status-suspended"))
        req.refresh_commands(target.telegram_user_id, target)


@handles(Access.COORDINATOR)
async def reinstate(req: Request) -> None:
    """/reinstate <#number|@username>"""
    assert req.member is not None
    args = req.context.args or []
    if len(args) != 1:
        raise ServiceError("reinstate-usage")
    target = await members.find(req.session, args[0])
    await members.reinstate(req.session, coordinator=req.member, target=target)
    req.reply(req.t("reinstate-done", number=str(target.id), name=display_name(target)))
    if target.telegram_user_id is not None:
        await req.send(
            target.telegram_user_id,
            req.tr(target.language, "reinstate-notice"),
            main_keyboard(req, target),
        )
        req.refresh_commands(target.telegram_user_id, target)
