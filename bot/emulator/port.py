"""What an emulated user needs from the emulator: the driver's side of the boundary.

:class:`~bot.emulator.driver.EmulatedUser` acts through this interface only, so the driver
imports neither the server nor the state, and the state (which creates users) can import
the driver without a cycle. :class:`~bot.emulator.state.EmulatorState`, and therefore
:class:`~bot.emulator.server.BotApiEmulator`, provides it.
"""

from __future__ import annotations

from typing import Protocol

from .models import JSON, CallbackAnswer, StoredMessage

__all__ = ["Actor", "EmulatorPort"]


class Actor(Protocol):
    """Whoever posts a message or presses a button: known to the bot by their User JSON."""

    def to_json(self) -> JSON: ...


class EmulatorPort(Protocol):
    """The emulator as its users see it: they post, press, upload, read their chat, wait."""

    def post_message(
        self, user: Actor, chat_id: int, content: JSON, *, reply_to: int | None = None
    ) -> JSON: ...

    def post_callback(
        self, user: Actor, chat_id: int, message_id: int, data: str
    ) -> CallbackAnswer: ...

    def user_file(
        self,
        kind: str,
        content: bytes = b"",
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> JSON: ...

    def chat_messages(self, chat_id: int) -> list[StoredMessage]: ...

    @property
    def seq(self) -> int:
        """The change counter (``StoredMessage.seq`` holds its value at a send or edit)."""
        ...

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109 (wake-up deadline)
        """Return at the next change, or after ``timeout`` seconds."""
        ...
