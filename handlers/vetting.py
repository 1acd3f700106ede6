"""Vetting: the coordinators' cards with Approve / Reject, /pending, and the reject reason."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardMarkup

from bot import callback_data as cd
from bot.db.models import FlowState, Member
from bot.services import flows, vetting
from handlers.base import Access, Request, button_fields, handles
from handlers.keyboards import inline
from handlers.render import display_name, member_card
from handlers.reports import main_keyboard


def card(req: Request, reader: Member, applicant: Member) -> tuple[str, InlineKeyboardMarkup]:
    lang = reader.language
    translator = req.runtime.translator
    text = translator.t(
        lang, "vet-card", number=str(applicant.id), card=member_card(translator, lang, applicant)
    )
    buttons = inline(
        [
            (translator.t(lang, "btn-approve"), cd.build(cd.VETTING, "a", applicant.id)),
            (translator.t(lang, "btn-reject"), cd.build(cd.VETTING, "r", applicant.id)),
        ],
        columns=2,
    )
    return text, buttons


async def notify_reviewers(req: Request, applicant: Member, reviewers: Iterable[Member]) -> None:
    for reviewer in reviewers:
        if reviewer.telegram_user_id is None or reviewer.id == applicant.id:
            continue
        text, buttons = card(req, reviewer, applicant)
        await req.send(reviewer.telegram_user_id, text, buttons)


def _decided_text(req: Request, applicant: Member, by: Member | None, approved: bool) -> str:
    translator = req.runtime.translator
    body = translator.t(
        req.lang,
        "vet-card",
        number=str(applicant.id),
        card=member_card(translator, req.lang, applicant),
    )
    outcome = req.t(
        "vet-decided-approved" if approved else "vet-decided-rejected",
        by=display_name(by),
    )
    return f"{body}\n\n{outcome}"


@handles(Access.COORDINATOR)
async def pending(req: Request) -> None:
    """/pending: the oldest registrations waiting in the coordinator's scope."""
    assert req.member is not None
    waiting, total = await vetting.pending_for(req.session, coordinator=req.member)
    if not waiting:
        req.reply(req.t("vet-none-pending"))
        return
    req.reply(req.t("vet-pending-header", total=total, shown=len(waiting)))
    for applicant in waiting:
        req.reply(*card(req, req.member, applicant))


@handles(Access.COORDINATOR)
async def decision(req: Request) -> None:
    """Approve / Reject on a card. The card's member id is re-checked like any input."""
    assert req.query is not None and req.member is not None
    fields = button_fields(req, cd.VETTING)
    if fields is None:
        return
    action, member_id = fields[0], int(fields[1])
    if action == "r":
        applicant = await vetting.ask_reject_reason(
            req.session, coordinator=req.member, member_id=member_id
        )
        req.answer()
        req.reply(req.t("vet-ask-reason", number=str(applicant.id), name=display_name(applicant)))
        return
    result = await vetting.decide(
        req.session, coordinator=req.member, member_id=member_id, approve=True
    )
    await _after_decision(req, result)


async def _after_decision(req: Request, result: vetting.Decision) -> None:
    applicant = result.member
    if not result.fresh:
        by = result.already_decided_by
        req.answer(req.t("vet-already-decided", by=display_name(by)), alert=True)
        if req.query:
            req.edit(text=_decided_text(req, applicant, by, result.approved))
        return
    if req.query:
        req.edit(text=_decided_text(req, applicant, req.member, result.approved))
        req.answer(req.t("vet-done-approved" if result.approved else "vet-done-rejected"))
    else:
        req.reply(req.t("vet-done-approved" if result.approved else "vet-done-rejected"))
    if applicant.telegram_user_id is not None:
        key = "vet-applicant-approved" if result.approved else "vet-applicant-rejected"
        # Approved: they get the 🚨 Report button with the news.
        markup = main_keyboard(req, applicant) if result.approved else None
        await req.send(applicant.telegram_user_id, req.tr(applicant.language, key), markup)
        req.refresh_commands(applicant.telegram_user_id, applicant)


async def take_reason(req: Request, state: FlowState) -> None:
    """The text after Reject: the reason, then the decision."""
    assert req.member is not None and req.update.effective_message is not None
    member_id = int(state.data["member_id"])
    text = req.update.effective_message.text or ""
    result = await vetting.decide(
        req.session, coordinator=req.member, member_id=member_id, approve=False, reason=text
    )
    await flows.clear(req.session, req.user.id)
    await _after_decision(req, result)
