"""Inline keyboards, from (label, callback data) pairs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def inline(buttons: Sequence[tuple[str, str]], *, columns: int = 1) -> InlineKeyboardMarkup:
    """Labels come from the catalogs, which escape for HTML; Telegram shows button text as
    plain text, so the escaping is undone here (a site "Gardu <Induk>" keeps its brackets)."""
    rows = [
        [
            InlineKeyboardButton(html.unescape(label), callback_data=data)
            for label, data in buttons[i : i + columns]
        ]
        for i in range(0, len(buttons), columns)
    ]
    return InlineKeyboardMarkup(rows)
