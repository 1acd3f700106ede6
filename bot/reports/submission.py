"""Submitting a drafted report: the hourly limit, counted in the database; the report and its
attachments stored; and for each coordinator responsible, the card with its triage buttons,
then each attachment and the location.

Attachments are kept as Telegram file ids (nothing is downloaded) and passed on through the
durable delivery queue, so a report and everything announcing it commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Member,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportStatus,
    Site,
    utcnow,
)
from bot.i18n import Safe, Translator
from bot.reference import PROVINCES_BY_CODE
from bot.reports.limits import Limits
from bot.reports.routing import DELIVERY_CARD, DELIVERY_MEDIA, queue, responsible
from bot.reports.text import card, escape
from bot.reports.triage import triage_markup
from bot.services import audit, flows
from bot.services.audit import Actor
from bot.services.errors import NotFound, ServiceError

if TYPE_CHECKING:
    from bot.reports.draft import ReportPrompt


@dataclass(slots=True)
class Submitted:
    report: Report
    coordinators: list[Member]


async def submitted_last_hour(session: AsyncSession, member: Member) -> int:
    since = utcnow() - timedelta(hours=1)
    count = await session.scalar(
        select(func.count())
        .select_from(Report)
        .where(Report.reporter_id == member.id, Report.submitted_at >= since)
    )
    return int(count or 0)


async def submit(
    session: AsyncSession,
    *,
    member: Member,
    data: dict[str, Any],
    limits: Limits,
    translator: Translator,
    again: Any,
) -> ReportPrompt | Submitted:
    # Counted in the database, so every instance and a restart agree. Over the limit the
    # draft stays as it is, to be submitted later.
    if await submitted_last_hour(session, member) >= limits.max_per_hour:
        return again("error-report-rate", max=limits.max_per_hour)
    site = None
    if data.get("site_id"):
        site = await session.get(Site, data["site_id"])
        if site is None or site.member_id != member.id or not site.active:
            raise NotFound("error-site-not-found")
    if data.get("province") not in PROVINCES_BY_CODE or not data.get("category"):
        raise ServiceError("button-stale")
    report = Report(
        reporter_id=member.id,
        status=ReportStatus.NEW,
        immediate=bool(data.get("immediate")),
        category=data["category"],
        description=data["description"],
        site_id=site.id if site else None,
        place=data.get("place"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        sector=data["sector"],
        province=data["province"],
        observed=data.get("observed", "now"),
        observed_text=data.get("observed_text"),
        people=data.get("people", ""),
        submitted_at=utcnow(),
        attachments=[
            ReportAttachment(position=i, **a) for i, a in enumerate(data["attachments"], 1)
        ],
    )
    session.add(report)
    await session.flush()
    session.add(ReportEvent(report_id=report.id, actor_id=member.id, kind="submitted"))
    await audit.record(
        session,
        action="report_submit",
        actor=Actor(member.id),
        details={"report_id": report.id, "immediate": report.immediate},
    )
    coordinators = await responsible(session, report)
    for coordinator in coordinators:
        await _route(session, translator, report, member, site, coordinator)
    assert member.telegram_user_id is not None
    await flows.clear(session, member.telegram_user_id)
    return Submitted(report, coordinators)


async def _route(
    session: AsyncSession,
    translator: Translator,
    report: Report,
    reporter: Member,
    site: Site | None,
    coordinator: Member,
) -> None:
    """The card with its buttons, then each attachment and the location: queued in this
    transaction, in this order (same priority: the queue keeps the order of ids)."""
    lang = coordinator.language
    await queue(
        session,
        report,
        coordinator,
        DELIVERY_CARD,
        text=card(
            translator,
            lang,
            report,
            reporter=reporter,
            site=site,
            attachments=len(report.attachments),
        ),
        reply_markup=triage_markup(translator, lang, report.id),
    )
    total = len(report.attachments)
    for attachment in report.attachments:
        caption = translator.t(
            lang,
            "report-attachment-caption",
            number=str(report.id),
            index=attachment.position,
            total=total,
        )
        if attachment.caption:
            caption = Safe(f"{caption}\n{escape(attachment.caption)}")
        await queue(
            session,
            report,
            coordinator,
            DELIVERY_MEDIA,
            text=caption,
            media_kind=attachment.kind,
            media_ref=attachment.file_id,
        )
    if report.latitude is not None and report.longitude is not None:
        await queue(
            session,
            report,
            coordinator,
            DELIVERY_MEDIA,
            text="",
            media_kind="location",
            media_ref=f"{report.latitude},{report.longitude}",
        )
