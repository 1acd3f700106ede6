"""Advisories: compose (a flow in the database), two-person approval, release into the
durable delivery queue, acknowledgement, cancellation, and the figures coordinators see."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from bot.db.models import (
    Advisory,
    AdvisoryStatus,
    Delivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    Role,
    Site,
    utcnow,
)
from bot.delivery import Kind, Outgoing, Priority, enqueue, mark_changed
from bot.delivery.kinds import VOID_WITH_ADVISORY
from bot.i18n import Translator
from bot.reference import PROVINCES
from bot.services import audit, flows, members
from bot.services.advisory_text import (
    PROTECTED_TLP,
    TELEGRAM_TEXT_LIMIT,
    TLP_CODES,
    priority,
    render,
    visible_length,
)
from bot.services.audit import Actor
from bot.services.errors import NotAllowed, NotFound, ServiceError
from bot.services.validation import clean_text

FLOW_ADVISORY = "advisory"
FLOW_ADVISORY_REJECT = "advisory_reject"
ACK_PREFIX = "ak1"  # the Acknowledge button's callback data, parsed in handlers.callback_data
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


@dataclass(slots=True)
class Submitted:
    advisory: Advisory
    reviewers: list[Member]
    released: Release | None = None  # emergency release


@dataclass(slots=True)
class Release:
    advisory: Advisory
    recipients: int


def _check_coordinator(member: Member | None) -> Member:
    if member is None or member.status != MemberStatus.ACTIVE or not member.is_coordinator:
        raise NotAllowed()
    return member


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
    _check_coordinator(author)
    assert author.telegram_user_id is not None
    data: dict[str, Any] = {"sectors": [], "provinces": []}
    await flows.start(session, author.telegram_user_id, flow=FLOW_ADVISORY, step="title", data=data)
    return ComposePrompt("title", data, [])


async def latest_version(session: AsyncSession, root_id: int) -> Advisory | None:
    return await session.scalar(
        select(Advisory)
        .where(Advisory.root_id == root_id, Advisory.status != AdvisoryStatus.DRAFT)
        .order_by(Advisory.version.desc())
        .limit(1)
    )


async def begin_update(
    session: AsyncSession, *, author: Member, advisory_id: int, known_sectors: Sequence[str]
) -> ComposePrompt:
    """A new version of a released advisory, prefilled; approved like the first."""
    _check_coordinator(author)
    assert author.telegram_user_id is not None
    advisory = await session.get(Advisory, advisory_id)
    if advisory is None or advisory.status != AdvisoryStatus.RELEASED:
        raise ServiceError("error-advisory-not-updatable")
    latest = await latest_version(session, advisory.root_id or advisory.id)
    if latest is None or latest.id != advisory.id:
        raise ServiceError("error-advisory-not-latest")
    if advisory.author_id != author.id and not _covers_audience(author, advisory):
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
    _check_coordinator(author)
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
        return await _submit(
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
    numbers = [int(n) for n in MEMBER_NUMBERS.findall(text)]
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


async def audience(session: AsyncSession, advisory: Advisory) -> list[Member]:
    """Exactly who receives it: active operators with a matching active site, or for RED the
    named active members. Pending, suspended, rejected and departed people never do."""
    stmt = select(Member).where(
        Member.status == MemberStatus.ACTIVE, Member.telegram_user_id.is_not(None)
    )
    if advisory.tlp == "RED":
        stmt = stmt.where(Member.id.in_(advisory.audience_member_ids or [-1]))
    else:
        site = select(Site.member_id).where(Site.active.is_(True))
        if advisory.audience_sectors:
            site = site.where(Site.sector.in_(advisory.audience_sectors))
        if advisory.audience_provinces:
            site = site.where(Site.province.in_(advisory.audience_provinces))
        stmt = stmt.where(Member.role == Role.OPERATOR, Member.id.in_(site))
    result = await session.scalars(stmt.options(selectinload(Member.sites)).order_by(Member.id))
    return list(result)


def _covers_audience(coordinator: Member, advisory: Advisory) -> bool:
    if coordinator.role == Role.ADMIN:
        return True
    if advisory.tlp == "RED":
        return not coordinator.scope_provinces and not coordinator.scope_sectors
    # Every sector and province of the audience must lie in the scope ("all" needs national).
    sectors_ok = not coordinator.scope_sectors or (
        advisory.audience_sectors
        and set(advisory.audience_sectors) <= set(coordinator.scope_sectors)
    )
    provinces_ok = not coordinator.scope_provinces or (
        advisory.audience_provinces
        and set(advisory.audience_provinces) <= set(coordinator.scope_provinces)
    )
    return bool(sectors_ok and provinces_ok)


async def reviewers_for(session: AsyncSession, advisory: Advisory) -> list[Member]:
    everyone = await members.active_coordinators(session)
    return [
        c
        for c in everyone
        if c.id != advisory.author_id
        and c.role == Role.COORDINATOR
        and _covers_audience(c, advisory)
    ] or [c for c in everyone if c.id != advisory.author_id and c.role == Role.ADMIN]


async def _submit(
    session: AsyncSession,
    *,
    author: Member,
    data: dict[str, Any],
    emergency: bool,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> Submitted:
    advisory = await session.get(Advisory, data.get("advisory_id"), with_for_update=True)
    if (
        advisory is None
        or advisory.status != AdvisoryStatus.DRAFT
        or advisory.author_id != author.id
    ):
        raise NotFound("error-advisory-gone")
    if not _covers_audience(author, advisory):
        raise NotAllowed("error-advisory-scope")
    advisory.status = AdvisoryStatus.SUBMITTED
    advisory.submitted_at = utcnow()
    advisory.root_id = advisory.root_id or advisory.id
    await audit.record(
        session,
        action="advisory_update" if advisory.version > 1 else "advisory_submit",
        actor=Actor(author.id),
        details={
            "advisory_id": advisory.id,
            "root_id": advisory.root_id,
            "version": advisory.version,
        },
    )
    await flows.clear(session, author.telegram_user_id or 0)
    if emergency:
        if not (
            author.role == Role.ADMIN
            and advisory.severity == "Extreme"
            and advisory.urgency == "Immediate"
        ):
            raise NotAllowed("error-emergency-not-allowed")
        advisory.emergency = True
        released = await _release(
            session,
            advisory,
            approver=author,
            translator=translator,
            allow_paid_broadcast=allow_paid_broadcast,
        )
        return Submitted(advisory, [], released)
    return Submitted(advisory, await reviewers_for(session, advisory))


def check_reviewer(approver: Member, advisory: Advisory) -> None:
    """A second coordinator, covering the whole audience, on a submitted advisory."""
    _check_coordinator(approver)
    if advisory.status == AdvisoryStatus.DRAFT:
        raise NotFound("error-advisory-gone")
    if advisory.author_id == approver.id:
        raise NotAllowed("error-advisory-own")
    if not _covers_audience(approver, advisory):
        raise NotAllowed("error-advisory-scope")
    if advisory.status != AdvisoryStatus.SUBMITTED:
        raise ServiceError("error-advisory-decided")


async def decide(
    session: AsyncSession,
    *,
    approver: Member,
    advisory_id: int,
    approve: bool,
    reason: str | None,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> tuple[Advisory, Release | None]:
    """Second-person approval: never the author; only a coordinator covering the audience."""
    advisory = await session.get(Advisory, advisory_id, with_for_update=True)
    if advisory is None:
        raise NotFound("error-advisory-gone")
    check_reviewer(approver, advisory)
    if not approve:
        advisory.status = AdvisoryStatus.REJECTED
        advisory.decided_by_id, advisory.decided_at = approver.id, utcnow()
        advisory.reject_reason = members.clean_reason(reason or "")
        await audit.record(
            session,
            action="advisory_reject",
            actor=Actor(approver.id),
            details={"advisory_id": advisory.id, "reason": advisory.reject_reason},
        )
        return advisory, None
    await audit.record(
        session,
        action="advisory_approve",
        actor=Actor(approver.id),
        details={"advisory_id": advisory.id},
    )
    return advisory, await _release(
        session,
        advisory,
        approver=approver,
        translator=translator,
        allow_paid_broadcast=allow_paid_broadcast,
    )


async def _release(
    session: AsyncSession,
    advisory: Advisory,
    *,
    approver: Member,
    translator: Translator,
    allow_paid_broadcast: bool = False,
) -> Release:
    """Released: one delivery row per recipient, in this same transaction."""
    now = utcnow()
    advisory.status = AdvisoryStatus.RELEASED
    advisory.decided_by_id, advisory.decided_at, advisory.released_at = approver.id, now, now
    recipients = await audience(session, advisory)
    earlier: dict[int, int | None] = {}
    if advisory.version > 1:
        earlier = await _earlier_copies(session, advisory)
        # Everyone who got an earlier version gets this one, even if they left the audience
        # since (their copy would otherwise stay uncorrected), unless no longer active.
        known = {m.id for m in recipients}
        missing = [i for i in earlier if i not in known]
        if missing:
            recipients += list(
                await session.scalars(
                    select(Member).where(
                        Member.id.in_(missing),
                        Member.status == MemberStatus.ACTIVE,
                        Member.telegram_user_id.is_not(None),
                    )
                )
            )
    rendered = {lang: render(translator, lang, advisory) for lang in ("id", "en")}
    paid = allow_paid_broadcast and advisory.severity == "Extreme"
    rows = [
        Outgoing(
            kind=Kind.ADVISORY,
            advisory_id=advisory.id,
            member_id=m.id,
            chat_id=m.telegram_user_id,
            priority=priority(advisory),
            text=rendered[translator.language(m.language)],
            reply_markup=ack_markup(translator, m.language, advisory),
            protect_content=advisory.tlp in PROTECTED_TLP,
            reply_to_message_id=earlier.get(m.id),
            paid_broadcast=paid,
        )
        for m in recipients
        if m.telegram_user_id is not None
    ]
    await enqueue(session, rows, now=now)
    await audit.record(
        session,
        action="advisory_emergency_release" if advisory.emergency else "advisory_release",
        actor=Actor(approver.id),
        details={"advisory_id": advisory.id, "recipients": len(rows)},
    )
    return Release(advisory, len(rows))


async def _earlier_copies(session: AsyncSession, advisory: Advisory) -> dict[int, int | None]:
    """member id -> Telegram message id of their newest copy of an earlier version."""
    result = await session.execute(
        select(Delivery.member_id, Delivery.message_id)
        .join(Advisory, Advisory.id == Delivery.advisory_id)
        .where(
            Advisory.root_id == advisory.root_id,
            Advisory.version < advisory.version,
            Delivery.kind == "advisory",
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(Advisory.version)
    )
    return {member_id: message_id for member_id, message_id in result.all() if member_id}


def ack_markup(translator: Translator, lang: str, advisory: Advisory) -> dict[str, Any] | None:
    if not advisory.ack_required:
        return None
    return {
        "inline_keyboard": [
            [
                {
                    "text": translator.t(lang, "btn-acknowledge"),
                    "callback_data": f"{ACK_PREFIX}:{advisory.id}",
                }
            ]
        ]
    }


async def acknowledge(session: AsyncSession, *, member: Member, advisory_id: int) -> Delivery:
    """The presser must be the recipient: the row is looked up by (advisory, presser)."""
    if member.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    advisory = await session.get(Advisory, advisory_id)
    delivery = await session.scalar(
        select(Delivery)
        .where(
            Delivery.advisory_id == advisory_id,
            Delivery.member_id == member.id,
            Delivery.kind == "advisory",
        )
        .with_for_update()
    )
    if advisory is None or delivery is None:
        raise NotFound("error-advisory-not-yours")
    if advisory.status == AdvisoryStatus.CANCELLED:
        raise ServiceError("error-advisory-cancelled")
    if delivery.acknowledged_at is None:
        delivery.acknowledged_at = utcnow()
    return delivery


async def cancel(
    session: AsyncSession, *, coordinator: Member, advisory_id: int, translator: Translator
) -> tuple[Advisory, int]:
    """Retract: queued copies are not sent; everyone who got it gets a cancellation notice."""
    _check_coordinator(coordinator)
    advisory = await session.get(Advisory, advisory_id, with_for_update=True)
    if advisory is None or advisory.status not in (
        AdvisoryStatus.RELEASED,
        AdvisoryStatus.SUBMITTED,
    ):
        raise ServiceError("error-advisory-not-cancellable")
    if advisory.author_id != coordinator.id and not _covers_audience(coordinator, advisory):
        raise NotAllowed("error-advisory-scope")
    now = utcnow()
    root = advisory.root_id or advisory.id
    # Cancelling retracts the advisory: every live version of it, not just this one.
    versions = list(
        await session.scalars(
            select(Advisory)
            .where(
                # The first version is its own root (root_id is set on submission).
                or_(Advisory.id == root, Advisory.root_id == root),
                Advisory.status.in_([AdvisoryStatus.RELEASED, AdvisoryStatus.SUBMITTED]),
            )
            .with_for_update()
        )
    )
    for version in versions:
        version.status = AdvisoryStatus.CANCELLED
        version.cancelled_at, version.cancelled_by_id = now, coordinator.id
    version_ids = [v.id for v in versions]
    # Nothing of it leaves any more: queued rows end here; rows a worker holds are ended by
    # the worker, which checks each row's advisory right before it sends.
    await session.execute(
        update(Delivery)
        .where(
            Delivery.advisory_id.in_(version_ids),
            Delivery.kind.in_(VOID_WITH_ADVISORY),
            Delivery.status == DeliveryStatus.QUEUED,
        )
        .values(status=DeliveryStatus.CANCELLED, error="advisory cancelled before sending")
    )
    notices = await queue_cancel_notices(
        session, translator=translator, now=now, advisory_ids=version_ids
    )
    mark_changed(session)  # workers drop the copies they hold as soon as this commits
    await audit.record(
        session,
        action="advisory_cancel",
        actor=Actor(coordinator.id),
        details={"advisory_id": advisory.id, "notices": notices},
    )
    return advisory, notices


async def queue_cancel_notices(
    session: AsyncSession,
    *,
    translator: Translator,
    now: datetime,
    advisory_ids: Sequence[int] | None = None,
) -> int:
    """Queue the cancellation notice for every copy of a cancelled advisory that reached
    someone (sent: a reply to it) or may have (its send timed out: "if you received it"),
    and has had none yet. Copies still on their way are left to the worker, which calls
    this again once it has recorded them; the leader's periodic pass catches the rest.

    Each copy is noticed once: the notice and the copy's mark are written together, and
    concurrent callers skip rows another one has locked (PostgreSQL) or wait (SQLite)."""
    query = (
        select(
            Delivery.id,
            Delivery.member_id,
            Delivery.chat_id,
            Delivery.message_id,
            Delivery.status,
            Member.language,
            Advisory.id.label("advisory_id"),
            Advisory.root_id,
            Advisory.title,
            Advisory.tlp,
        )
        .join(Advisory, Advisory.id == Delivery.advisory_id)
        .join(Member, Member.id == Delivery.member_id)
        .where(
            Delivery.kind == Kind.ADVISORY,
            Advisory.status == AdvisoryStatus.CANCELLED,
            Delivery.cancel_noticed_at.is_(None),
            or_(
                Delivery.status == DeliveryStatus.SENT,
                and_(
                    Delivery.maybe_delivered.is_(True),
                    Delivery.status.in_([DeliveryStatus.CANCELLED, DeliveryStatus.FAILED]),
                ),
            ),
        )
        .order_by(Delivery.id)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    if advisory_ids is not None:
        query = query.where(Delivery.advisory_id.in_(list(advisory_ids)))
    copies = (await session.execute(query)).all()
    if not copies:
        return 0
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_([c.id for c in copies]))
        .values(cancel_noticed_at=now)
    )
    # One notice per person and advisory, as a reply to their newest copy that was sent.
    newest: dict[tuple[int, int], Any] = {}
    for copy in copies:
        key = (copy.member_id, copy.root_id or copy.advisory_id)
        known = newest.get(key)
        if known is None or copy.status == DeliveryStatus.SENT:
            newest[key] = copy
    rows = [
        Outgoing(
            kind=Kind.CANCEL,
            advisory_id=copy.advisory_id,
            member_id=copy.member_id,
            chat_id=copy.chat_id,
            priority=Priority.CANCELLATION,
            text=translator.t(
                copy.language,
                "adv-cancelled-notice"
                if copy.status == DeliveryStatus.SENT
                else "adv-cancelled-notice-maybe",
                number=str(copy.root_id or copy.advisory_id),
                title=copy.title,
            ),
            reply_to_message_id=copy.message_id if copy.status == DeliveryStatus.SENT else None,
            protect_content=copy.tlp in PROTECTED_TLP,
        )
        for copy in newest.values()
    ]
    await enqueue(session, rows, now=now)
    return len(rows)


@dataclass(slots=True)
class Status:
    advisory: Advisory
    counts: Counter[str]
    acknowledged: int
    total: int
    first_sent: datetime | None
    last_sent: datetime | None
    by_province: dict[str, Counter[str]]

    @property
    def ack_rate(self) -> float:
        return self.acknowledged / self.total if self.total else 0.0


async def status(session: AsyncSession, *, coordinator: Member, advisory_id: int) -> Status:
    _check_coordinator(coordinator)
    advisory = await session.get(Advisory, advisory_id)
    if advisory is None or advisory.status == AdvisoryStatus.DRAFT:
        raise NotFound("error-advisory-gone")
    if advisory.author_id != coordinator.id and not _covers_audience(coordinator, advisory):
        raise NotAllowed("error-advisory-scope")
    rows = (
        await session.execute(
            select(
                Delivery.status, Delivery.acknowledged_at, Delivery.sent_at, Delivery.member_id
            ).where(Delivery.advisory_id == advisory.id, Delivery.kind == "advisory")
        )
    ).all()
    provinces = await recipient_provinces(session, advisory, [r.member_id for r in rows])
    counts: Counter[str] = Counter()
    by_province: dict[str, Counter[str]] = {}
    for row in rows:
        state = "acknowledged" if row.acknowledged_at else row.status
        counts[row.status] += 1
        province = provinces.get(row.member_id, "-")
        by_province.setdefault(province, Counter())[state] += 1
    sent_times = [r.sent_at for r in rows if r.sent_at]
    return Status(
        advisory,
        counts,
        sum(1 for r in rows if r.acknowledged_at),
        len(rows),
        min(sent_times, default=None),
        max(sent_times, default=None),
        by_province,
    )


async def recipient_provinces(
    session: AsyncSession, advisory: Advisory, member_ids: Sequence[int]
) -> dict[int, str]:
    """Each recipient's province for breakdowns: that of a site the advisory was addressed
    to (a member may have sites in several provinces), else their first active site's."""
    if not member_ids:
        return {}
    sites = (
        await session.scalars(
            select(Site)
            .where(Site.member_id.in_(member_ids), Site.active.is_(True))
            .order_by(Site.id)
        )
    ).all()
    found: dict[int, str] = {}
    for site in sites:
        matches = (not advisory.audience_sectors or site.sector in advisory.audience_sectors) and (
            not advisory.audience_provinces or site.province in advisory.audience_provinces
        )
        if matches and site.member_id not in found:
            found[site.member_id] = site.province
    for site in sites:
        found.setdefault(site.member_id, site.province)
    return found


async def recent(session: AsyncSession, *, coordinator: Member, limit: int = 10) -> list[Advisory]:
    _check_coordinator(coordinator)
    result = await session.scalars(
        select(Advisory)
        .where(Advisory.status != AdvisoryStatus.DRAFT)
        .order_by(Advisory.id.desc())
        .limit(limit * 5)
    )
    visible = [
        a for a in result if a.author_id == coordinator.id or _covers_audience(coordinator, a)
    ]
    return visible[:limit]


async def active_for(session: AsyncSession, *, member: Member, limit: int = 10) -> list[Advisory]:
    """The unexpired, uncancelled advisories this member received."""
    result = await session.scalars(
        select(Advisory)
        .join(Delivery, Delivery.advisory_id == Advisory.id)
        .where(
            Delivery.member_id == member.id,
            Delivery.kind == "advisory",
            Advisory.status == AdvisoryStatus.RELEASED,
            Advisory.expires_at > utcnow(),
            ~superseded(),
        )
        .order_by(Advisory.id.desc())
        .limit(limit)
    )
    return list(result)


def superseded():
    """SQL: a later version of the same advisory was released (or cancelled): this one is
    no longer current. Derived, so there is no second status to keep in step."""
    later = aliased(Advisory)
    return (
        select(later.id)
        .where(
            later.root_id == Advisory.root_id,
            later.version > Advisory.version,
            later.status.in_([AdvisoryStatus.RELEASED, AdvisoryStatus.CANCELLED]),
        )
        .exists()
    )


EXPORT_COLUMNS = (
    "member",
    "name",
    "organisation",
    "provinces",
    "status",
    "sent_at",
    "acknowledged_at",
    "error",
)


async def export_rows(
    session: AsyncSession, *, coordinator: Member, advisory_id: int
) -> list[tuple[str, ...]]:
    """Per recipient: delivery and acknowledgement, for the CSV export (same checks as status)."""
    await status(session, coordinator=coordinator, advisory_id=advisory_id)
    result = await session.execute(
        select(Delivery, Member)
        .join(Member, Member.id == Delivery.member_id)
        .where(Delivery.advisory_id == advisory_id, Delivery.kind == "advisory")
        .options(selectinload(Member.sites))
        .order_by(Member.id)
    )
    rows = []
    for delivery, member in result.all():
        rows.append(
            (
                str(member.id),
                member.full_name or "",
                member.organisation or "",
                " ".join(sorted({s.province for s in member.active_sites})),  # all of them
                delivery.status,
                delivery.sent_at.isoformat() if delivery.sent_at else "",
                delivery.acknowledged_at.isoformat() if delivery.acknowledged_at else "",
                delivery.error or "",
            )
        )
    return rows
