"""What a reporter may send: the configured limits (reports an hour, attachments, their size,
the length of the description) and every typed text cleaned within its bounds."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.errors import ServiceError


@dataclass(frozen=True, slots=True)
class Limits:
    max_per_hour: int = 10
    max_attachments: int = 5
    max_bytes: int = 20 * 1024 * 1024
    max_text: int = 2000


def clean(value: str, bounds: tuple[int, int]) -> str:
    """Trimmed, line breaks kept, no control characters, within bounds."""
    value = value.strip()
    low, high = bounds
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ServiceError("error-text-invalid")
    if not low <= len(value) <= high:
        raise ServiceError("error-text-length", min=low, max=high)
    return value
