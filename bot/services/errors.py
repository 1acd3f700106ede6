"""Domain errors carry a catalog key, so every edge turns them into the user's language."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule said no. ``key`` names the catalog message; ``args`` fill its placeholders."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_for_message = args


class NotAllowed(ServiceError):
    def __init__(self, key: str = "error-not-allowed", **args: Any) -> None:
        super().__init__(key, **args)


class NotFound(ServiceError):
    def __init__(self, key: str = "error-member-not-found", **args: Any) -> None:
        super().__init__(key, **args)
