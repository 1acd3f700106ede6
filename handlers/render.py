"""Texts built from several catalog entries: a member's card, a status line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.db.models import Member, MemberStatus, Site
from bot.i18n import Safe, Translator


def display_name(member: Member | None) -> str:
    """Who a person is on a card (see ``Member.display_name``)."""
    return member.display_name if member is not None else "?"


def site_line(translator: Translator, lang: str, site: Site | Mapping[str, Any]) -> str:
    def get(key: str) -> str:
        return str(site[key] if isinstance(site, Mapping) else getattr(site, key))

    return translator.t(
        lang,
        "site-line",
        name=get("name"),
        sector=translator.sector(lang, get("sector")),
        province=translator.province(lang, get("province")),
    )


def member_card(
    translator: Translator,
    lang: str,
    member: Member,
    *,
    sites: Iterable[Site | Mapping[str, Any]] | None = None,
) -> Safe:
    sites = list(member.active_sites if sites is None else sites)
    lines: list[str] = [
        translator.t(
            lang,
            "member-card",
            name=display_name(member),
            organisation=member.organisation or "-",
            type=translator.t(lang, f"member-type-{member.member_type or 'none'}"),
            phone=member.phone or "-",
            username=f"@{member.username}" if member.username else "-",
        )
    ]
    lines.extend(site_line(translator, lang, s) for s in sites)
    return Safe("\n".join(lines))  # each line is catalog output, escaped already


def status_text(req: Any, member: Member) -> str:
    if member.status == MemberStatus.ACTIVE:
        return req.t("status-active", role=req.t(f"role-{member.role}"))
    return req.t(f"status-{member.status}")
