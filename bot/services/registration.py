"""Registration and site flows as a state machine over ``flow_states``; no Telegram here.

The edge passes each answer in (a text, a button's choice, a shared contact) and renders the
``Prompt`` that comes back; a ``Finished`` says the flow ended and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Consent,
    InviteRedemption,
    Member,
    MemberStatus,
    MemberType,
    Role,
    Site,
    utcnow,
)
from bot.flows import Choice, Contact, End, Expects, Flow, Invalid, Text, Turn, engine
from bot.flows import Step as FlowStep
from bot.reference import PROVINCES
from bot.services import audit, flows, invites, members
from bot.services.audit import Actor
from bot.services.errors import ServiceError
from bot.services.validation import (
    NAME_LEN,
    ORGANISATION_LEN,
    SITE_NAME_LEN,
    clean_text,
    normalise_phone,
)

FLOW_REGISTRATION = "registration"
FLOW_ADD_SITE = "add_site"


class Step(StrEnum):
    LANGUAGE = "language"
    CONSENT = "consent"
    FULL_NAME = "full_name"
    ORGANISATION = "organisation"
    MEMBER_TYPE = "member_type"
    SITE_NAME = "site_name"
    SITE_SECTOR = "site_sector"
    SITE_PROVINCE = "site_province"
    MORE_SITES = "more_sites"
    PHONE = "phone"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class Rules:
    """What the configuration decides about registration."""

    sectors: Sequence[str]
    max_sites: int
    consent_version: str
    default_language: str


# The answers the edge passes in (the flow engine's own types).
TextAnswer = Text
ChoiceAnswer = Choice
ContactAnswer = Contact
Answer = Text | Choice | Contact


class SiteDraft(BaseModel):
    name: str
    sector: str | None = None
    province: str | None = None


class Preset(BaseModel):
    """What an invite code fixes in advance: not asked again."""

    organisation: str | None = None
    sector: str | None = None
    province: str | None = None


class RegistrationDraft(BaseModel):
    language: str | None = None
    username: str | None = None
    consent_at: datetime | None = None
    consent_version: str | None = None
    full_name: str | None = None
    organisation: str | None = None
    member_type: str | None = None
    site: SiteDraft | None = None  # the site being entered
    sites: list[SiteDraft] = []
    phone: str | None = None
    invite_id: int | None = None
    preset: Preset | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What the steps need besides the draft."""

    rules: Rules
    user_id: int
    flow: str  # registration, or adding a site to a profile


@dataclass(slots=True)
class Prompt:
    """The question to show next, with the problem of the last answer if it was refused."""

    flow: str
    step: Step
    language: str
    draft: RegistrationDraft
    options: list[str]
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)
    stale: bool = False  # a button of an earlier step was pressed


@dataclass(slots=True)
class Finished:
    outcome: str  # "registered", "site_added", "declined", "cancelled"
    language: str
    member: Member | None = None
    reviewers: list[Member] = field(default_factory=list)
    via_invite: bool = False
    invite_lapsed: bool = False


# ---------------------------------------------------------------------- the steps


def _text(bounds: tuple[int, int]) -> Any:
    def parse(answer: Text, draft: RegistrationDraft, context: Context) -> str:
        try:
            return clean_text(answer.text, bounds)
        except ServiceError as exc:
            raise Invalid(exc.key, **exc.args_for_message) from None

    return parse


def _site_name(answer: Text, draft: RegistrationDraft, context: Context) -> str:
    value = _text(SITE_NAME_LEN)(answer, draft, context)
    if any(s.name.casefold() == value.casefold() for s in draft.sites):
        raise Invalid("error-site-duplicate")
    return value


def _own_phone(answer: Contact, draft: RegistrationDraft, context: Context) -> str:
    if answer.user_id != context.user_id:
        raise Invalid("error-phone-not-own")
    try:
        return normalise_phone(answer.phone)
    except ServiceError as exc:
        raise Invalid(exc.key, **exc.args_for_message) from None


def _after_consent(draft: RegistrationDraft, value: str, context: Context) -> str | End:
    if value == "decline":
        return End("declined")
    draft.consent_at = utcnow()
    draft.consent_version = context.rules.consent_version
    return Step.FULL_NAME


def _after_name(draft: RegistrationDraft, value: str, context: Context) -> str:
    preset = draft.preset or Preset()
    if preset.organisation:
        draft.organisation = preset.organisation
        return Step.MEMBER_TYPE
    return Step.ORGANISATION


def _site_field(name: str) -> Any:
    """The site being entered gets ``name`` (or starts, for its name); then its next missing
    field, which an invite's preset may fill; a complete site joins the list."""

    def then(draft: RegistrationDraft, value: str, context: Context) -> str | End:
        if name == "name":
            draft.site = SiteDraft(name=value)
        else:
            assert draft.site is not None
            setattr(draft.site, name, value)
        preset = draft.preset or Preset()
        site = draft.site
        for key, step in (("sector", Step.SITE_SECTOR), ("province", Step.SITE_PROVINCE)):
            if getattr(site, key) is None:
                if getattr(preset, key):
                    setattr(site, key, getattr(preset, key))
                    continue
                return step
        draft.sites.append(site)
        draft.site = None
        return Step.MORE_SITES if context.flow == FLOW_REGISTRATION else End("site")

    return then


def _after_confirm(draft: RegistrationDraft, value: str, context: Context) -> str | End:
    if value == "restart":
        draft.sites, draft.site = [], None
        return Step.FULL_NAME
    return End(value)  # "confirm" or "cancel"


def _more_sites(draft: RegistrationDraft, context: Context) -> list[str]:
    return ["add", "done"] if len(draft.sites) < context.rules.max_sites else ["done"]


def _site_steps() -> list[FlowStep[RegistrationDraft]]:
    return [
        FlowStep(Step.SITE_NAME, Expects.TEXT, _site_field("name"), parse=_site_name),
        FlowStep(
            Step.SITE_SECTOR,
            Expects.BUTTONS,
            _site_field("sector"),
            options=lambda d, c: list(c.rules.sectors),
        ),
        FlowStep(
            Step.SITE_PROVINCE,
            Expects.BUTTONS,
            _site_field("province"),
            options=lambda d, c: [p.code for p in PROVINCES],
        ),
    ]


REGISTRATION = Flow(
    FLOW_REGISTRATION,
    RegistrationDraft,
    {
        step.name: step
        for step in [
            FlowStep(
                Step.LANGUAGE,
                Expects.BUTTONS,
                Step.CONSENT,
                field="language",
                options=lambda d, c: ["id", "en"],
            ),
            FlowStep(
                Step.CONSENT,
                Expects.BUTTONS,
                _after_consent,
                options=lambda d, c: ["agree", "decline"],
            ),
            FlowStep(
                Step.FULL_NAME, Expects.TEXT, _after_name, field="full_name", parse=_text(NAME_LEN)
            ),
            FlowStep(
                Step.ORGANISATION,
                Expects.TEXT,
                Step.MEMBER_TYPE,
                field="organisation",
                parse=_text(ORGANISATION_LEN),
            ),
            FlowStep(
                Step.MEMBER_TYPE,
                Expects.BUTTONS,
                Step.SITE_NAME,
                field="member_type",
                options=lambda d, c: [t.value for t in MemberType],
            ),
            *_site_steps(),
            FlowStep(
                Step.MORE_SITES,
                Expects.BUTTONS,
                lambda d, v, c: Step.SITE_NAME if v == "add" else Step.PHONE,
                options=_more_sites,
            ),
            FlowStep(
                Step.PHONE,
                Expects.CONTACT,
                Step.CONFIRM,
                field="phone",
                parse=_own_phone,
                wrong_kind="error-phone-use-button",
            ),
            FlowStep(
                Step.CONFIRM,
                Expects.BUTTONS,
                _after_confirm,
                options=lambda d, c: ["confirm", "restart", "cancel"],
            ),
        ]
    },
)
ADD_SITE = Flow(FLOW_ADD_SITE, RegistrationDraft, {s.name: s for s in _site_steps()})
FLOWS = {f.name: f for f in (REGISTRATION, ADD_SITE)}


def _context(flow: str, rules: Rules, user_id: int) -> Context:
    return Context(rules, user_id, flow)


def _prompt(turn: Turn[RegistrationDraft], rules: Rules) -> Prompt:
    return Prompt(
        flow=turn.flow.name,
        step=Step(turn.step),
        language=turn.draft.language or rules.default_language,
        draft=turn.draft,
        options=turn.options,
        error=turn.error,
        error_args=turn.error_args,
        stale=turn.stale,
    )


# ---------------------------------------------------------------------- the service


async def begin(
    session: AsyncSession,
    *,
    user_id: int,
    username: str | None,
    language_hint: str | None,
    rules: Rules,
    invite_code: str | None = None,
) -> Prompt:
    """Start (or restart) registration; an invalid invite code is said, not fatal."""
    existing = await members.by_telegram_id(session, user_id)
    if existing is not None:
        raise ServiceError("error-already-registered")
    draft = RegistrationDraft(
        language=language_hint if language_hint in ("id", "en") else None, username=username
    )
    error = None
    if invite_code:
        invite = await invites.find_valid(session, invite_code)
        if invite is None:
            error = "invite-invalid"
        else:
            draft.invite_id = invite.id
            draft.preset = Preset(
                organisation=invite.organisation, sector=invite.sector, province=invite.province
            )
    context = _context(FLOW_REGISTRATION, rules, user_id)
    turn = await engine.start(session, user_id, REGISTRATION, draft, Step.LANGUAGE, context)
    prompt = _prompt(turn, rules)
    prompt.error = error
    return prompt


async def begin_add_site(session: AsyncSession, *, member: Member, rules: Rules) -> Prompt:
    if member.status != MemberStatus.ACTIVE or member.telegram_user_id is None:
        raise ServiceError("error-not-allowed")
    if len(member.active_sites) >= rules.max_sites:
        raise ServiceError("error-too-many-sites", max=rules.max_sites)
    user_id = member.telegram_user_id
    context = _context(FLOW_ADD_SITE, rules, user_id)
    draft = RegistrationDraft(language=member.language)
    turn = await engine.start(session, user_id, ADD_SITE, draft, Step.SITE_NAME, context)
    return _prompt(turn, rules)


async def current(session: AsyncSession, *, user_id: int, rules: Rules) -> Prompt | None:
    running = await engine.load(session, user_id, FLOWS)
    if running is None:
        return None
    context = _context(running.flow.name, rules, user_id)
    options = running.flow.step(running.step).options(running.draft, context)
    return _prompt(Turn(running.flow, running.step, running.draft, options), rules)


async def answer(
    session: AsyncSession, *, user_id: int, given: Answer, rules: Rules
) -> Prompt | Finished | None:
    """Take one answer. None when the user is in no registration or site flow."""
    running = await engine.load(session, user_id, FLOWS)
    if running is None:
        return None
    context = _context(running.flow.name, rules, user_id)
    result = await engine.advance(session, running, given, context)
    if isinstance(result, Turn):
        return _prompt(result, rules)
    end, draft = result
    language = draft.language or rules.default_language
    match end.outcome:
        case "declined" | "cancel":
            return Finished("declined" if end.outcome == "declined" else "cancelled", language)
        case "site":
            return await _add_site(session, draft, user_id)
        case _:
            return await _complete(session, draft, rules, user_id)


async def _complete(
    session: AsyncSession, draft: RegistrationDraft, rules: Rules, user_id: int
) -> Finished:
    """Submit: the member, their sites and consent, pending vetting (or active by invite).
    The flow's state is already cleared; an error rolls the whole transaction back."""
    if await members.by_telegram_id(session, user_id) is not None:
        raise ServiceError("error-already-registered")
    assert draft.consent_at is not None and draft.consent_version is not None
    now = utcnow()
    language = draft.language or rules.default_language
    member = Member(
        telegram_user_id=user_id,
        username=draft.username,
        full_name=draft.full_name,
        organisation=draft.organisation,
        phone=draft.phone,
        member_type=draft.member_type,
        role=Role.OPERATOR,
        status=MemberStatus.PENDING,
        language=language,
        scope_provinces=[],
        scope_sectors=[],
        registered_at=now,
        sites=[Site(name=s.name, sector=s.sector, province=s.province) for s in draft.sites],
    )
    session.add(member)
    await session.flush()
    session.add(
        Consent(
            member_id=member.id,
            text_version=draft.consent_version,
            language=language,
            given_at=draft.consent_at,
        )
    )
    via_invite = invite_lapsed = False
    invite_id = draft.invite_id
    if invite_id is not None:
        invite = await invites.redeem(session, invite_id=invite_id)
        if invite is None:
            invite_lapsed = True
        else:
            via_invite = True
            member.status = MemberStatus.ACTIVE
            member.decided_at, member.decided_by_id = now, invite.created_by_id
            session.add(InviteRedemption(invite_id=invite.id, member_id=member.id))
    await audit.record(
        session,
        action="register",
        actor=Actor(member.id),
        target_member_id=member.id,
        details={
            "sites": len(member.sites),
            "invite_id": invite_id if via_invite else None,
            "status": member.status,
        },
    )
    reviewers = [] if via_invite else await members.reviewers_for(session, member.sites)
    return Finished(
        "registered",
        member.language,
        member=member,
        reviewers=reviewers,
        via_invite=via_invite,
        invite_lapsed=invite_lapsed,
    )


async def _add_site(session: AsyncSession, draft: RegistrationDraft, user_id: int) -> Finished:
    member = await members.by_telegram_id(session, user_id, for_update=True)
    if member is None or member.status != MemberStatus.ACTIVE:
        raise ServiceError("error-not-allowed")
    entered = draft.sites[-1]
    if any(s.name.casefold() == entered.name.casefold() for s in member.active_sites):
        raise ServiceError("error-site-duplicate")
    site = Site(name=entered.name, sector=entered.sector, province=entered.province)
    member.sites.append(site)
    await session.flush()
    await audit.record(
        session,
        action="site_add",
        actor=Actor(member.id),
        target_member_id=member.id,
        details={"site_id": site.id, "sector": site.sector, "province": site.province},
    )
    return Finished("site_added", member.language, member=member)


async def remove_site(session: AsyncSession, *, member: Member, site_id: int) -> Site:
    """Deactivate one of the member's own sites; the last one stays (it is their audience)."""
    site = next((s for s in member.active_sites if s.id == site_id), None)
    if site is None:
        raise ServiceError("error-site-not-found")
    if len(member.active_sites) == 1:
        raise ServiceError("error-last-site")
    site.active = False
    await audit.record(
        session,
        action="site_remove",
        actor=Actor(member.id),
        target_member_id=member.id,
        details={"site_id": site.id},
    )
    return site


async def cancel(session: AsyncSession, *, user_id: int) -> bool:
    return await flows.clear(session, user_id)
