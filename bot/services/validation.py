"""Checks on what people type: trimmed, bounded, no control characters."""

from __future__ import annotations

import re
import unicodedata

from bot.services.errors import ServiceError

NAME_LEN = (2, 100)
ORGANISATION_LEN = (2, 150)
SITE_NAME_LEN = (2, 120)
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")
# Control characters other than tab and line breaks (NUL among them: PostgreSQL refuses it
# in text, SQLite keeps it silently; neither is ever wanted).
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ZWJ = "\u200d"  # joins emoji into one (👨‍👩‍👧): legitimate between two visible characters
# Database ids are 32-bit integers: a larger number names nothing.
ID_MAX = 2**31 - 1


def record_id(text: str) -> int | None:
    """A positive id typed or pressed by someone (``12``, ``#12``); None if it cannot name a
    row (not a number, zero, or beyond the database's integers)."""
    digits = text.strip().removeprefix("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    value = int(digits)
    return value if 0 < value <= ID_MAX else None


def strip_controls(text: str) -> str:
    """Free text that comes with something else (a file's caption or name): the control
    characters go, the rest is kept."""
    return CONTROLS.sub("", text)


def invisible(value: str) -> bool:
    """Characters that show nothing on their own (controls, zero-width spaces, direction
    overrides); a zero-width joiner inside an emoji sequence is not one."""
    for i, ch in enumerate(value):
        category = unicodedata.category(ch)
        if not category.startswith("C"):
            continue
        inside = 0 < i < len(value) - 1
        if ch == ZWJ and inside and not (value[i - 1].isspace() or value[i + 1].isspace()):
            continue
        return True
    return False


def clean_text(value: str, bounds: tuple[int, int], *, needs_letter: bool = True) -> str:
    """Trimmed, whitespace folded, no invisible characters, within bounds; else ServiceError."""
    value = " ".join(value.split())
    low, high = bounds
    if invisible(value):
        raise ServiceError("error-text-invalid")
    if not low <= len(value) <= high:
        raise ServiceError("error-text-length", min=low, max=high)
    if needs_letter and not any(ch.isalpha() for ch in value):
        raise ServiceError("error-text-letters")
    return value


def normalise_phone(phone: str) -> str:
    """E.164-like: a plus and 7 to 15 digits (Telegram sends contacts with or without '+')."""
    digits = re.sub(r"[\s()-]", "", phone)
    if not PHONE_RE.match(digits):
        raise ServiceError("error-phone-invalid")
    return digits if digits.startswith("+") else f"+{digits}"
