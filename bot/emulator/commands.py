"""The bot's settings that users see: commands (per scope and language), descriptions, names.

set/get/deleteMyCommands, set/getMyDescription, set/getMyShortDescription, set/getMyName.
Stored in the state (``commands``, ``descriptions``, ``short_descriptions``, ``names``) where
tests read them.
"""

from __future__ import annotations

import re
from typing import Any

from .models import JSON, Handler, bad_request
from .state import EmulatorState

__all__ = ["CommandMethods"]

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class CommandMethods:
    """The command menu and the texts of the bot's profile."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        return {
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
            "setMyName": self.set_my_name,
            "getMyName": self.get_my_name,
        }

    # ------------------------------------------------------------------ commands

    async def set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many bot commands specified")
        cleaned: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = (self._scope_key(p.get("scope")), _language(p))
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        self.state.note_change()
        return True

    async def get_my_commands(self, p: JSON) -> list[JSON]:
        key = (self._scope_key(p.get("scope")), _language(p))
        return [dict(c) for c in self.state.commands.get(key, [])]

    async def delete_my_commands(self, p: JSON) -> bool:
        key = (self._scope_key(p.get("scope")), _language(p))
        self.state.commands.pop(key, None)
        self.state.note_change()
        return True

    def _scope_key(self, scope: Any) -> str:
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return kind
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{self.state.lookup_chat(scope.get('chat_id')).id}"
        if kind == "chat_member":
            chat = self.state.lookup_chat(scope.get("chat_id"))
            return f"chat_member:{chat.id}:{int(scope.get('user_id') or 0)}"
        raise bad_request("wrong bot command scope type specified")

    # ------------------------------------------------------------------ descriptions, names

    async def set_my_description(self, p: JSON) -> bool:
        return self._set_text(self.state.descriptions, p, "description", 512)

    async def get_my_description(self, p: JSON) -> JSON:
        return {"description": _get_text(self.state.descriptions, p)}

    async def set_my_short_description(self, p: JSON) -> bool:
        return self._set_text(self.state.short_descriptions, p, "short_description", 120)

    async def get_my_short_description(self, p: JSON) -> JSON:
        return {"short_description": _get_text(self.state.short_descriptions, p)}

    async def set_my_name(self, p: JSON) -> bool:
        return self._set_text(self.state.names, p, "name", 64)

    async def get_my_name(self, p: JSON) -> JSON:
        return {"name": _get_text(self.state.names, p) or self.state.bot_first_name}

    def _set_text(self, store: dict[str, str], p: JSON, field: str, limit: int) -> bool:
        value = str(p.get(field) or "")
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        language = _language(p)
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        self.state.note_change()
        return True


def _get_text(store: dict[str, str], p: JSON) -> str:
    language = _language(p)
    # Like Telegram, fall back to the default-language value.
    return store.get(language, store.get("", ""))


def _language(p: JSON) -> str:
    language = str(p.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return language
