"""Durable, paced delivery of queued messages (the ``deliveries`` table) to Telegram."""

from .kinds import Kind
from .limiter import SendLimiter
from .outbox import Outgoing, Waker, enqueue, mark_changed
from .priority import Priority
from .worker import DeliveryWorker, OnSent

__all__ = [
    "DeliveryWorker",
    "Kind",
    "OnSent",
    "Outgoing",
    "Priority",
    "SendLimiter",
    "Waker",
    "enqueue",
    "mark_changed",
]
