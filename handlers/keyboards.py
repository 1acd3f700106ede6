"""Inline keyboards, from (label, callback data) pairs."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def inline(buttons: Sequence[tuple[str, str]], *, columns: int = 1) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(label, callback_data=data)
            for label, data in buttons[i : i + columns]
        ]
        for i in range(0, len(buttons), columns)
    ]
    return InlineKeyboardMarkup(rows)
