"""Message methods: sendMessage and the other send* methods, copyMessage, edit*, delete*.

A send checks its chat, content and reply target first, asks the flood limits last (a
rejected call does not count), then stores the message and answers it as Telegram's Message.
"""

from __future__ import annotations

import time
from typing import Any

from .content import format_text, validate_markup
from .faults import FloodLimits
from .models import JSON, ApiError, ChatState, Handler, StoredMessage, bad_request
from .params import flag
from .state import EmulatorState

__all__ = ["SEND_METHODS", "MessageMethods"]

# Methods that create messages: these count toward flood limits.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendLocation",
        "sendMediaGroup",
        "copyMessage",
    }
)

ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class MessageMethods:
    """Sending, copying, editing and deleting the bot's messages."""

    def __init__(self, state: EmulatorState, flood: FloodLimits) -> None:
        self.state = state
        self.flood = flood

    def handlers(self) -> dict[str, Handler]:
        return {
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendVideo": self.send_video,
            "sendLocation": self.send_location,
            "sendMediaGroup": self.send_media_group,
            "copyMessage": self.copy_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
        }

    # ------------------------------------------------------------------ sending

    async def send_message(self, p: JSON) -> JSON:
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        plain, raw, parse_mode, entities = self._format(p, "text", required=True)
        markup = validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        self.flood.check(chat)
        msg = self._new_message(chat, p, plain, raw, parse_mode, entities, markup, reply_to)
        return self.state.message_json(msg)

    async def _send_media(self, p: JSON, kind: str) -> JSON:
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        plain, raw, parse_mode, entities = self._format(p, "caption", required=False)
        markup = validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        if p.get(kind) in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        self.flood.check(chat)
        meta = self.state.files.add_upload(p.get(kind), kind)
        meta.pop("file_path", None)  # only getFile reveals the path
        msg = self._new_message(
            chat,
            p,
            plain,
            raw,
            parse_mode,
            entities,
            markup,
            reply_to,
            kind=kind,
            media=_media_json(kind, meta),
        )
        return self.state.message_json(msg)

    async def send_photo(self, p: JSON) -> JSON:
        return await self._send_media(p, "photo")

    async def send_document(self, p: JSON) -> JSON:
        return await self._send_media(p, "document")

    async def send_video(self, p: JSON) -> JSON:
        return await self._send_media(p, "video")

    async def send_location(self, p: JSON) -> JSON:
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        latitude, longitude = p.get("latitude"), p.get("longitude")
        if not isinstance(latitude, float | int) or not -90 <= latitude <= 90:
            raise bad_request("wrong latitude specified")
        if not isinstance(longitude, float | int) or not -180 <= longitude <= 180:
            raise bad_request("wrong longitude specified")
        markup = validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        self.flood.check(chat)
        media = {"latitude": float(latitude), "longitude": float(longitude)}
        msg = self._new_message(
            chat, p, "", None, None, [], markup, reply_to, kind="location", media=media
        )
        return self.state.message_json(msg)

    async def send_media_group(self, p: JSON) -> list[JSON]:
        """An album of 2 to 10 photos/videos (or documents); each item may have a caption."""
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        items = p.get("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise bad_request("wrong number of media in the album")
        reply_to = self._reply_target(chat, p)
        self.flood.check(chat)
        group_id = str(10_000_000 + self.state.files.count)
        sent = []
        for item in items:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request("unsupported media type in the album")
            ref = item.get("media")
            if isinstance(ref, str) and ref.startswith("attach://"):
                ref = p.get(ref[len("attach://") :])
            fields = {k: v for k, v in item.items() if k in ("caption", "parse_mode")}
            plain, raw, parse_mode, entities = self._format(fields, "caption", required=False)
            meta = self.state.files.add_upload(ref, kind)
            meta.pop("file_path", None)
            msg = self._new_message(
                chat,
                p,
                plain,
                raw,
                parse_mode,
                entities,
                None,
                reply_to,
                kind=kind,
                media=_media_json(kind, meta),
            )
            msg.media_group_id = group_id
            sent.append(self.state.message_json(msg))
        return sent

    async def copy_message(self, p: JSON) -> JSON:
        chat = self.state.lookup_chat(p.get("chat_id"))
        source_chat = self.state.lookup_chat(p.get("from_chat_id"))
        self.state.check_reachable(chat)
        message_id = p.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        source = source_chat.bot_messages.get(int(message_id))
        user_source = source_chat.user_messages.get(int(message_id))
        if (source is None or source.deleted) and user_source is None:
            raise bad_request("message to copy not found")
        markup = validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        if source is not None and not source.deleted:
            text, html, parse_mode, entities = (
                source.text,
                source.html,
                source.parse_mode,
                source.entities,
            )
            kind, media = source.kind, source.media
        else:
            assert user_source is not None
            caption: str = user_source.get("caption", "")
            text = user_source.get("text", caption)
            html, parse_mode, entities = text, None, list(user_source.get("entities", []))
            kind, media = "text", None
            for media_kind in ("photo", "video", "document", "location"):
                if media_kind in user_source:
                    kind, media = media_kind, user_source[media_kind]
        if "caption" in p and kind != "text":
            text, html, parse_mode, entities = self._format(p, "caption", required=False)
        self.flood.check(chat)
        msg = self._new_message(
            chat, p, text, html, parse_mode, entities, markup, reply_to, kind=kind, media=media
        )
        return {"message_id": msg.message_id}

    def _format(
        self, params: JSON, field: str, *, required: bool
    ) -> tuple[str, str | None, str | None, list[JSON]]:
        return format_text(params, field, required=required, strict_html=self.state.strict_html)

    def _reply_target(self, chat: ChatState, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = flag(reply.get("allow_sending_without_reply", False))
            if reply.get("chat_id") not in (None, chat.id):
                chat = self.state.lookup_chat(reply["chat_id"])
        else:
            message_id = params.get("reply_to_message_id")
            allow = flag(params.get("allow_sending_without_reply", False))
        if message_id is None:
            return None
        if self.state.any_message_json(chat, int(message_id)) is not None:
            return int(message_id)
        if allow:
            return None
        raise bad_request("message to be replied not found")

    def _new_message(
        self,
        chat: ChatState,
        p: JSON,
        text: str,
        raw: str | None,
        parse_mode: str | None,
        entities: list[JSON],
        markup: JSON | None,
        reply_to: int | None,
        *,
        kind: str = "text",
        media: Any = None,
    ) -> StoredMessage:
        """Create and store a bot message with the common send options from ``p``."""
        msg = StoredMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.id,
            text=text,
            html=raw,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            protect_content=flag(p.get("protect_content", False)),
            disable_notification=flag(p.get("disable_notification", False)),
            reply_to_message_id=reply_to,
            link_preview_options=p.get("link_preview_options") if kind == "text" else None,
            kind=kind,
            media=media,
        )
        return self.state.store_message(chat, msg)

    # ------------------------------------------------------------------ editing

    async def edit_message_text(self, p: JSON) -> JSON:
        msg = self._edit_target(p)
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        plain, raw, parse_mode, entities = self._format(p, "text", required=True)
        markup = validate_markup(p.get("reply_markup"), inline_only=True)
        if "link_preview_options" in p:
            msg.link_preview_options = p["link_preview_options"]
        return self._apply_edit(
            msg, text=plain, raw=raw, parse_mode=parse_mode, entities=entities, markup=markup
        )

    async def edit_message_caption(self, p: JSON) -> JSON:
        msg = self._edit_target(p)
        if msg.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        plain, raw, parse_mode, entities = self._format(p, "caption", required=False)
        markup = validate_markup(p.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            msg, text=plain, raw=raw, parse_mode=parse_mode, entities=entities, markup=markup
        )

    async def edit_message_reply_markup(self, p: JSON) -> JSON:
        msg = self._edit_target(p)
        markup = validate_markup(p.get("reply_markup"), inline_only=True)
        return self._apply_edit(
            msg,
            text=msg.text,
            raw=msg.html,
            parse_mode=msg.parse_mode,
            entities=msg.entities,
            markup=markup,
        )

    def _edit_target(self, p: JSON) -> StoredMessage:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.state.lookup_chat(p.get("chat_id"))
        self.state.check_reachable(chat)
        message_id = p.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = chat.bot_messages.get(int(message_id))
        if stored is None or stored.deleted:
            if int(message_id) in chat.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return stored

    def _apply_edit(
        self,
        msg: StoredMessage,
        *,
        text: str,
        raw: str | None,
        parse_mode: str | None,
        entities: list[JSON],
        markup: JSON | None,
    ) -> JSON:
        if text == msg.text and entities == msg.entities and markup == msg.inline_markup:
            raise ApiError(400, ERR_NOT_MODIFIED)
        if text != msg.text:
            msg.history.append(msg.text)
        msg.text, msg.html, msg.parse_mode, msg.entities = text, raw, parse_mode, entities
        # Omitting reply_markup in an edit removes the inline keyboard; a reply keyboard
        # sent with the original message is not part of the message and stays recorded.
        if markup is not None or msg.inline_markup is not None:
            msg.reply_markup = markup
        msg.edit_count += 1
        msg.edited = True
        msg.edit_date = int(time.time())
        msg.seq = self.state.note_change()
        return self.state.message_json(msg)

    # ------------------------------------------------------------------ deleting

    async def delete_message(self, p: JSON) -> bool:
        chat = self.state.lookup_chat(p.get("chat_id"))
        message_id = p.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if not self.state.delete_message(chat, int(message_id)):
            raise bad_request("message to delete not found")
        return True

    async def delete_messages(self, p: JSON) -> bool:
        chat = self.state.lookup_chat(p.get("chat_id"))
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 identifiers")
        for message_id in ids:
            # Missing ones are skipped, as Telegram does.
            self.state.delete_message(chat, int(message_id))
        return True


def _media_json(kind: str, meta: JSON) -> Any:
    """The Message field for a sent file: photo sizes, or the video/document object."""
    if kind == "photo":
        return [meta | {"width": 320, "height": 320}]
    if kind == "video":
        return meta | {"width": 640, "height": 360, "duration": 1}
    return meta
