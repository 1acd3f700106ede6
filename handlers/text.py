"""Plain text and unknown commands: routed to the flow the sender is in, from the database."""

from __future__ import annotations

from bot.db.models import MemberStatus
from bot.services import flows
from bot.services.advisories import FLOW_ADVISORY, FLOW_ADVISORY_REJECT
from bot.services.checkins import FLOW_CHECKIN_NOTE
from bot.services.vetting import FLOW_REJECT_REASON
from handlers import advisories, checkins, registration, vetting
from handlers.base import Access, Request, handles

COORDINATOR_FLOWS = {FLOW_REJECT_REASON, FLOW_ADVISORY, FLOW_ADVISORY_REJECT}


@handles(Access.ANYONE)
async def text(req: Request) -> None:
    """A text message: the answer to the current step, if any."""
    message = req.update.effective_message
    assert message is not None
    state = await flows.load(req.session, req.user.id)
    if state is not None and state.flow in COORDINATOR_FLOWS:
        member = req.member
        if member is None or member.status != MemberStatus.ACTIVE or not member.is_coordinator:
            # Rights were withdrawn mid-flow: the flow ends with them.
            await flows.clear(req.session, req.user.id)
        elif state.flow == FLOW_REJECT_REASON:
            await vetting.take_reason(req, state)
            return
        elif state.flow == FLOW_ADVISORY_REJECT:
            await advisories.take_reject_reason(req, state)
            return
        else:
            await advisories.take_text(req, message.text or "")
            return
    if state is not None and state.flow == FLOW_CHECKIN_NOTE:
        if req.member is not None and req.member.status == MemberStatus.ACTIVE:
            await checkins.take_note(req, state)
            return
        await flows.clear(req.session, req.user.id)
    if await registration.take_text(req, message.text or ""):
        return
    if req.member is None:
        req.reply(req.t("status-unregistered"))
    elif req.member.status != MemberStatus.ACTIVE:
        req.reply(req.t(f"status-{req.member.status}"))
    else:
        req.reply(req.t("hint-nothing-pending"))


@handles(Access.ANYONE)
async def unknown_command(req: Request) -> None:
    req.reply(req.t("hint-unknown-command"))
