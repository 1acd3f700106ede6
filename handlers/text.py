"""Plain text and unknown commands: routed to the flow the sender is in, from the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from bot.advisories import FLOW_ADVISORY, FLOW_ADVISORY_REJECT
from bot.checkins import FLOW_CHECKIN_NOTE
from bot.db.models import FlowState, Member, MemberStatus
from bot.reports import FLOW_REPORT, FLOW_REPORT_ANSWER, FLOW_REPORT_NOTE, FLOW_REPORT_QUESTION
from bot.services import flows
from bot.services.profile import FLOW_PROFILE
from bot.services.registration import FLOW_ADD_SITE, FLOW_REGISTRATION
from bot.services.vetting import FLOW_REJECT_REASON
from handlers import advisories, checkins, profile, registration, reports, vetting
from handlers.base import Access, Request, handles


class Who(Enum):
    """Who may go on answering a flow: rights withdrawn mid-flow end the flow."""

    ANYONE = "anyone"
    ACTIVE = "active"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class Route:
    take: Callable[[Request, FlowState, str], Awaitable[object]]
    who: Who


# Typed text goes to the flow the sender is in, found here by the flow's name.
ROUTES: dict[str, Route] = {
    FLOW_REJECT_REASON: Route(
        lambda req, state, _: vetting.take_reason(req, state), Who.COORDINATOR
    ),
    FLOW_ADVISORY: Route(lambda req, _, text: advisories.take_text(req, text), Who.COORDINATOR),
    FLOW_ADVISORY_REJECT: Route(
        lambda req, state, _: advisories.take_reject_reason(req, state), Who.COORDINATOR
    ),
    FLOW_REPORT_QUESTION: Route(
        lambda req, _, text: reports.take_question(req, text), Who.COORDINATOR
    ),
    FLOW_REPORT_NOTE: Route(lambda req, _, text: reports.take_note(req, text), Who.COORDINATOR),
    FLOW_REPORT: Route(reports.take_text, Who.ACTIVE),
    FLOW_REPORT_ANSWER: Route(reports.take_text, Who.ACTIVE),
    FLOW_CHECKIN_NOTE: Route(lambda req, state, _: checkins.take_note(req, state), Who.ACTIVE),
    FLOW_PROFILE: Route(lambda req, _, text: profile.take_text(req, text), Who.ACTIVE),
    FLOW_REGISTRATION: Route(lambda req, _, text: registration.take_text(req, text), Who.ANYONE),
    FLOW_ADD_SITE: Route(lambda req, _, text: registration.take_text(req, text), Who.ANYONE),
}


def _may(member: Member | None, who: Who) -> bool:
    active = member is not None and member.status == MemberStatus.ACTIVE
    if who is Who.COORDINATOR:
        return active and member is not None and member.is_coordinator
    return active or who is Who.ANYONE


@handles(Access.ANYONE)
async def text(req: Request) -> None:
    """A text message: the answer to the current step, if any."""
    message = req.update.effective_message
    assert message is not None
    typed = message.text or ""
    member = req.member
    active = member is not None and member.status == MemberStatus.ACTIVE
    if active and reports.is_report_button(req, typed):
        # The persistent 🚨 button: its exact label starts (or resumes) a report, whatever
        # else was going on; no other flow takes these words as an answer.
        await reports.start_report(req)
        return
    state = await flows.load(req.session, req.user.id)
    # A reply to a coordinator's question answers it, whatever flow the reporter is in.
    replied = active and message.reply_to_message is not None
    if replied and await reports.take_text(req, state, typed):
        return
    route = ROUTES.get(state.flow) if state is not None else None
    if state is not None and route is not None:
        if _may(member, route.who):
            await route.take(req, state, typed)
            return
        await flows.clear(req.session, req.user.id)  # rights withdrawn: the flow ends
    if member is None:
        req.reply(req.t("status-unregistered"))
    elif not active:
        req.reply(req.t(f"status-{member.status}"))
    else:
        req.reply(req.t("hint-nothing-pending"))


@handles(Access.ANYONE)
async def unknown_command(req: Request) -> None:
    req.reply(req.t("hint-unknown-command"))
