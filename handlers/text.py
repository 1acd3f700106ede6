"""Plain text and unknown commands: routed to the flow the sender is in, from the database."""

from __future__ import annotations

from bot.advisories import FLOW_ADVISORY, FLOW_ADVISORY_REJECT
from bot.checkins import FLOW_CHECKIN_NOTE
from bot.db.models import MemberStatus
from bot.reports import FLOW_REPORT_NOTE, FLOW_REPORT_QUESTION
from bot.services import flows
from bot.services.profile import FLOW_PROFILE
from bot.services.vetting import FLOW_REJECT_REASON
from handlers import advisories, checkins, profile, registration, reports, vetting
from handlers.base import Access, Request, handles

COORDINATOR_FLOWS = {
    FLOW_REJECT_REASON,
    FLOW_ADVISORY,
    FLOW_ADVISORY_REJECT,
    FLOW_REPORT_QUESTION,
    FLOW_REPORT_NOTE,
}


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
    if state is not None and state.flow in COORDINATOR_FLOWS:
        if member is None or not active or not member.is_coordinator:
            # Rights were withdrawn mid-flow: the flow ends with them.
            await flows.clear(req.session, req.user.id)
            state = None
        elif state.flow == FLOW_REJECT_REASON:
            await vetting.take_reason(req, state)
            return
        elif state.flow == FLOW_ADVISORY_REJECT:
            await advisories.take_reject_reason(req, state)
            return
        elif state.flow == FLOW_REPORT_QUESTION:
            await reports.take_question(req, typed)
            return
        elif state.flow == FLOW_REPORT_NOTE:
            await reports.take_note(req, typed)
            return
        else:
            await advisories.take_text(req, typed)
            return
    if state is not None and state.flow == FLOW_PROFILE and active:
        await profile.take_text(req, typed)
        return
    if state is not None and state.flow == FLOW_CHECKIN_NOTE:
        if active:
            await checkins.take_note(req, state)
            return
        await flows.clear(req.session, req.user.id)
        state = None
    if active and await reports.take_text(req, state, typed):
        return
    if await registration.take_text(req, typed):
        return
    if member is None:
        req.reply(req.t("status-unregistered"))
    elif not active:
        req.reply(req.t(f"status-{member.status}"))
    else:
        req.reply(req.t("hint-nothing-pending"))


@handles(Access.ANYONE)
async def unknown_command(req: Request) -> None:
    req.reply(req.t("hint-unknown-command"))
