"""Registration: /start, the answers to each step, /cancel. Rules live in bot.services."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot import callback_data as cd
from bot.db.models import Member, MemberStatus
from bot.services import flows, registration
from bot.services.registration import (
    FLOW_ADD_SITE,
    ChoiceAnswer,
    ContactAnswer,
    Finished,
    Prompt,
    RegistrationDraft,
    Step,
    TextAnswer,
)
from handlers.base import Access, Request, button_fields, handles
from handlers.keyboards import inline
from handlers.render import member_card, status_text
from handlers.reports import main_keyboard

# People who may not use Perisai yet, or no longer: their status answers them.
WAITING_STATUSES = (MemberStatus.PENDING, MemberStatus.REJECTED, MemberStatus.SUSPENDED)

COLUMNS = {Step.SITE_SECTOR: 2, Step.SITE_PROVINCE: 2, Step.LANGUAGE: 2, Step.CONSENT: 2}


def _label(req: Request, step: Step, value: str) -> str:
    translator = req.runtime.translator
    if step == Step.SITE_SECTOR:
        return translator.sector(req.lang, value)
    if step == Step.SITE_PROVINCE:
        return translator.province(req.lang, value)
    if step == Step.LANGUAGE:
        return req.t(f"language-{value}")
    return req.t(f"reg-option-{step}-{value}".replace("_", "-"))


def _question(req: Request, prompt: Prompt) -> str:
    draft = prompt.draft
    match prompt.step:
        case Step.CONSENT:
            return req.t("reg-ask-consent", version=req.runtime.rules.consent_version)
        case Step.SITE_NAME:
            return req.t("reg-ask-site-name", number=len(draft.sites) + 1)
        case Step.SITE_SECTOR | Step.SITE_PROVINCE:
            assert draft.site is not None
            return req.t(f"reg-ask-{prompt.step}".replace("_", "-"), site=draft.site.name)
        case Step.MORE_SITES:
            return req.t(
                "reg-ask-more-sites",
                count=len(draft.sites),
                max=req.runtime.rules.max_sites,
            )
        case Step.CONFIRM:
            return req.t("reg-ask-confirm", summary=_summary(req, draft))
    return req.t(f"reg-ask-{prompt.step}".replace("_", "-"))


def _summary(req: Request, draft: RegistrationDraft) -> str:
    shown = Member(
        full_name=draft.full_name,
        organisation=draft.organisation,
        phone=draft.phone,
        member_type=draft.member_type,
        username=draft.username,
    )
    sites = [s.model_dump() for s in draft.sites]
    return member_card(req.runtime.translator, req.lang, shown, sites=sites)


def show_prompt(req: Request, prompt: Prompt) -> None:
    req.lang = prompt.language
    parts = []
    if prompt.error:
        parts.append(req.t(prompt.error, **prompt.error_args))
    parts.append(_question(req, prompt))
    text = "\n\n".join(parts)
    if prompt.step == Step.PHONE:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(req.t("btn-share-phone"), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        req.reply(text, keyboard)
        return
    if prompt.options:
        buttons = [
            (_label(req, prompt.step, value), cd.build(cd.REGISTRATION, prompt.step, value))
            for value in prompt.options
        ]
        req.reply(text, inline(buttons, columns=COLUMNS.get(prompt.step, 1)))
        return
    req.reply(text)


async def show_outcome(req: Request, done: Finished) -> None:
    req.lang = done.language
    member = done.member
    match done.outcome:
        case "declined":
            req.reply(req.t("reg-declined"))
        case "cancelled":
            req.reply(req.t("reg-cancelled"), ReplyKeyboardRemove())
        case "site_added":
            req.reply(req.t("site-added"), main_keyboard(req, member or req.member))
        case "registered":
            assert member is not None
            if done.via_invite:
                req.reply(req.t("reg-done-active"), main_keyboard(req, member))
            else:
                key = "reg-done-pending-invite-lapsed" if done.invite_lapsed else "reg-done-pending"
                req.reply(req.t(key), ReplyKeyboardRemove())
                from handlers.vetting import notify_reviewers  # vetting renders its own cards

                await notify_reviewers(req, member, done.reviewers)
            req.refresh_commands(member.telegram_user_id, member)


async def _take(req: Request, given: TextAnswer | ChoiceAnswer | ContactAnswer) -> bool:
    """Pass one answer to the flow the user is in; False when they are in none."""
    result = await registration.answer(
        req.session, user_id=req.user.id, given=given, rules=req.runtime.rules
    )
    if result is None:
        return False
    if isinstance(result, Finished):
        await show_outcome(req, result)
        return True
    # From the moment a language is chosen, everything is in it (this confirmation too).
    req.lang = result.language
    if result.stale:
        req.answer(req.t("button-stale"))
    if result.step == Step.CONFIRM and isinstance(given, ContactAnswer):
        req.reply(req.t("reg-phone-received"), ReplyKeyboardRemove())
    show_prompt(req, result)
    return True


@handles(Access.ANYONE)
async def start(req: Request) -> None:
    """/start [invite code]: begin or resume registration, or show one's status."""
    member = req.member
    if member is not None and member.status != MemberStatus.LEFT:
        req.reply(status_text(req, member), main_keyboard(req, member))
        req.refresh_commands(req.user.id, member)
        return
    args = req.context.args or []
    code = args[0] if args else None
    if code is None:
        resumed = await registration.current(
            req.session, user_id=req.user.id, rules=req.runtime.rules
        )
        if resumed is not None and resumed.flow != FLOW_ADD_SITE:
            req.lang = resumed.language
            req.reply(req.t("reg-resume"))
            show_prompt(req, resumed)
            return
    prompt = await registration.begin(
        req.session,
        user_id=req.user.id,
        username=req.user.username,
        language_hint=req.user.language_code,
        rules=req.runtime.rules,
        invite_code=code,
    )
    req.lang = prompt.language
    if prompt.error is None:
        req.reply(req.t("reg-welcome-invite" if code else "reg-welcome"))
    show_prompt(req, prompt)


@handles(Access.ANYONE)
async def choice(req: Request) -> None:
    """A button of the registration or add-site flow."""
    assert req.query is not None
    fields = button_fields(req, cd.REGISTRATION)
    if fields is None:
        return
    step, value = fields
    if await _take(req, ChoiceAnswer(step, value)):
        req.drop_keyboard()
    else:
        req.answer(req.t("button-stale"))
        req.drop_keyboard()


@handles(Access.ANYONE)
async def contact(req: Request) -> None:
    """A shared contact: the phone step."""
    message = req.update.effective_message
    assert message is not None and message.contact is not None
    shared = message.contact
    if not await _take(req, ContactAnswer(shared.phone_number, shared.user_id)):
        req.reply(req.t("hint-nothing-pending"))


async def take_text(req: Request, text: str) -> bool:
    return await _take(req, TextAnswer(text))


@handles(Access.ANYONE)
async def cancel(req: Request) -> None:
    """/cancel: leave whatever flow one is in; nothing half-entered is kept."""
    state = await flows.load(req.session, req.user.id)
    if state is not None:
        req.lang = state.data.get("language") or req.lang
        await flows.clear(req.session, req.user.id)
        req.reply(req.t("flow-cancelled"), main_keyboard(req, req.member))
    elif req.member is not None and req.member.status in WAITING_STATUSES:
        # Nothing to cancel, and what they need to know is where they stand.
        req.reply(status_text(req, req.member))
    else:
        req.reply(req.t("flow-nothing-to-cancel"), main_keyboard(req, req.member))
