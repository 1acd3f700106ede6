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

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Consent,
    FlowState,
    InviteRedemption,
    Member,
    MemberStatus,
    MemberType,
    Role,
    Site,
    utcnow,
)
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


TEXT_STEPS = {Step.FULL_NAME, Step.ORGANISATION, Step.SITE_NAME}


@dataclass(frozen=True, slots=True)
class Rules:
    """What the configuration decides about registration."""

    sectors: Sequence[str]
    max_sites: int
    consent_version: str
    default_language: str


@dataclass(frozen=True, slots=True)
class TextAnswer:
    text: str


@dataclass(frozen=True, slots=True)
class ChoiceAnswer:
    step: str
    value: str


@dataclass(frozen=True, slots=True)
class ContactAnswer:
    phone: str
    contact_user_id: int | None


Answer = TextAnswer | ChoiceAnswer | ContactAnswer


@dataclass(slots=True)
class Prompt:
    """The question to show next, with the problem of the last answer if it was refused."""

    flow: str
    step: Step
    language: str
    data: dict[str, Any]
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


def options_for(step: Step, data: dict[str, Any], rules: Rules) -> list[str]:
    match step:
        case Step.LANGUAGE:
            return ["id", "en"]
        case Step.CONSENT:
            return ["agree", "decline"]
        case Step.MEMBER_TYPE:
            return [t.value for t in MemberType]
        case Step.SITE_SECTOR:
            return list(rules.sectors)
        case Step.SITE_PROVINCE:
            return [p.code for p in PROVINCES]
        case Step.MORE_SITES:
            return ["add", "done"] if len(data.get("sites", [])) < rules.max_sites else ["done"]
        case Step.CONFIRM:
            return ["confirm", "restart", "cancel"]
    return []


def _prompt(state: FlowState, rules: Rules, **extra: Any) -> Prompt:
    step = Step(state.step)
    return Prompt(
        flow=state.flow,
        step=step,
        language=state.data.get("language") or rules.default_language,
        data=state.data,
        options=options_for(step, state.data, rules),
        **extra,
    )


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
    data: dict[str, Any] = {
        "language": language_hint if language_hint in ("id", "en") else None,
        "username": username,
        "sites": [],
    }
    error = None
    if invite_code:
        invite = await invites.find_valid(session, invite_code)
        if invite is None:
            error = "invite-invalid"
        else:
            data["invite_id"] = invite.id
            data["preset"] = {
                "organisation": invite.organisation,
                "sector": invite.sector,
                "province": invite.province,
            }
    state = await flows.start(
        session, user_id, flow=FLOW_REGISTRATION, step=Step.LANGUAGE, data=data
    )
    return _prompt(state, rules, error=error)


async def begin_add_site(session: AsyncSession, *, member: Member, rules: Rules) -> Prompt:
    if member.status != MemberStatus.ACTIVE or member.telegram_user_id is None:
        raise ServiceError("error-not-allowed")
    if len(member.active_sites) >= rules.max_sites:
        raise ServiceError("error-too-many-sites", max=rules.max_sites)
    state = await flows.start(
        session,
        member.telegram_user_id,
        flow=FLOW_ADD_SITE,
        step=Step.SITE_NAME,
        data={"language": member.language, "sites": []},
    )
    return _prompt(state, rules)


async def current(session: AsyncSession, *, user_id: int, rules: Rules) -> Prompt | None:
    state = await flows.load(session, user_id)
    if state is None or state.flow not in (FLOW_REGISTRATION, FLOW_ADD_SITE):
        return None
    return _prompt(state, rules)


async def answer(
    session: AsyncSession, *, user_id: int, given: Answer, rules: Rules
) -> Prompt | Finished | None:
    """Take one answer. None when the user is in no registration or site flow."""
    state = await flows.load(session, user_id)
    if state is None or state.flow not in (FLOW_REGISTRATION, FLOW_ADD_SITE):
        return None
    step = Step(state.step)
    data = dict(state.data)
    data["sites"] = list(data.get("sites", []))
    preset: dict[str, Any] = data.get("preset") or {}

    if isinstance(given, ChoiceAnswer) and given.step != step:
        return _prompt(state, rules, stale=True)
    try:
        value = _accept(step, given, data, rules, user_id)
    except ServiceError as exc:
        return _prompt(state, rules, error=exc.key, error_args=exc.args_for_message)

    next_step: Step | None
    match step:
        case Step.LANGUAGE:
            data["language"] = value
            next_step = Step.CONSENT
        case Step.CONSENT:
            if value == "decline":
                await flows.clear(session, user_id)
                return Finished("declined", data["language"])
            data["consent_at"] = utcnow().isoformat()
            data["consent_version"] = rules.consent_version
            next_step = Step.FULL_NAME
        case Step.FULL_NAME:
            data["full_name"] = value
            next_step = Step.MEMBER_TYPE if preset.get("organisation") else Step.ORGANISATION
            if preset.get("organisation"):
                data["organisation"] = preset["organisation"]
        case Step.ORGANISATION:
            data["organisation"] = value
            next_step = Step.MEMBER_TYPE
        case Step.MEMBER_TYPE:
            data["member_type"] = value
            next_step = Step.SITE_NAME
        case Step.SITE_NAME:
            data["site"] = {"name": value}
            next_step = _after_site_field(data, preset)
        case Step.SITE_SECTOR:
            data["site"] = {**data["site"], "sector": value}
            next_step = _after_site_field(data, preset)
        case Step.SITE_PROVINCE:
            data["site"] = {**data["site"], "province": value}
            next_step = _after_site_field(data, preset)
        case Step.MORE_SITES:
            next_step = Step.SITE_NAME if value == "add" else Step.PHONE
        case Step.PHONE:
            data["phone"] = value
            next_step = Step.CONFIRM
        case Step.CONFIRM:
            if value == "cancel":
                await flows.clear(session, user_id)
                return Finished("cancelled", data["language"])
            if value == "restart":
                data["sites"] = []
                data.pop("site", None)
                next_step = Step.FULL_NAME
            else:
                return await _complete(session, state, data, rules, user_id)

    if next_step is None:  # a site is complete
        data["sites"].append(data.pop("site"))
        if state.flow == FLOW_ADD_SITE:
            return await _add_site(session, state, data, user_id)
        next_step = Step.MORE_SITES
    flows.save(state, step=next_step, data=data)
    return _prompt(state, rules)


def _after_site_field(data: dict[str, Any], preset: dict[str, Any]) -> Step | None:
    """The next missing field of the site being entered; presets of an invite fill some."""
    site = data["site"]
    for key, step in (("sector", Step.SITE_SECTOR), ("province", Step.SITE_PROVINCE)):
        if key not in site:
            if preset.get(key):
                site[key] = preset[key]
                continue
            return step
    return None


def _accept(step: Step, given: Answer, data: dict[str, Any], rules: Rules, user_id: int) -> str:
    """Check one answer against its step; returns the cleaned value or raises ServiceError."""
    if step == Step.PHONE:
        if not isinstance(given, ContactAnswer):
            raise ServiceError("error-phone-use-button")
        if given.contact_user_id != user_id:
            raise ServiceError("error-phone-not-own")
        return normalise_phone(given.phone)
    if step in TEXT_STEPS:
        if not isinstance(given, TextAnswer):
            raise ServiceError("error-type-answer")
        bounds = {
            Step.FULL_NAME: NAME_LEN,
            Step.ORGANISATION: ORGANISATION_LEN,
            Step.SITE_NAME: SITE_NAME_LEN,
        }[step]
        value = clean_text(given.text, bounds)
        if step == Step.SITE_NAME and any(
            s["name"].casefold() == value.casefold() for s in data["sites"]
        ):
            raise ServiceError("error-site-duplicate")
        return value
    if not isinstance(given, ChoiceAnswer):
        raise ServiceError("error-use-buttons")
    if given.value not in options_for(step, data, rules):
        raise ServiceError("error-use-buttons")
    return given.value


async def _complete(
    session: AsyncSession, state: FlowState, data: dict[str, Any], rules: Rules, user_id: int
) -> Finished:
    if await members.by_telegram_id(session, user_id) is not None:
        await flows.clear(session, user_id)
        raise ServiceError("error-already-registered")
    now = utcnow()
    member = Member(
        telegram_user_id=user_id,
        username=data.get("username"),
        full_name=data["full_name"],
        organisation=data["organisation"],
        phone=data["phone"],
        member_type=data["member_type"],
        role=Role.OPERATOR,
        status=MemberStatus.PENDING,
        language=data["language"],
        scope_provinces=[],
        scope_sectors=[],
        registered_at=now,
        sites=[
            Site(name=s["name"], sector=s["sector"], province=s["province"]) for s in data["sites"]
        ],
    )
    session.add(member)
    await session.flush()
    session.add(
        Consent(
            member_id=member.id,
            text_version=data["consent_version"],
            language=data["language"],
            given_at=datetime.fromisoformat(data["consent_at"]),
        )
    )
    via_invite = invite_lapsed = False
    invite_id = data.get("invite_id")
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
    await flows.clear(session, user_id)
    reviewers = [] if via_invite else await members.reviewers_for(session, member.sites)
    return Finished(
        "registered",
        member.language,
        member=member,
        reviewers=reviewers,
        via_invite=via_invite,
        invite_lapsed=invite_lapsed,
    )


async def _add_site(
    session: AsyncSession, state: FlowState, data: dict[str, Any], user_id: int
) -> Finished:
    member = await members.by_telegram_id(session, user_id, for_update=True)
    if member is None or member.status != MemberStatus.ACTIVE:
        await flows.clear(session, user_id)
        raise ServiceError("error-not-allowed")
    entered = data["sites"][-1]
    if any(s.name.casefold() == entered["name"].casefold() for s in member.active_sites):
        await flows.clear(session, user_id)
        raise ServiceError("error-site-duplicate")
    site = Site(name=entered["name"], sector=entered["sector"], province=entered["province"])
    member.sites.append(site)
    await session.flush()
    await audit.record(
        session,
        action="site_add",
        actor=Actor(member.id),
        target_member_id=member.id,
        details={"site_id": site.id, "sector": site.sector, "province": site.province},
    )
    await flows.clear(session, user_id)
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
