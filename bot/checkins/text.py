"""What a check-in looks like to its reader: the checklist message with its buttons, the
reminder, the alert for a missing critical measure and the overdue list."""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import callback_data
from bot.checkins.checklists import AnyItem, item_text
from bot.db.models import CheckinRound, Member, Site
from bot.i18n import Safe, Translator
from bot.reference import local_time

PREFIX = callback_data.CHECKIN
MARKS = {"yes": "✅", "no": "❌", "na": "➖"}
UNANSWERED, CURRENT = "⬜", "👉"


@dataclass(slots=True)
class Answer:
    """An item's answer as the checklist message shows it."""

    answer: str  # "yes", "no" or "na"
    note: str | None
    answered_at: datetime


@dataclass(slots=True)
class CheckinView:
    site_checkin_id: int
    site_name: str
    sector: str
    province: str
    deadline_at: datetime
    items: Sequence[AnyItem]
    answers: Mapping[int, Answer]
    cursor: int
    submitted: bool
    submitted_at: datetime | None = None
    late: bool = False
    awaiting_note: int | None = None  # an item whose note is being typed

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.id in self.answers)


def render(translator: Translator, lang: str, view: CheckinView) -> tuple[str, dict | None]:
    """The checklist message and its keyboard (None once submitted)."""
    t = translator.t
    lines = [
        t(
            lang,
            "checkin-header",
            site=view.site_name,
            sector=translator.sector(lang, view.sector),
            province=translator.province(lang, view.province),
            deadline=local_time(view.deadline_at, view.province),
        ),
        "",
    ]
    for item in view.items:
        answer = view.answers.get(item.id)
        if answer is not None:
            mark = MARKS[answer.answer]
        elif not view.submitted and item.position == view.cursor:
            mark = CURRENT
        else:
            mark = UNANSWERED
        lines.append(
            _item_line(
                translator, lang, mark, item.position + 1, item_text(item, lang), item.critical
            )
        )
        if answer is not None and answer.note:
            lines.append(t(lang, "checkin-item-note", note=answer.note))
    lines += ["", t(lang, "checkin-progress", done=str(view.done), total=str(len(view.items)))]
    if view.submitted:
        key = "checkin-submitted-late" if view.late else "checkin-submitted"
        lines.append(t(lang, key, at=local_time(view.submitted_at, view.province)))
        return "\n".join(lines), None
    awaiting = next((i for i in view.items if i.id == view.awaiting_note), None)
    if awaiting is not None:
        key = "checkin-ask-note-critical" if awaiting.id not in view.answers else "checkin-ask-note"
        lines.append(t(lang, key, number=str(awaiting.position + 1)))
    elif view.cursor < len(view.items):
        item = view.items[view.cursor]
        number = str(item.position + 1)
        lines.append(t(lang, "checkin-ask", number=number, item=item_text(item, lang)))
    else:
        lines.append(t(lang, "checkin-ready"))
    return "\n".join(lines), _markup(translator, lang, view)


@functools.lru_cache(maxsize=4096)
def _item_line(
    translator: Translator, lang: str, mark: str, number: int, text: str, critical: bool
) -> str:
    # Every press re-renders the whole checklist; its lines repeat across sites and presses,
    # and formatting them through Fluent each time was the press's largest CPU cost.
    return translator.t(
        lang,
        "checkin-item",
        mark=mark,
        number=str(number),
        text=text,
        critical="yes" if critical else "no",
    )


def _button(translator: Translator, lang: str, key: str, data: str, **args: Any) -> dict:
    # Labels are plain text to Telegram: undo the catalog's HTML escaping.
    return {"text": html.unescape(translator.t(lang, key, **args)), "callback_data": data}


def _markup(translator: Translator, lang: str, view: CheckinView) -> dict:
    sc = view.site_checkin_id
    rows: list[list[dict]] = []
    if view.cursor < len(view.items):
        item = view.items[view.cursor]
        rows.append(
            [
                _button(
                    translator,
                    lang,
                    f"btn-checkin-{code}",
                    callback_data.build(PREFIX, sc, code, item.id),
                )
                for code in ("y", "n", "a")
            ]
        )
    else:
        rows.append(
            [_button(translator, lang, "btn-checkin-submit", callback_data.build(PREFIX, sc, "s"))]
        )
    extra = []
    if view.cursor > 0:
        extra.append(
            _button(translator, lang, "btn-checkin-back", callback_data.build(PREFIX, sc, "b"))
        )
    last = _last_answered(view)
    if last is not None:
        extra.append(
            _button(
                translator,
                lang,
                "btn-checkin-note",
                callback_data.build(PREFIX, sc, "m", last.id),
                number=str(last.position + 1),
            )
        )
    if extra:
        rows.append(extra)
    return {"inline_keyboard": rows}


def _last_answered(view: CheckinView) -> AnyItem | None:
    answered = [
        (view.answers[i.id].answered_at, i.position, i) for i in view.items if i.id in view.answers
    ]
    return max(answered, key=lambda entry: entry[:2])[2] if answered else None


def reminder_text(
    translator: Translator, lang: str, site: Site, checkin_round: CheckinRound
) -> str:
    return translator.t(
        lang,
        "checkin-reminder",
        site=site.name,
        deadline=local_time(checkin_round.deadline_at, site.province),
    )


def critical_alert(
    translator: Translator,
    lang: str,
    operator: Member,
    site: Site,
    item: AnyItem,
    note: str,
) -> str:
    return translator.t(
        lang,
        "checkin-critical-alert",
        site=site.name,
        sector=translator.sector(lang, site.sector),
        province=translator.province(lang, site.province),
        number=str(item.position + 1),
        item=item_text(item, lang),
        note=note,
        operator=operator.display_name,
        member=str(operator.id),
        phone=operator.phone or "-",
    )


def overdue_text(
    translator: Translator,
    lang: str,
    checkin_round: CheckinRound,
    sites: Sequence[tuple[Site, Member]],
    listed_max: int,
) -> str:
    lines = [
        translator.t(
            lang,
            "checkin-overdue-site",
            site=site.name,
            province=translator.province(lang, site.province),
            operator=member.display_name,
            member=str(member.id),
        )
        for site, member in sites[:listed_max]
    ]
    return translator.t(
        lang,
        "checkin-overdue",
        round=str(checkin_round.id),
        count=len(sites),
        deadline=local_time(checkin_round.deadline_at, sites[0][0].province),
        lines=Safe("\n".join(lines)),  # catalog output, escaped already
        more=max(0, len(sites) - listed_max),
    )
