"""A member's own name and organisation: asked of people granted without them, and changed
from /profile. Runs on the flow engine (one or two text steps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.flows import End, Expects, Flow, Invalid, Step, Text, Turn, engine
from bot.services import audit
from bot.services.audit import Actor
from bot.services.errors import ServiceError
from bot.services.validation import NAME_LEN, ORGANISATION_LEN, clean_text

__all__ = ["FIELDS", "FLOW_PROFILE", "Asked", "answer", "begin", "needs_naming"]

FLOW_PROFILE = "profile"
FIELDS = ("full_name", "organisation")


class ProfileDraft(BaseModel):
    ask: list[str]  # the fields still to ask, in order
    full_name: str | None = None
    organisation: str | None = None


@dataclass(slots=True)
class Asked:
    """The field asked next, with the problem of the last answer if it was refused."""

    field: str
    error: str | None = None
    error_args: dict[str, Any] | None = None


def needs_naming(member: Member) -> bool:
    """Someone granted from the command line without a name: people would see no one."""
    return member.is_coordinator and not (member.full_name and member.organisation)


def _parser(bounds: tuple[int, int]) -> Any:
    def parse(answer: Text, draft: ProfileDraft, context: Any) -> str:
        try:
            return clean_text(answer.text, bounds)
        except ServiceError as exc:
            raise Invalid(exc.key, **exc.args_for_message) from None

    return parse


def _next(draft: ProfileDraft, value: str, context: Any) -> str | End:
    draft.ask = draft.ask[1:]
    return draft.ask[0] if draft.ask else End("done")


PROFILE = Flow(
    FLOW_PROFILE,
    ProfileDraft,
    {
        "full_name": Step("full_name", Expects.TEXT, _next, "full_name", _parser(NAME_LEN)),
        "organisation": Step(
            "organisation", Expects.TEXT, _next, "organisation", _parser(ORGANISATION_LEN)
        ),
    },
)


async def begin(session: AsyncSession, *, member: Member, fields: list[str]) -> Asked:
    """Ask ``fields`` (full_name, organisation) in turn, replacing any flow in progress."""
    ask = [f for f in FIELDS if f in fields]
    if not ask or member.telegram_user_id is None:
        raise ServiceError("error-not-allowed")
    turn = await engine.start(
        session, member.telegram_user_id, PROFILE, ProfileDraft(ask=ask), ask[0], None
    )
    return Asked(turn.step)


async def in_progress(session: AsyncSession, user_id: int) -> bool:
    return await engine.load(session, user_id, {FLOW_PROFILE: PROFILE}) is not None


async def answer(session: AsyncSession, *, member: Member, text: str) -> Asked | None:
    """Take a typed answer; None once every field asked is saved (or if none was asked)."""
    assert member.telegram_user_id is not None
    running = await engine.load(session, member.telegram_user_id, {FLOW_PROFILE: PROFILE})
    if running is None:
        return None
    result = await engine.advance(session, running, Text(text), None)
    if isinstance(result, Turn):
        return Asked(result.step, result.error, result.error_args)
    _, draft = result
    changed = {f: getattr(draft, f) for f in FIELDS if getattr(draft, f) is not None}
    for name, value in changed.items():
        setattr(member, name, value)
    await audit.record(
        session,
        action="profile_edit",
        actor=Actor(member.id),
        target_member_id=member.id,
        details={"fields": sorted(changed)},
    )
    return None
