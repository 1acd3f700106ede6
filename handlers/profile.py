"""/profile, adding and removing sites, /language, /leave, /help."""

from __future__ import annotations

from bot import callback_data as cd
from bot.db.models import MemberStatus
from bot.reference import local_time
from bot.services import members, registration
from bot.services import profile as profile_service
from handlers.base import Access, Request, button_fields, handles
from handlers.commands import commands_for
from handlers.keyboards import inline
from handlers.registration import show_prompt
from handlers.render import member_card, status_text
from handlers.reports import main_keyboard


def _profile(req: Request) -> None:
    member = req.member
    assert member is not None
    translator = req.runtime.translator
    text = req.t(
        "profile",
        number=str(member.id),
        card=member_card(translator, req.lang, member),
        role=req.t(f"role-{member.role}"),
        since=local_time(member.decided_at or member.created_at),
    )
    buttons = [
        (req.t("btn-edit-name"), cd.build(cd.PROFILE, "name")),
        (req.t("btn-edit-organisation"), cd.build(cd.PROFILE, "org")),
    ]
    if len(member.active_sites) < req.runtime.rules.max_sites:
        buttons.append((req.t("btn-add-site"), cd.build(cd.PROFILE, "add")))
    if len(member.active_sites) > 1:
        buttons.extend(
            (req.t("btn-remove-site", name=site.name), cd.build(cd.PROFILE, "rm", site.id))
            for site in member.active_sites
        )
    req.reply(text, inline(buttons))


@handles(Access.ACTIVE)
async def profile(req: Request) -> None:
    """/profile: one's own data and sites."""
    _profile(req)


@handles(Access.MEMBER)
async def profile_action(req: Request) -> None:
    """Buttons under /profile and /leave; the site id is checked against the presser's own."""
    member = req.member
    assert member is not None and req.query is not None
    fields = button_fields(req, cd.PROFILE)
    if fields is None:
        return
    action = fields[0]
    if action == "leave":
        await members.leave(req.session, member=member)
        req.drop_keyboard()
        req.reply(req.t("leave-done"))
        req.refresh_commands(req.user.id, None)
        return
    if member.status != MemberStatus.ACTIVE:
        req.answer(req.t(f"status-{member.status}"), alert=True)
        return
    if action in ("name", "org"):
        field = "full_name" if action == "name" else "organisation"
        asked = await profile_service.begin(req.session, member=member, fields=[field])
        req.answer()
        ask_profile(req, asked)
        return
    if action == "add":
        prompt = await registration.begin_add_site(
            req.session, member=member, rules=req.runtime.rules
        )
        req.answer()
        show_prompt(req, prompt)
        return
    site = await registration.remove_site(req.session, member=member, site_id=int(fields[1]))
    req.drop_keyboard()
    req.answer(req.t("site-removed", name=site.name))
    _profile(req)


def ask_profile(req: Request, asked: profile_service.Asked, *, first: bool = False) -> None:
    """The question for a profile field, after what was wrong with the last answer."""
    parts = []
    if first:
        parts.append(req.t("profile-ask-first"))
    if asked.error:
        parts.append(req.t(asked.error, **(asked.error_args or {})))
    parts.append(req.t(f"reg-ask-{asked.field}".replace("_", "-")))
    req.reply("\n\n".join(parts))


async def take_text(req: Request, text: str) -> None:
    """A typed answer in the profile flow (a name, an organisation)."""
    assert req.member is not None
    asked = await profile_service.answer(req.session, member=req.member, text=text)
    if asked is not None:
        ask_profile(req, asked)
        return
    req.reply(req.t("profile-saved"))
    _profile(req)


@handles(Access.MEMBER)
async def leave(req: Request) -> None:
    """/leave: ask to confirm; the erasure happens on the button."""
    req.reply(
        req.t("leave-confirm"),
        inline([(req.t("btn-leave-confirm"), cd.build(cd.PROFILE, "leave"))]),
    )


@handles(Access.ACTIVE)
async def language(req: Request) -> None:
    """/language: choose Bahasa Indonesia or English."""
    req.reply(
        req.t("language-ask"),
        inline(
            [(req.t(f"language-{code}"), cd.build(cd.LANGUAGE, code)) for code in ("id", "en")],
            columns=2,
        ),
    )


@handles(Access.ACTIVE)
async def language_chosen(req: Request) -> None:
    member = req.member
    assert member is not None and req.query is not None
    fields = button_fields(req, cd.LANGUAGE)
    if fields is None:
        return
    await members.set_language(req.session, member=member, language=fields[0])
    req.lang = member.language
    req.drop_keyboard()
    req.reply(req.t("language-set"))
    req.refresh_commands(req.user.id, member)


@handles(Access.ANYONE)
async def help_command(req: Request) -> None:
    """/help: what Perisai is for someone new; the commands of one's role for members;
    where to get help for everyone."""
    bot = req.runtime.settings.bot
    member = req.member
    contact = req.t("help-contact", contact=bot.help_contact)
    if member is None or member.status == MemberStatus.LEFT:
        req.reply(f"{req.t('help-newcomer', operator=bot.operator_name)}\n\n{contact}")
        return
    lines = [req.t("help-header")]
    lines.extend(f"/{name} — {req.t(f'cmd-{name}')}" for name in commands_for(member))
    if member.status != MemberStatus.ACTIVE:
        lines.insert(0, status_text(req, member) + "\n")
        req.reply("\n".join([*lines, "", contact]))
        return
    req.reply("\n".join([*lines, "", contact]), main_keyboard(req, member))


@handles(Access.ANYONE)
async def privacy(req: Request) -> None:
    """/privacy: what is kept, why, who sees it, and one's rights."""
    bot = req.runtime.settings.bot
    req.reply(req.t("privacy", operator=bot.operator_name, contact=bot.help_contact))
