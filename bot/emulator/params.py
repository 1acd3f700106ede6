"""Bot API parameters as Telegram reads them.

A call's parameters arrive in the query string, a JSON body, a form or a multipart form
(files). PTB sends everything as strings, with structured fields JSON-encoded inside the
form, so each field is decoded by its name: JSON, integer, float, free text or boolean.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .models import JSON, UploadedFile, bad_request

__all__ = ["flag", "read_params"]


def _names(text: str) -> frozenset[str]:
    """A set of whitespace-separated names (keeps the long lists below compact)."""
    return frozenset(text.split())


# Fields PTB sends as JSON strings inside the form.
_JSON_FIELDS = _names(
    "reply_markup allowed_updates commands scope reply_parameters link_preview_options "
    "entities caption_entities message_ids media results menu_button rights permissions"
)
_INT_FIELDS = _names(
    "from_chat_id message_id reply_to_message_id offset limit user_id message_thread_id "
    "cache_time max_connections until_date"
)
_FLOAT_FIELDS = frozenset({"timeout", "latitude", "longitude"})
# Free-text fields: never turn "true"/"false" in them into booleans.
_TEXT_FIELDS = _names(
    "text caption description short_description name title url parse_mode action "
    "callback_query_id language_code secret_token ip_address phone_number first_name "
    "last_name file_id inline_message_id"
)


def flag(value: Any) -> bool:
    """Telegram's boolean coercion: "true"/"1"/true are true."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


async def read_params(request: web.Request) -> JSON:
    """The decoded parameters of a call; ApiError 400 if a JSON body or field is malformed."""
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad_request("can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            raw.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    raw[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
                else:
                    raw[key] = value
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            if key == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from exc
            raise bad_request(f"can't parse {key} JSON object") from exc
    if key in ("chat_id", *_INT_FIELDS) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if key in _FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            return value
    if key not in _TEXT_FIELDS and value in ("true", "false"):
        return value == "true"
    return value
