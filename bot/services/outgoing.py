"""Rows for the durable delivery queue, written in the transaction that decides a message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db.models import DeliveryStatus


def delivery_row(
    kind: str,
    *,
    chat_id: int,
    text: str,
    priority: int,
    now: datetime,
    member_id: int | None = None,
    protect_content: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """One queued message, for ``insert(Delivery)`` with many rows at once (executemany
    needs every row to carry the same keys, so the defaults are spelled out here)."""
    return {
        "kind": kind,
        "member_id": member_id,
        "chat_id": chat_id,
        "priority": priority,
        "status": DeliveryStatus.QUEUED,
        "text": text,
        "protect_content": protect_content,
        "paid_broadcast": False,
        "not_before": now,
        "created_at": now,
        "attempts": 0,
        **extra,
    }
