"""Chat methods: getChat and sendChatAction."""

from __future__ import annotations

import time

from .models import JSON, ChatAction, Handler, bad_request
from .state import EmulatorState

__all__ = ["ChatMethods"]

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class ChatMethods:
    """What the bot asks about a chat, and the "typing…" it shows there."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        return {"getChat": self.get_chat, "sendChatAction": self.send_chat_action}

    async def get_chat(self, p: JSON) -> JSON:
        chat = self.state.lookup_chat(p.get("chat_id"))
        return chat.to_json() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def send_chat_action(self, p: JSON) -> bool:
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        action = p.get("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.state.chat_actions.append(ChatAction(chat.id, action, time.time()))
        self.state.note_change()
        return True
