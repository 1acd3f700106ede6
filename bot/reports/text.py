"""How a report reads: the coordinators' card, its history, the reporter's summary.

Every text is catalog output in the reader's language; what the reporter typed is escaped
by the translator.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.db.models import Member, Report, ReportEvent, Site
from bot.i18n import Safe, Translator
from bot.reference import PROVINCES_BY_CODE

# The ISE-SAR functional standard's behaviour categories, in its two groups, then "other".
CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    # Defined criminal activity and potential terrorism nexus activity.
    "criminal": ("breach", "misrep", "theft", "sabotage", "cyber", "threat", "aviation"),
    # Potential criminal or non-criminal activity requiring more information.
    "precursor": (
        "eliciting",
        "probing",
        "recruiting",
        "photography",
        "surveillance",
        "materials",
        "expertise",
        "weapons",
        "sector",
    ),
    "other": ("other",),
}
GROUP_ICONS = {"criminal": "🔴", "precursor": "🟡", "other": "⚪"}
CATEGORY_GROUP = {code: group for group, codes in CATEGORY_GROUPS.items() for code in codes}


# Telegram's limit is 4,096 characters; the HTML tags count here, so this is on the safe side.
TEXT_MAX = 4000
PLACE_HTML_MAX = 600


# What a renderer returns, and so fitted: Safe from one that vouches for its HTML.
_Text = TypeVar("_Text", bound=str)


def fitted(render: Callable[[str, str], _Text], description: str, people: str) -> _Text:
    """The rendered text; if it would not fit one message, the longest of the reporter's free
    texts is shortened (marked with …) until it does. The full text stays in the database."""
    text = render(description, people)
    for _ in range(6):
        if len(text) <= TEXT_MAX:
            break
        over = len(text) - TEXT_MAX + 1
        if len(description) >= len(people):
            description = description[: max(len(description) - over, 20)] + "…"
        else:
            people = people[: max(len(people) - over, 20)] + "…"
        text = render(description, people)
    return text


def free_text(translator: Translator, lang: str, label_key: str, value: str) -> Safe:
    """A labelled text the reporter typed, escaped here rather than passed to the catalog:
    Fluent refuses a placeable longer than 1,000 characters."""
    return Safe(f"{translator.t(lang, label_key)} {escape(value)}")


def escape(value: str) -> Safe:
    return Safe(html.escape(value, quote=False))


def category_label(translator: Translator, lang: str, code: str) -> Safe:
    return Safe(f"{GROUP_ICONS[CATEGORY_GROUP[code]]} {translator.t(lang, f'report-cat-{code}')}")


def when_text(translator: Translator, lang: str, observed: str, text: str | None) -> Safe:
    if observed == "earlier":
        return translator.t(lang, "report-when-text", text=text or "-")
    return translator.t(lang, f"report-option-when-{observed}")


def local_time(value: datetime | None, province: str | None = None) -> str:
    if value is None:
        return "-"
    zone = PROVINCES_BY_CODE.get(province or "JK", PROVINCES_BY_CODE["JK"]).zone
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def place_text(
    translator: Translator,
    lang: str,
    *,
    site: Site | Mapping[str, Any] | None,
    place: str | None,
    latitude: float | None,
    longitude: float | None,
    sector: str,
    province: str,
) -> Safe:
    """Where it happened, with the sector and province that route it."""
    parts: list[str] = []
    if site is not None:
        name = site["name"] if isinstance(site, Mapping) else site.name
        parts.append(translator.t(lang, "report-place-site", name=name))
    if place:
        text = escape(place)
        while len(text) > PLACE_HTML_MAX:  # stays well inside a catalog placeable
            place = place[: len(place) - 20]
            text = escape(f"{place}…")
        parts.append(text)
    if latitude is not None and longitude is not None:
        parts.append(
            translator.t(
                lang,
                "report-place-location",
                latitude=f"{latitude:.5f}",
                longitude=f"{longitude:.5f}",
            )
        )
    parts.append(
        translator.t(
            lang,
            "report-place-area",
            sector=translator.sector(lang, sector),
            province=translator.province(lang, province),
        )
    )
    return Safe(" — ".join(parts))


def status_label(translator: Translator, lang: str, report: Report) -> Safe:
    label = translator.t(lang, f"report-state-{report.status}")
    if report.closure:
        label = Safe(f"{label} ({translator.t(lang, f'report-closure-{report.closure}')})")
    return label


def card(
    translator: Translator,
    lang: str,
    report: Report,
    *,
    reporter: Member,
    site: Site | None,
    attachments: int,
) -> Safe:
    """What a coordinator gets: everything that makes the report useful, in one message."""
    lines = []
    if report.immediate:
        lines.append(translator.t(lang, "report-card-immediate"))
    place = place_text(
        translator,
        lang,
        site=site,
        place=report.place,
        latitude=report.latitude,
        longitude=report.longitude,
        sector=report.sector,
        province=report.province,
    )

    def render(description: str, people: str) -> Safe:
        text = translator.t(
            lang,
            "report-card",
            number=str(report.id),
            category=category_label(translator, lang, report.category),
            place=place,
            when=when_text(translator, lang, report.observed, report.observed_text),
            submitted=local_time(report.submitted_at, report.province),
            attachments=attachments,
            reporter=reporter.display_name,
            member=str(reporter.id),
            organisation=reporter.organisation or "-",
            phone=reporter.phone or "-",
            username=f"@{reporter.username}" if reporter.username else "-",
            state=status_label(translator, lang, report),
        )
        return Safe(
            "\n".join(
                [
                    text,
                    free_text(translator, lang, "report-label-description", description),
                    free_text(translator, lang, "report-label-people", people),
                ]
            )
        )

    lines.append(fitted(render, report.description, report.people or "-"))
    return Safe("\n".join(lines))


def history(
    translator: Translator,
    lang: str,
    report: Report,
    events: Sequence[ReportEvent],
    names: Mapping[int, str],
) -> Safe:
    """Every event with who and when; notes included (coordinators only)."""
    lines = [translator.t(lang, "report-history-header", number=str(report.id))]
    for event in events:
        who = names.get(event.actor_id or 0, "-")
        at = local_time(event.at, report.province)
        if event.kind == "state":
            what = translator.t(
                lang,
                "report-history-state",
                state=translator.t(lang, f"report-state-{event.to_state}"),
            )
        else:
            what = translator.t(lang, f"report-history-{event.kind}")
        line = translator.t(lang, "report-history-line", at=at, who=who, what=what)
        if event.note:
            line = Safe(f"{line}\n↳ {escape(event.note)}")
        lines.append(line)
    return Safe("\n".join(lines))
