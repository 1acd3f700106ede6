"""Callback queries: answerCallbackQuery.

A press is created by a user (``EmulatorState.post_callback``, which queues the
callback_query update); the bot's answer resolves the press's :class:`CallbackAnswer`, once.
"""

from __future__ import annotations

from .models import JSON, ApiError, Handler, bad_request
from .params import flag
from .state import EmulatorState

__all__ = ["CallbackMethods"]

ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


class CallbackMethods:
    """The bot's answers to inline-button presses."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        return {"answerCallbackQuery": self.answer_callback_query}

    async def answer_callback_query(self, p: JSON) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        answer = self.state.callbacks.get(query_id)
        if answer is None or answer.answered:
            raise ApiError(400, ERR_QUERY_INVALID)
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        result: JSON = {
            "text": text,
            "show_alert": flag(p.get("show_alert", False)),
            "url": p.get("url"),
            "cache_time": p.get("cache_time"),
        }
        answer.resolve(result)
        self.state.callback_answers.append({"callback_query_id": query_id, **result})
        self.state.note_change()
        return True
