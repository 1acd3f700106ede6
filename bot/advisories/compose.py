"""Composing an advisory: a flow stored in the database, one step per answer.

The steps and their order, the choices each step offers, validation of typed answers, and the
draft row behind the preview. The preview's Submit hands over to ``approval.submit``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Advisory, AdvisoryStatus, Member, MemberStatus, Role, utcnow
from bot.i18n import Translator
from bot.reference import PROVINCES
from bot.services import flows
from bot.services.errors import NotAllowed, NotFound, ServiceError
from bot.services.validation import clean_text, record_id

from .approval import Submitted, audience, submit
from .queries import latest_version
from .scope import check_coordinator, covers_audience
from .text import TELEGRAM_TEXT_LIMIT, TLP_CODES, render, visible_length

FLOW_ADVISORY = "advisory"
TITLE_LEN = (5, 150)
# With the title and the labels, the longest advisory stays under Telegram's 4096.
BODY_LEN = (10, 2600)
ACTIONS_LEN = (3, 600)
EXPIRY_HOURS = ("6", "24", "72", "168")
MEMBER_NUMBERS = re.compile(r"#?(\d{1,12})")
MAX_NAMED = 50

STEPS = (
    "title",
    "body",
    "severity",
    "urgency",
    "certainty",
    "actions",
    "tlp",
    "sectors",
    "provinces",
    "members",
    "expiry",
    "ack",
    "mode",
    "preview",
)
CHOICES: dict[str, tuple[str, ...]] = {
    "severity": ("Extreme", "Severe", "Moderate", "Minor"),
    "urgency": ("Immediate", "Expected", "Future"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely"),
    "actions": ("skip",),
    "tlp": tuple(TLP_CODES),
    "expiry": EXPIRY_HOURS,
    "ack": ("yes", "no"),
    "mode": ("actual", "exercise"),
    "preview": ("submit", "emergency", "cancel"),
}
MULTI = {"sectors", "provinces"}  # toggles, then "_all" or "_done"
TEXT_STEPS = {"title", "body", "actions", "members"}


@dataclass(slots=True)
class ComposePrompt:
    step: str
    data: dict[str, Any]
    options: list[str]
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)
    advisory: Advisory | None = None  # at the preview
    recipients: int = 0
    toggled: bool = False  # a multi-select changed: redraw the same message


def _options(step: str, data: dict[str, Any], known_sectors: Sequence[str], member: Member):
    if step == "sectors":
        return list(known_sectors)
    if step == "provinces":
        return [p.code for p in PROVINCES]
    if step == "preview":
        emergency = (
            member.role == Role.ADMIN
            and data.get("severity") == "Extreme"
            and data.get("urgency") == "Immediate"
        )
        return ["submit", "emergency", "cancel"] if emergency else ["submit", "cancel"]
    options = list(CHOICES.get(step, ()))
    if data.get("supersedes") and step in ("title", "body", "actions"):
        options.append("keep")  # an update changes what it needs to, nothing more
    elif data.get("from_report") and step in ("title", "body"):
        options.append("keep")  # prefilled from a report: keep or retype
    return options


# An update keeps its handling label, audience and mode: it goes to those who got the first.
INHERITED_BY_UPDATES = {"tlp", "sectors", "provinces", "members", "mode"}


def _next(step: str, data: dict[str, Any]) -> str:
    index = STEPS.index(step) + 1
    following = STEPS[index]
    if data.get("supersedes"):
        while following in INHERITED_BY_UPDATES:
            index += 1
            following = STEPS[index]
        return following
    if data.get("tlp") == "RED" and following in MULTI:
        return "members"  # RED goes to named people only
    if data.get("tlp") != "RED" and following == "members":
        return "expiry"
    return following


async def begin(
    session: AsyncSession, *, author: Member, known_sectors: Sequence[str]
) -> ComposePrompt:
    check_coordinator(author)
    assert author.telegram_user_id is not None
    data: dict[str, Any] = {"sectors": [], "provinces": []}
    await flows.start(session, author.telegram_user_id, flow=FLOW_ADVISORY, step="title", data=data)
    return ComposePrompt("title", data, [])


async def begin_update(
    session: AsyncSession, *, author: Member, advisory_id: int, known_sectors: Sequence[str]
) -> ComposePrompt:
    """A new version of a released advisory, prefilled; approved like the first."""
    check_coordinator(author)
    assert author.telegram_user_id is not None
    advisory = await session.get(Advisory, advisory_id)
    if advisory is None or advisory.status != AdvisoryStatus.RELEASED:
        raise ServiceError("error-advisory-not-updatable")
    latest = await latest_version(session, advisory.root_id or advisory.id)
    if latest is None or latest.id != advisory.id:
        raise ServiceError("error-advisory-not-latest")
    if advisory.author_id != author.id and not covers_audience(author, advisory):
        raise NotAllowed("error-advisory-scope")
    tlp_code = next(code for code, label in TLP_CODES.items() if label == advisory.tlp)
    data: dict[str, Any] = {
        "supersedes": advisory.id,
        "title": advisory.title,
        "body": advisory.body,
        "actions": advisory.actions,
        "severity": advisory.severity,
        "urgency": advisory.urgency,
        "certainty": advisory.certainty,
        "tlp": tlp_code,
        "sectors": advisory.audience_sectors,
        "provinces": advisory.audience_provinces,
        "members": advisory.audience_member_ids,
        "mode": "exercise" if advisory.exercise else "actual",
    }
    await flows.start(session, author.telegram_user_id, flow=FLOW_ADVISORY, step="title", data=data)
    return ComposePrompt("title", data, _options("title", data, known_sectors, author))


async def answer(
    session: AsyncSession,
    *,
    author: Member,
    text: str | None = None,
    choice: tuple[str, str] | None = None,
    known_sectors: Sequence[str],
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> ComposePrompt | Submitted | None:
    """One answer of the compose flow: a typed text, or a (step, value) button choice."""
    check_coordinator(author)
    assert author.telegram_user_id is not None
    state = await flows.load(session, author.telegram_user_id)
    if state is None or state.flow != FLOW_ADVISORY:
        return None
    step, data = state.step, dict(state.data)

    def again(key: str | None = None, **args: Any) -> ComposePrompt:
        return ComposePrompt(step, data, _options(step, data, known_sectors, author), key, args)

    if choice is not None and choice[0] != step:
        return again("button-stale")
    try:
        if choice is None:
            if step not in TEXT_STEPS:
                raise ServiceError("error-use-buttons")
            value: Any = _typed(step, text or "")
        else:
            allowed = _options(step, data, known_sectors, author)
            if step in MULTI:
                allowed += ["_all", "_done"]
            if choice[1] not in allowed:
                raise ServiceError("button-stale")
            value = choice[1]
    except ServiceError as exc:
        return again(exc.key, **exc.args_for_message)

    if value == "keep":
        pass
    elif step in MULTI:
        chosen = list(data.get(step, []))
        if value == "_all":
            data[step] = []
        elif value == "_done":
            pass
        else:
            data[step] = sorted(set(chosen) ^ {value})
            flows.save(state, step=step, data=data)
            prompt = again()
            prompt.toggled = True
            return prompt
    elif step == "members":
        data["members"] = await _named_members(session, value)
    elif step == "actions":
        data["actions"] = "" if value == "skip" else value
    elif step == "preview":
        if value == "cancel":
            await _drop_draft(session, data)
            await flows.clear(session, author.telegram_user_id)
            return ComposePrompt("cancelled", data, [])
        return await submit(
            session,
            author=author,
            data=data,
            emergency=value == "emergency",
            translator=translator,
            allow_paid_broadcast=allow_paid_broadcast,
        )
    else:
        data[step] = value

    next_step = _next(step, data)
    flows.save(state, step=next_step, data=data)
    prompt = ComposePrompt(next_step, data, _options(next_step, data, known_sectors, author))
    if next_step == "preview":
        advisory = await _draft(session, author, data)
        body = render(translator, "en", advisory)
        if (
            visible_length(body) > TELEGRAM_TEXT_LIMIT
            or visible_length(render(translator, "id", advisory)) > TELEGRAM_TEXT_LIMIT
        ):
            flows.save(state, step="body", data=data)
            return ComposePrompt("body", data, [], "error-advisory-too-long")
        data["advisory_id"] = advisory.id
        flows.save(state, step=next_step, data=data)
        prompt.advisory = advisory
        prompt.recipients = len(await audience(session, advisory))
    return prompt


def _typed(step: str, text: str) -> Any:
    if step == "title":
        return clean_text(text, TITLE_LEN)
    if step == "body" or step == "actions":
        # Keep the author's line breaks; fold nothing else.
        low, high = BODY_LEN if step == "body" else ACTIONS_LEN
        value = text.strip()
        if not low <= len(value) <= high:
            raise ServiceError("error-text-length", min=low, max=high)
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
            raise ServiceError("error-text-invalid")
        return value
    # A number beyond the database's ids is no member's: it is reported as unknown.
    numbers = [record_id(n) or 0 for n in MEMBER_NUMBERS.findall(text)]
    if not numbers or len(numbers) > MAX_NAMED:
        raise ServiceError("error-advisory-members", max=MAX_NAMED)
    return numbers


async def _named_members(session: AsyncSession, numbers: list[int]) -> list[int]:
    found = await session.scalars(
        select(Member.id).where(Member.id.in_(numbers), Member.status == MemberStatus.ACTIVE)
    )
    ids = sorted(set(found))
    missing = sorted(set(numbers) - set(ids))
    if missing:
        raise ServiceError(
            "error-advisory-unknown-members", numbers=", ".join(f"#{n}" for n in missing)
        )
    return ids


async def _draft(session: AsyncSession, author: Member, data: dict[str, Any]) -> Advisory:
    """The draft row behind the preview, so the preview shows the real number."""
    advisory = None
    if data.get("advisory_id"):
        advisory = await session.get(Advisory, data["advisory_id"])
    if advisory is None or advisory.status != AdvisoryStatus.DRAFT:
        advisory = Advisory(author_id=author.id, status=AdvisoryStatus.DRAFT, version=1)
        if data.get("supersedes"):
            previous = await session.get(Advisory, data["supersedes"])
            if previous is None:
                raise NotFound("error-advisory-gone")
            advisory.root_id = previous.root_id or previous.id
            advisory.version = previous.version + 1
        session.add(advisory)
    advisory.title = data["title"]
    advisory.body = data["body"]
    advisory.actions = data.get("actions", "")
    advisory.severity = data["severity"]
    advisory.urgency = data["urgency"]
    advisory.certainty = data["certainty"]
    advisory.tlp = TLP_CODES[data["tlp"]]
    red = advisory.tlp == "RED"
    advisory.audience_sectors = [] if red else list(data.get("sectors", []))
    advisory.audience_provinces = [] if red else list(data.get("provinces", []))
    advisory.audience_member_ids = list(data.get("members", [])) if red else []
    advisory.expires_at = utcnow() + timedelta(hours=int(data["expiry"]))
    advisory.ack_required = data["ack"] == "yes"
    advisory.exercise = data["mode"] == "exercise"
    await session.flush()
    return advisory


async def _drop_draft(session: AsyncSession, data: dict[str, Any]) -> None:
    if data.get("advisory_id"):
        advisory = await session.get(Advisory, data["advisory_id"])
        if advisory is not None and advisory.status == AdvisoryStatus.DRAFT:
            await session.delete(advisory)
