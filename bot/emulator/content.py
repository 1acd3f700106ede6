"""What a message may contain, checked as Telegram checks it.

Text and captions are parsed by their parse_mode into plain text and entities within
Telegram's lengths; reply markup (inline keyboards, reply keyboards, remove, force reply) is
validated with Telegram's error texts.
"""

from __future__ import annotations

import re
from typing import Any

from .html import HtmlParseError, parse_html, strip_entities_text
from .models import JSON, ApiError, bad_request

__all__ = ["MAX_CAPTION", "MAX_TEXT", "format_text", "validate_markup"]

MAX_TEXT = 4096
MAX_CAPTION = 1024

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def format_text(
    params: JSON, field: str, *, required: bool, strict_html: bool
) -> tuple[str, str | None, str | None, list[JSON]]:
    """Parse text/caption with parse_mode → (plain, raw, parse_mode, entities).

    ``strict_html`` rejects an "&" that is not a valid entity.
    """
    raw = params.get(field)
    is_text = field == "text"
    if raw is None or raw == "":
        if required:
            raise bad_request("message text is empty")
        return "", None, None, []
    raw = str(raw)
    parse_mode = params.get("parse_mode") or None
    entities_field = "entities" if is_text else "caption_entities"
    if parse_mode is None:
        given = params.get(entities_field) or []
        if not isinstance(given, list):
            raise bad_request(f"can't parse {entities_field} JSON object")
        plain, entities = strip_entities_text(raw, given)
    elif str(parse_mode).lower() == "html":
        try:
            plain, entities = parse_html(raw, strict_entities=strict_html)
        except HtmlParseError as exc:
            raise ApiError(400, str(exc)) from exc
    elif str(parse_mode).lower() in ("markdown", "markdownv2"):
        # Not parsed: stored as sent.
        plain, entities = raw, []
    else:
        raise bad_request("unsupported parse_mode")
    if not plain and required:
        raise bad_request("message text is empty")
    if is_text and len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    if not is_text and len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, raw, parse_mode, entities


def validate_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """The reply_markup if Telegram would accept it (None if there is none)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                if isinstance(button, str):
                    continue
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request('can\'t parse keyboard button: Field "text" must be a String')
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(action in button for action in _INLINE_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
