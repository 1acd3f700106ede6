"""An advisory as its recipients read it (Telegram HTML), in their language.

Pure text: the preview the author approves and the message every recipient gets come from
this one function, so they cannot drift apart. Also what follows from the advisory itself: its
TLP label and icon (and which labels may not be forwarded), its visible length against
Telegram's limit, and its priority in the delivery queue.
"""

from __future__ import annotations

import html
import re

from bot.db.models import Advisory
from bot.i18n import Safe, Translator
from bot.reference import PROVINCES_BY_CODE

TELEGRAM_TEXT_LIMIT = 4096
TLP_CODES = {
    "CLEAR": "CLEAR",
    "GREEN": "GREEN",
    "AMBER": "AMBER",
    "AMBER_STRICT": "AMBER+STRICT",
    "RED": "RED",
}
TLP_ICONS = {"CLEAR": "⚪", "GREEN": "🟢", "AMBER": "🟠", "AMBER+STRICT": "🟠", "RED": "🔴"}
PROTECTED_TLP = {"AMBER", "AMBER+STRICT", "RED"}  # sent with protect_content: no forwarding
_TAG = re.compile(r"<[^>]+>")


def tlp_key(tlp: str) -> str:
    return tlp.replace("+", "-").lower()


def render(
    translator: Translator, lang: str, advisory: Advisory, *, timezone_province: str | None = None
) -> Safe:
    t = translator.t
    zone = PROVINCES_BY_CODE.get(timezone_province or "JK", PROVINCES_BY_CODE["JK"]).zone
    parts: list[str] = []
    if advisory.exercise:
        parts.append(t(lang, "adv-exercise-marker"))
    if advisory.emergency:
        parts.append(t(lang, "adv-emergency-marker"))
    parts.append(
        t(
            lang,
            "adv-tlp-line",
            icon=TLP_ICONS[advisory.tlp],
            tlp=advisory.tlp,
            meaning=t(lang, f"tlp-{tlp_key(advisory.tlp)}"),
        )
    )
    parts.append(
        t(
            lang,
            "adv-heading",
            title=advisory.title,
            severity=t(lang, f"severity-{advisory.severity.lower()}"),
            urgency=t(lang, f"urgency-{advisory.urgency.lower()}"),
            certainty=t(lang, f"certainty-{advisory.certainty.lower()}"),
        )
    )
    parts.append(Safe(html.escape(advisory.body, quote=False)))
    if advisory.actions:
        parts.append(t(lang, "adv-actions", actions=advisory.actions))
    parts.append(
        t(
            lang,
            "adv-footer",
            number=str(advisory.root_id or advisory.id or 0),
            version=str(advisory.version),
            expires=advisory.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        )
    )
    if advisory.exercise:
        parts.append(t(lang, "adv-exercise-marker"))
    return Safe("\n\n".join(parts))


def visible_length(text: str) -> int:
    """What Telegram counts against 4096: UTF-16 units of the text after HTML parsing."""
    return len(html.unescape(_TAG.sub("", text)).encode("utf-16-le")) // 2


def priority(advisory: Advisory) -> int:
    """Lower is sent first: Extreme/Immediate ahead of everything, routine traffic last."""
    severity = {"Extreme": 0, "Severe": 10, "Moderate": 20, "Minor": 30}[advisory.severity]
    urgency = {"Immediate": 0, "Expected": 3, "Future": 6}[advisory.urgency]
    return severity + urgency
