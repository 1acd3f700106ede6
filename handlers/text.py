"""Plain text and unknown commands: routed to the flow the sender is in, from the database."""

from __future__ import annotations

from bot.services import flows
from bot.services.vetting import FLOW_REJECT_REASON
from handlers import registration, vetting
from handlers.base import Access, Request, handles


@handles(Access.ANYONE)
async def text(req: Request) -> None:
    """A text message: the answer to the current step, if any."""
    message = req.update.effective_message
    assert message is not None
    state = await flows.load(req.session, req.user.id)
    if state is not None and state.flow == FLOW_REJECT_REASON:
        if req.member is None or not req.member.is_coordinator:
            await flows.clear(req.session, req.user.id)
        else:
            await vetting.take_reason(req, state)
            return
    if await registration.take_text(req, message.text or ""):
        return
    if req.member is None:
        req.reply(req.t("status-unregistered"))
    elif req.member.status != "active":
        req.reply(req.t(f"status-{req.member.status}"))
    else:
        req.reply(req.t("hint-nothing-pending"))


@handles(Access.ANYONE)
async def unknown_command(req: Request) -> None:
    req.reply(req.t("hint-unknown-command"))
