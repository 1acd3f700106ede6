"""Durable, paced delivery of queued messages (the ``deliveries`` table) to Telegram."""

from .limiter import SendLimiter
from .worker import DeliveryWorker, OnSent

__all__ = ["DeliveryWorker", "OnSent", "SendLimiter"]
