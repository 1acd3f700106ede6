"""Checks on what people type: trimmed, bounded, no control characters."""

from __future__ import annotations

import re
import unicodedata

from bot.services.errors import ServiceError

NAME_LEN = (2, 100)
ORGANISATION_LEN = (2, 150)
SITE_NAME_LEN = (2, 120)
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")


def clean_text(value: str, bounds: tuple[int, int], *, needs_letter: bool = True) -> str:
    """Trimmed, whitespace folded, no control characters, within bounds; else ServiceError."""
    value = " ".join(value.split())
    low, high = bounds
    if any(unicodedata.category(ch).startswith("C") for ch in value):
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
