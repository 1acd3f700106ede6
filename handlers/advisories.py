"""Advisories over Telegram: /advisory (compose), review, acknowledge, /advisories, cancel."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup

from bot import advisories
from bot import callback_data as cd
from bot.advisories import ComposePrompt, Submitted
from bot.advisories.text import TLP_CODES, TLP_ICONS, render
from bot.db.models import Advisory, FlowState, Member
from bot.delivery.kinds import Kind
from bot.reference import local_time
from bot.services import flows
from handlers.base import Access, Request, button_fields, handles
from handlers.keyboards import inline
from handlers.render import display_name

QUESTION = {
    "title": "adv-ask-title",
    "body": "adv-ask-body",
    "severity": "adv-ask-severity",
    "urgency": "adv-ask-urgency",
    "certainty": "adv-ask-certainty",
    "actions": "adv-ask-actions",
    "tlp": "adv-ask-tlp",
    "sectors": "adv-ask-sectors",
    "provinces": "adv-ask-provinces",
    "members": "adv-ask-members",
    "expiry": "adv-ask-expiry",
    "ack": "adv-ask-ack",
    "mode": "adv-ask-mode",
}
COLUMNS = {"sectors": 2, "provinces": 3, "severity": 2, "certainty": 2, "tlp": 1}


def _label(req: Request, step: str, value: str, chosen: list[str]) -> str:
    translator = req.runtime.translator
    if step in ("sectors", "provinces"):
        if value == "_all":
            return req.t("btn-all")
        if value == "_done":
            return req.t("btn-done")
        name = translator.sector(req.lang, value) if step == "sectors" else value
        return f"✓ {name}" if value in chosen else name
    if step == "tlp":
        tlp = TLP_CODES[value]
        return f"{TLP_ICONS[tlp]} TLP:{tlp}"
    if step in ("severity", "urgency", "certainty"):
        return req.t(f"{step}-{value.lower()}")
    return req.t(f"adv-option-{step}-{value}")


def audience_text(req: Request, advisory: Advisory | None, data: dict | None = None) -> str:
    translator = req.runtime.translator
    if advisory is not None:
        sectors, provinces = advisory.audience_sectors, advisory.audience_provinces
        named, red = advisory.audience_member_ids, advisory.tlp == "RED"
    else:
        assert data is not None
        sectors, provinces = data.get("sectors", []), data.get("provinces", [])
        named, red = data.get("members", []), data.get("tlp") == "RED"
    if red:
        return req.t("adv-audience-named", members=", ".join(f"#{n}" for n in named))
    return req.t(
        "adv-audience",
        sectors=", ".join(translator.sector(req.lang, s) for s in sectors) or req.t("all-sectors"),
        provinces=", ".join(translator.province(req.lang, p) for p in provinces)
        or req.t("all-provinces"),
    )


def _keyboard(req: Request, prompt: ComposePrompt) -> InlineKeyboardMarkup | None:
    options = list(prompt.options)
    if prompt.step in ("sectors", "provinces"):
        options += ["_all", "_done"]
    if not options:
        return None
    chosen = prompt.data.get(prompt.step, []) if prompt.step in ("sectors", "provinces") else []
    buttons = [
        (_label(req, prompt.step, v, chosen), cd.build(cd.COMPOSE, prompt.step, v)) for v in options
    ]
    return inline(buttons, columns=COLUMNS.get(prompt.step, 2))


def show(req: Request, prompt: ComposePrompt) -> None:
    if prompt.step == "cancelled":
        req.reply(req.t("adv-compose-cancelled"))
        return
    error = req.t(prompt.error, **prompt.error_args) + "\n\n" if prompt.error else ""
    if prompt.step == "preview":
        assert prompt.advisory is not None
        req.reply(render(req.runtime.translator, req.lang, prompt.advisory))
        req.reply(
            req.t(
                "adv-preview",
                recipients=prompt.recipients,
                audience=audience_text(req, prompt.advisory),
            ),
            _keyboard(req, prompt),
        )
        return
    args: dict[str, Any] = {}
    if prompt.step in ("sectors", "provinces"):
        args["chosen"] = audience_text(req, None, prompt.data)
    if prompt.step == "body":
        args["max"] = advisories.BODY_LEN[1]
    text = error + req.t(QUESTION[prompt.step], **args)
    if prompt.toggled:
        req.edit(text=text, markup=_keyboard(req, prompt))
    else:
        req.reply(text, _keyboard(req, prompt))


@handles(Access.COORDINATOR)
async def compose(req: Request) -> None:
    """/advisory: write an advisory, step by step."""
    assert req.member is not None
    prompt = await advisories.begin(
        req.session, author=req.member, known_sectors=req.runtime.rules.sectors
    )
    req.reply(req.t("adv-compose-intro"))
    show(req, prompt)


async def _take(req: Request, *, text: str | None = None, choice=None) -> bool:
    assert req.member is not None
    result = await advisories.answer(
        req.session,
        author=req.member,
        text=text,
        choice=choice,
        known_sectors=req.runtime.rules.sectors,
        translator=req.runtime.translator,
        allow_paid_broadcast=req.runtime.settings.delivery.allow_paid_broadcast,
    )
    if result is None:
        return False
    if isinstance(result, Submitted):
        await _after_submit(req, result)
    else:
        show(req, result)
    return True


async def take_text(req: Request, text: str) -> bool:
    return await _take(req, text=text)


@handles(Access.COORDINATOR)
async def compose_choice(req: Request) -> None:
    fields = button_fields(req, cd.COMPOSE)
    if fields is None:
        return
    step, value = fields
    if not await _take(req, choice=(step, value)):
        req.answer(req.t("button-stale"))
        req.drop_keyboard()
    elif step not in ("sectors", "provinces") or value in ("_all", "_done"):
        req.drop_keyboard()


def _review_card(req: Request, reader: Member, advisory: Advisory, author: Member | None) -> tuple:
    lang = reader.language
    text = req.tr(
        lang,
        "adv-review",
        number=str(advisory.id),
        author=display_name(author),
        audience=audience_text(_as(req, lang), advisory),
    )
    buttons = inline(
        [
            (req.tr(lang, "btn-approve"), cd.build(cd.REVIEW, "a", advisory.id)),
            (req.tr(lang, "btn-reject"), cd.build(cd.REVIEW, "r", advisory.id)),
        ],
        columns=2,
    )
    return text, buttons


def _as(req: Request, lang: str) -> Request:
    """The same request, rendering in another reader's language."""
    from dataclasses import replace

    return replace(req, lang=lang)


async def _after_submit(req: Request, result: Submitted) -> None:
    advisory = result.advisory
    if result.released is not None:
        req.reply(req.t("adv-released-emergency", recipients=result.released.recipients))
        return
    req.reply(req.t("adv-submitted", number=str(advisory.id), reviewers=len(result.reviewers)))
    for reviewer in result.reviewers:
        if reviewer.telegram_user_id is None:
            continue
        await req.send(
            reviewer.telegram_user_id, render(req.runtime.translator, reviewer.language, advisory)
        )
        await req.send(
            reviewer.telegram_user_id, *_review_card(req, reviewer, advisory, req.member)
        )


@handles(Access.COORDINATOR)
async def review(req: Request) -> None:
    """Approve / Reject by a second coordinator."""
    assert req.member is not None and req.query is not None
    fields = button_fields(req, cd.REVIEW)
    if fields is None:
        return
    action, advisory_id = fields[0], int(fields[1])
    if action == "r":
        advisory = await req.session.get(Advisory, advisory_id)
        if advisory is None:
            req.answer(req.t("error-advisory-gone"), alert=True)
            return
        # Checks (own, scope, state) happen now, before asking for the reason.
        advisories.check_reviewer(req.member, advisory)
        await flows.start(
            req.session,
            req.user.id,
            flow=advisories.FLOW_ADVISORY_REJECT,
            step="reason",
            data={"advisory_id": advisory_id},
        )
        req.answer()
        req.reply(req.t("adv-ask-reject-reason", number=str(advisory_id)))
        return
    advisory, release = await advisories.decide(
        req.session,
        approver=req.member,
        advisory_id=advisory_id,
        approve=True,
        reason=None,
        translator=req.runtime.translator,
        allow_paid_broadcast=req.runtime.settings.delivery.allow_paid_broadcast,
    )
    assert release is not None
    req.drop_keyboard()
    req.answer(req.t("adv-approved", recipients=release.recipients))
    req.reply(req.t("adv-approved", recipients=release.recipients))
    author = await req.session.get(Member, advisory.author_id)
    if author and author.telegram_user_id:
        await req.send(
            author.telegram_user_id,
            req.tr(
                author.language,
                "adv-author-released",
                number=str(advisory.id),
                by=display_name(req.member),
                recipients=release.recipients,
            ),
            kind=Kind.ADVISORY_NOTICE,
            advisory_id=advisory.id,
        )


async def take_reject_reason(req: Request, state: FlowState) -> None:
    assert req.member is not None and req.update.effective_message is not None
    advisory, _ = await advisories.decide(
        req.session,
        approver=req.member,
        advisory_id=int(state.data["advisory_id"]),
        approve=False,
        reason=req.update.effective_message.text or "",
        translator=req.runtime.translator,
    )
    await flows.clear(req.session, req.user.id)
    req.reply(req.t("adv-rejected", number=str(advisory.id)))
    author = await req.session.get(Member, advisory.author_id)
    if author and author.telegram_user_id:
        await req.send(
            author.telegram_user_id,
            req.tr(
                author.language,
                "adv-author-rejected",
                number=str(advisory.id),
                reason=advisory.reject_reason or "-",
            ),
        )


@handles(Access.ACTIVE)
async def acknowledge(req: Request) -> None:
    """The Acknowledge button: recorded for the presser's own copy only."""
    assert req.member is not None and req.query is not None
    fields = button_fields(req, cd.ACKNOWLEDGE)
    if fields is None:
        return
    recipient = await advisories.acknowledge(
        req.session, member=req.member, advisory_id=int(fields[0])
    )
    stamp = local_time(recipient.acknowledged_at, _province(req.member))
    req.edit(
        markup=inline(
            [(req.t("btn-acknowledged", time=stamp), cd.build(cd.ACKNOWLEDGE, fields[0]))]
        )
    )
    req.answer(req.t("adv-acknowledged"))


def _province(member: Member) -> str | None:
    return member.active_sites[0].province if member.active_sites else None


@handles(Access.ACTIVE)
async def list_advisories(req: Request) -> None:
    """/advisories: coordinators see recent ones with their state; members their active ones."""
    member = req.member
    assert member is not None
    if not member.is_coordinator:
        active = await advisories.active_for(req.session, member=member)
        if not active:
            req.reply(req.t("adv-none-active"))
            return
        for advisory in active:
            req.reply(
                render(
                    req.runtime.translator, req.lang, advisory, timezone_province=_province(member)
                )
            )
        return
    recent = await advisories.recent(req.session, coordinator=member)
    if not recent:
        req.reply(req.t("adv-none"))
        return
    lines = [req.t("adv-list-header")]
    buttons = []
    for advisory in recent:
        lines.append(
            req.t(
                "adv-list-line",
                number=str(advisory.id),
                title=advisory.title,
                state=req.t(f"adv-state-{advisory.status}"),
                tlp=advisory.tlp,
            )
        )
        buttons.append((f"#{advisory.id}", cd.build(cd.ADVISORY, "s", advisory.id)))
    req.reply("\n".join(lines), inline(buttons, columns=5))


@handles(Access.COORDINATOR)
async def advisory_action(req: Request) -> None:
    """Status of one advisory; cancel (asks to confirm first)."""
    assert req.member is not None and req.query is not None
    fields = button_fields(req, cd.ADVISORY)
    if fields is None:
        return
    action, advisory_id = fields[0], int(fields[1])
    if action == "s":
        figures = await advisories.status(
            req.session, coordinator=req.member, advisory_id=advisory_id
        )
        req.answer()
        req.reply(*_status_view(req, figures))
        return
    if action == "e":
        rows = await advisories.export_rows(
            req.session, coordinator=req.member, advisory_id=advisory_id
        )
        req.answer()
        req.reply_document(
            f"advisory-{advisory_id}.csv",
            to_csv(advisories.EXPORT_COLUMNS, rows),
            req.t("adv-export-caption", number=str(advisory_id), count=len(rows)),
        )
        return
    if action == "u":
        prompt = await advisories.begin_update(
            req.session,
            author=req.member,
            advisory_id=advisory_id,
            known_sectors=req.runtime.rules.sectors,
        )
        req.answer()
        req.reply(req.t("adv-update-intro", number=str(advisory_id)))
        show(req, prompt)
        return
    if action == "c":
        await advisories.cancellable(req.session, coordinator=req.member, advisory_id=advisory_id)
        req.answer()
        req.reply(
            req.t("adv-cancel-confirm", number=str(advisory_id)),
            inline([(req.t("btn-cancel-advisory"), cd.build(cd.ADVISORY, "y", advisory_id))]),
        )
        return
    advisory, notices = await advisories.cancel(
        req.session,
        coordinator=req.member,
        advisory_id=advisory_id,
        translator=req.runtime.translator,
    )
    req.drop_keyboard()
    req.answer()
    req.reply(req.t("adv-cancelled", number=str(advisory.id), notices=notices))


def _status_view(
    req: Request, figures: advisories.Status
) -> tuple[str, InlineKeyboardMarkup | None]:
    advisory = figures.advisory
    counts = figures.counts
    provinces = "\n".join(
        req.t(
            "adv-status-province",
            province=req.runtime.translator.province(req.lang, code) if code != "-" else "-",
            sent=c.get("sent", 0) + c.get("acknowledged", 0),
            total=sum(c.values()),
            acknowledged=c.get("acknowledged", 0),
        )
        for code, c in sorted(figures.by_province.items())
    )
    text = req.t(
        "adv-status",
        number=str(advisory.id),
        title=advisory.title,
        state=req.t(f"adv-state-{advisory.status}"),
        total=figures.total,
        queued=counts.get("queued", 0) + counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("unreachable", 0),
        cancelled=counts.get("cancelled", 0),
        acknowledged=figures.acknowledged,
        rate=f"{figures.ack_rate:.0%}",
        first=local_time(figures.first_sent),
        last=local_time(figures.last_sent),
        provinces=provinces or "-",
    )
    buttons = [(req.t("btn-export"), cd.build(cd.ADVISORY, "e", advisory.id))]
    if advisory.status == "released":
        buttons.append((req.t("btn-update-advisory"), cd.build(cd.ADVISORY, "u", advisory.id)))
    if advisory.status in ("released", "submitted"):
        buttons.append((req.t("btn-cancel-advisory"), cd.build(cd.ADVISORY, "c", advisory.id)))
    return text, inline(buttons)


def to_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs read Indonesian names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    # A cell starting with = + - @ would run as a formula in a spreadsheet: neutralise it.
    writer.writerows(
        [f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell for cell in row] for row in rows
    )
    return buffer.getvalue().encode("utf-8-sig")
