"""The reporter's draft of a report, step by step: the steps and their order, the buttons each
step offers, the answers it takes (typed text, a button, a location, a file) and the files it
keeps. The draft is a flow in the database, so it survives restarts; the review step's submit
hands it to bot.reports.submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ATTACHMENT_KINDS, REPORT_CATEGORIES, Member
from bot.i18n import Translator
from bot.reference import PROVINCES
from bot.reports.access import active
from bot.reports.limits import Limits, clean
from bot.reports.submission import Submitted, submit
from bot.services import flows
from bot.services.errors import ServiceError
from bot.services.validation import strip_controls

FLOW_REPORT = "report"  # the reporter's draft

STEPS = (
    "urgency",
    "category",
    "description",
    "where",
    "place",  # another place: a location or typed words
    "province",  # ... and its province
    "when",
    "when_text",  # an earlier time, in the reporter's words
    "people",
    "media",
    "review",
)
TEXT_STEPS = {"description", "where", "place", "when_text", "people"}
WHEN = ("now", "hour", "today", "earlier")
PLACE_LEN = (3, 300)
WHEN_LEN = (2, 120)
PEOPLE_LEN = (3, 1000)
CAPTION_MAX = 900  # of Telegram's 1,024 for a caption, the rest for "Report #12 · 1/5"
DESCRIPTION_MIN = 10
# Documents people can open safely on a phone; executables, archives and the like are refused.
DOCUMENT_TYPES = ("image/", "video/", "application/pdf", "text/plain")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a reporter sent, as Telegram describes it (kind may be one we refuse)."""

    kind: str
    file_id: str = ""
    file_unique_id: str = ""
    size: int | None = None
    mime: str | None = None
    file_name: str | None = None
    caption: str | None = None


@dataclass(slots=True)
class ReportPrompt:
    step: str
    data: dict[str, Any]
    options: list[str]
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)
    # The reporter said someone is in danger: the emergency numbers come first.
    emergency: bool = False
    # An attachment was kept: how many there are now.
    attached: int | None = None
    resumed: bool = False


def _options(step: str, data: dict[str, Any], member: Member) -> list[str]:
    if step == "urgency":
        return ["yes", "no"]
    if step == "category":
        return list(REPORT_CATEGORIES)
    if step == "where":
        return [str(s.id) for s in member.active_sites] + ["elsewhere"]
    if step == "province":
        own = list(dict.fromkeys(s.province for s in member.active_sites))
        return own + [p.code for p in PROVINCES if p.code not in own]
    if step == "when":
        return list(WHEN)
    if step == "people":
        return ["skip"]
    if step == "media":
        return ["done"]
    if step == "review":
        return ["submit", "cancel"]
    return []


def _next(step: str, data: dict[str, Any], limits: Limits) -> str:
    if step == "where":
        return "when" if data.get("site_id") else "province" if data.get("placed") else "place"
    if step == "place":
        return "province"
    if step == "province":
        return "when"
    if step == "when":
        return "when_text" if data.get("observed") == "earlier" else "people"
    if step == "when_text":
        return "people"
    following = STEPS[STEPS.index(step) + 1]
    if following == "media" and limits.max_attachments == 0:
        return "review"
    return following


async def begin(session: AsyncSession, *, member: Member | None) -> ReportPrompt:
    """/report: a new draft, or the one in progress (a draft survives restarts)."""
    member = active(member)
    assert member.telegram_user_id is not None
    state = await flows.load(session, member.telegram_user_id)
    if state is not None and state.flow == FLOW_REPORT:
        draft = dict(state.data)
        return ReportPrompt(state.step, draft, _options(state.step, draft, member), resumed=True)
    data: dict[str, Any] = {"attachments": []}
    await flows.start(session, member.telegram_user_id, flow=FLOW_REPORT, step="urgency", data=data)
    return ReportPrompt("urgency", data, _options("urgency", data, member))


async def answer(
    session: AsyncSession,
    *,
    member: Member | None,
    limits: Limits,
    translator: Translator,
    text: str | None = None,
    choice: tuple[str, str] | None = None,
    location: tuple[float, float] | None = None,
    attachment: Attachment | None = None,
) -> ReportPrompt | Submitted | None:
    """One answer to the draft: typed text, a (step, value) button, a location or a file.
    None when the member has no draft. A refused answer keeps the draft as it was."""
    member = active(member)
    assert member.telegram_user_id is not None
    state = await flows.load(session, member.telegram_user_id)
    if state is None or state.flow != FLOW_REPORT:
        return None
    step, data = state.step, dict(state.data)
    data["attachments"] = list(data.get("attachments", []))

    def again(key: str | None = None, **args: Any) -> ReportPrompt:
        return ReportPrompt(step, data, _options(step, data, member), key, args)

    try:
        if attachment is not None:
            kept = _attach(data, attachment, limits)
            flows.save(state, step=step, data=data)
            prompt = again()
            prompt.attached = kept
            return prompt
        if location is not None:
            if step not in ("where", "place"):
                raise ServiceError("error-report-location-here")
            latitude, longitude = location
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ServiceError("error-report-location-here")
            data["latitude"], data["longitude"] = latitude, longitude
            data["placed"] = True
            value: Any = None
        elif choice is not None:
            if choice[0] != step:
                return again("button-stale")
            if choice[1] not in _options(step, data, member):
                raise ServiceError("button-stale")
            value = choice[1]
        else:
            if step not in TEXT_STEPS:
                raise ServiceError("error-use-buttons")
            value = _typed(step, text or "", limits)
    except ServiceError as exc:
        return again(exc.key, **exc.args_for_message)

    prompt_emergency = False
    if location is not None:
        pass
    elif step == "urgency":
        data["immediate"] = value == "yes"
        prompt_emergency = data["immediate"]
    elif step == "category":
        data["category"] = value
    elif step == "description":
        data["description"] = value
    elif step == "where":
        if value == "elsewhere":
            data.pop("site_id", None)
            data.pop("placed", None)
        elif choice is not None:
            site = next(s for s in member.active_sites if str(s.id) == value)
            data.update(site_id=site.id, sector=site.sector, province=site.province)
            data.pop("place", None)
            data.pop("latitude", None)
            data.pop("longitude", None)
        else:
            data["place"], data["placed"] = value, True
    elif step == "place":
        data["place"], data["placed"] = value, True
    elif step == "province":
        data["province"] = value
        # A place that is not one of their sites is routed by the province given and the
        # sector of the reporter's first site (where they work), else "other".
        sites = member.active_sites
        data["sector"] = sites[0].sector if sites else "other"
    elif step == "when":
        data["observed"] = value
    elif step == "when_text":
        data["observed_text"] = value
    elif step == "people":
        data["people"] = "" if value == "skip" else value
    elif step == "media":
        pass
    elif step == "review":
        if value == "cancel":
            await flows.clear(session, member.telegram_user_id)
            return ReportPrompt("cancelled", data, [])
        return await submit(
            session, member=member, data=data, limits=limits, translator=translator, again=again
        )
    next_step = _next(step, data, limits)
    flows.save(state, step=next_step, data=data)
    prompt = ReportPrompt(next_step, data, _options(next_step, data, member))
    prompt.emergency = prompt_emergency
    return prompt


def _typed(step: str, text: str, limits: Limits) -> str:
    if step == "description":
        return clean(text, (DESCRIPTION_MIN, limits.max_text))
    if step in ("where", "place"):
        return clean(text, PLACE_LEN)
    if step == "when_text":
        return clean(text, WHEN_LEN)
    return clean(text, PEOPLE_LEN)


def _attach(data: dict[str, Any], given: Attachment, limits: Limits) -> int:
    """Keep one file in the draft; refused (the draft unchanged) if of a kind we do not take,
    too large, or one too many."""
    megabytes = limits.max_bytes // (1024 * 1024)
    accepted = given.kind in ATTACHMENT_KINDS and (
        given.kind != "document" or (given.mime or "").startswith(DOCUMENT_TYPES)
    )
    if not accepted or not given.file_id:
        raise ServiceError("error-report-unsupported", mb=megabytes)
    if given.size is not None and given.size > limits.max_bytes:
        raise ServiceError("error-report-too-large", mb=megabytes)
    attachments = data["attachments"]
    if len(attachments) >= limits.max_attachments:
        raise ServiceError("error-report-too-many", max=limits.max_attachments)
    if any(a["file_unique_id"] == given.file_unique_id for a in attachments):
        return len(attachments)  # the same file twice: kept once
    attachments.append(
        {
            "kind": given.kind,
            "file_id": given.file_id[:255],
            "file_unique_id": given.file_unique_id[:64],
            "size": given.size,
            "mime": (given.mime or None) and given.mime[:100],
            "file_name": strip_controls(given.file_name or "")[:255] or None,
            "caption": strip_controls(given.caption or "").strip()[:CAPTION_MAX] or None,
        }
    )
    return len(attachments)
