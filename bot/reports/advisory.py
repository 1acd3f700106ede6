"""An advisory draft made from one report or several, prefilled for the coordinator to keep
or retype; the advisory then follows its usual steps and approval."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.advisories import FLOW_ADVISORY, ComposePrompt
from bot.db.models import Member, Report, ReportEvent
from bot.i18n import Translator
from bot.reports.access import load_for
from bot.services import flows
from bot.services.errors import ServiceError

MANY_MAX = 10  # reports one advisory draft is made from
MANY_LINE = 300  # characters of each report's description in it


async def begin_advisory(
    session: AsyncSession,
    *,
    coordinator: Member | None,
    report_ids: Sequence[int],
    translator: Translator,
    known_sectors: tuple[str, ...],
) -> ComposePrompt:
    """An advisory draft prefilled from one report or several: title and text to keep or
    retype, the audience set to their sectors and provinces; then the usual steps and the
    second coordinator's approval. Each report must be in the coordinator's scope."""
    if not 1 <= len(report_ids) <= MANY_MAX:
        raise ServiceError("error-report-advisory-count", max=MANY_MAX)
    found = [
        await load_for(session, coordinator=coordinator, report_id=i)
        for i in dict.fromkeys(report_ids)
    ]
    assert coordinator is not None and coordinator.telegram_user_id is not None
    lang = coordinator.language

    def plain(key: str, **args: Any) -> str:
        # Catalog output is HTML-escaped; the advisory stores what its author typed.
        return html.unescape(translator.t(lang, key, **args))

    def category(report: Report) -> str:
        return plain(f"report-cat-{report.category}")

    first = found[0]
    province = plain(f"province-{first.province}")
    if len(found) == 1:
        title = plain("report-advisory-title", category=category(first), province=province)
        lead = plain(
            "report-advisory-body",
            category=category(first),
            province=province,
            sector=html.unescape(translator.sector(lang, first.sector)),
        )
        body = f"{lead} {first.description}"
    else:
        title = plain("report-advisory-title-many", count=len(found), category=category(first))
        lines = [plain("report-advisory-body-many", count=len(found))]
        for report in found:
            text = report.description
            text = text if len(text) <= MANY_LINE else f"{text[: MANY_LINE - 1]}…"
            where = plain(f"province-{report.province}")
            lines.append(f"• {category(report)}, {where}: {text}")
        body = "\n".join(lines)
    sectors = sorted({r.sector for r in found if r.sector in known_sectors})
    data: dict[str, Any] = {
        "title": title[:150],
        "body": body[:2600],
        # Only sectors the compose flow offers; none left means all sectors.
        "sectors": sectors if len(sectors) == len({r.sector for r in found}) else [],
        "provinces": sorted({r.province for r in found}),
        "from_report": first.id,
        "from_reports": [r.id for r in found],
    }
    await flows.start(
        session, coordinator.telegram_user_id, flow=FLOW_ADVISORY, step="title", data=data
    )
    for report in found:
        session.add(
            ReportEvent(
                report_id=report.id, actor_id=coordinator.id, kind="advisory", internal=True
            )
        )
    await session.flush()
    return ComposePrompt("title", data, ["keep"])
