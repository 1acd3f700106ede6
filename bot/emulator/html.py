"""Telegram-HTML parsing, modelled on TDLib's ``parse_html``.

Telegram turns ``parse_mode=HTML`` text into plain text plus a list of ``MessageEntity``
dicts, rejecting anything it does not understand with "can't parse entities". The emulator
needs the same behaviour so that a bot that forgets to escape user input fails in tests the
way it would fail in production.

One deliberate difference: Telegram keeps an ``&`` that does not start a known entity as a
literal character; with ``strict_entities=True`` (the default) we reject it instead, because
an unescaped ``&`` almost always means an unescaped ``<`` is possible too.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HtmlParseError", "parse_html", "strip_entities_text", "utf16_len"]

PREFIX = "Bad Request: can't parse entities: "

# Start tags Telegram accepts; everything else is "Unsupported start tag".
_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# Telegram trims these from both ends of a message text.
_TRIM_CHARS = " \t\r\n\u00a0\u2028\u2029\u200b\ufeff"


class HtmlParseError(ValueError):
    """Invalid Telegram-HTML; ``str()`` is the full Bot API description."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(PREFIX + reason)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class _Open:
    """A start tag waiting for its end tag."""

    __slots__ = ("argument", "byte_offset", "char_start", "name", "utf16_start")

    def __init__(
        self, name: str, argument: str, utf16_start: int, char_start: int, byte_offset: int
    ) -> None:
        self.name = name
        self.argument = argument
        self.utf16_start = utf16_start
        self.char_start = char_start
        self.byte_offset = byte_offset


class _Parser:
    def __init__(self, text: str, strict_entities: bool) -> None:
        self.text = text
        self.n = len(text)
        self.strict = strict_entities
        self.out: list[str] = []
        self.pos16 = 0  # UTF-16 length of self.out
        self.nchars = 0  # code-point length of self.out
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------------------

    def byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8", "surrogatepass"))

    def char(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def emit(self, s: str) -> None:
        self.out.append(s)
        self.pos16 += utf16_len(s)
        self.nchars += len(s)

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        """Decode the entity at ``text[i] == '&'``; return (char, next index) or None.

        Like TDLib, the closing ``;`` is optional.
        """
        text, j = self.text, i + 1
        if self.char(j) == "#":
            j += 1
            hexa = self.char(j) in ("x", "X")
            if hexa:
                j += 1
            digits_start = j
            allowed = "0123456789abcdefABCDEF" if hexa else "0123456789"
            while j < self.n and text[j] in allowed:
                j += 1
            if j == digits_start:
                return None
            code = int(text[digits_start:j], 16 if hexa else 10)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
            value = chr(code)
        else:
            while j < self.n and text[j].isascii() and text[j].isalpha():
                j += 1
            name = text[i + 1 : j]
            if name not in _NAMED_ENTITIES:
                return None
            value = _NAMED_ENTITIES[name]
        if self.char(j) == ";":
            j += 1
        return value, j

    def bad_ampersand(self, i: int) -> HtmlParseError:
        j = i + 1
        while j < self.n and j - i < 12 and (self.text[j].isalnum() or self.text[j] == "#"):
            j += 1
        if self.char(j) == ";":
            return HtmlParseError(
                f'Unsupported HTML entity "{self.text[i : j + 1]}" '
                f"at byte offset {self.byte_offset(i)}"
            )
        return HtmlParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {self.byte_offset(i)}'
        )

    # -- main loop -------------------------------------------------------------------------

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        while i < self.n:
            ch = self.text[i]
            if ch == "&":
                decoded = self.decode_entity(i)
                if decoded is None:
                    if self.strict:
                        raise self.bad_ampersand(i)
                    self.emit("&")
                    i += 1
                else:
                    self.emit(decoded[0])
                    i = decoded[1]
            elif ch == "<":
                i = self.end_tag(i) if self.char(i + 1) == "/" else self.start_tag(i)
            else:
                # Copy a run of ordinary characters at once.
                j = i
                while j < self.n and self.text[j] not in "<&":
                    j += 1
                self.emit(self.text[i:j])
                i = j
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return "".join(self.out), self.entities

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.text[i].isspace():
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        text, off = self.text, self.byte_offset(begin)
        i = begin + 1
        while i < self.n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {off}")
        name = text[begin + 1 : i].lower()
        if name not in _SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {off}')

        argument = ""
        while True:
            i = self.skip_spaces(i)
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {off}")
            if text[i] == ">":
                break
            attr_start = i
            while i < self.n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr = text[attr_start:i].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {off}'
                )
            i = self.skip_spaces(i)
            if self.char(i) != "=":
                # Valueless attributes: only blockquote's "expandable" means anything.
                if name == "blockquote" and attr == "expandable":
                    argument = "1"
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {off}'
                )
            i = self.skip_spaces(i + 1)
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {off}")
            value, i = self.attribute_value(i, off)
            if name == "a" and attr == "href":
                argument = value
            elif name == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif name == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif name == "tg-emoji" and attr == "emoji-id":
                argument = value
            elif name == "blockquote" and attr == "expandable":
                argument = "1"
            # Unknown attributes are ignored, as Telegram does.
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {off}')
        self.stack.append(_Open(name, argument, self.pos16, self.nchars, off))
        return i + 1  # past '>'

    def attribute_value(self, i: int, tag_offset: int) -> tuple[str, int]:
        text = self.text
        quote = text[i]
        if quote not in "'\"":
            # Unquoted value: a name token.
            start = i
            while i < self.n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            if i >= self.n or (not text[i].isspace() and text[i] != ">"):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self.byte_offset(start)}"
                )
            return text[start:i].lower(), i
        i += 1
        parts: list[str] = []
        while i < self.n and text[i] != quote:
            if text[i] == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    parts.append(decoded[0])
                    i = decoded[1]
                    continue
            parts.append(text[i])
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {tag_offset}")
        return "".join(parts), i + 1

    def end_tag(self, begin: int) -> int:
        text, off = self.text, self.byte_offset(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {off}")
        i = begin + 2
        while i < self.n and not text[i].isspace() and text[i] != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if self.char(i) != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {off}")
        top = self.stack[-1]
        if end_name and end_name != top.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {off}, expected "</{top.name}>", '
                f'found "</{end_name}>"'
            )
        self.stack.pop()
        self.close(top)
        return i + 1

    def close(self, tag: _Open) -> None:
        offset, length = tag.utf16_start, self.pos16 - tag.utf16_start
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"offset": offset, "length": length}
        name = tag.name
        if name in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[name]
        elif name == "a":
            entity["type"] = "text_link"
            # <a> without href links to its own text, as in TDLib.
            entity["url"] = tag.argument or "".join(self.out)[tag.char_start :]
        elif name == "tg-emoji":
            if not tag.argument.isdigit():
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.argument
        elif name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif name == "code":
            # <code class="language-x"> only means something directly inside <pre>.
            entity["type"] = "code"
            if self.stack and self.stack[-1].name == "pre" and tag.argument:
                entity["language"] = tag.argument
        else:  # pre
            # <pre><code class="language-x">…</code></pre> becomes one pre entity with a
            # language; any code entity inside a pre is dropped (pre cannot nest entities).
            language = None
            kept = []
            for e in self.entities:
                inside = e["offset"] >= offset and e["offset"] + e["length"] <= offset + length
                if inside and e["type"] == "code":
                    if e["offset"] == offset and e["length"] == length:
                        language = e.get("language")
                    continue
                kept.append(e)
            self.entities = kept
            entity["type"] = "pre"
            if language:
                entity["language"] = language
        self.entities.append(entity)


def _sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Telegram lists entities by offset, outer (longer) first, with "type" leading.
    ordered = sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    return [
        {"type": e["type"], "offset": e["offset"], "length": e["length"]}
        | {k: v for k, v in e.items() if k not in ("type", "offset", "length")}
        for e in ordered
    ]


def strip_entities_text(
    text: str, entities: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace like Telegram and shift/clip entities to match."""
    stripped_left = text.lstrip(_TRIM_CHARS)
    lead16 = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip(_TRIM_CHARS)
    total16 = utf16_len(result)
    fixed: list[dict[str, Any]] = []
    for e in entities:
        start = max(e["offset"] - lead16, 0)
        end = min(e["offset"] + e["length"] - lead16, total16)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return result, fixed


def parse_html(
    text: str, *, strict_entities: bool = True, strip: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-HTML into ``(plain_text, entities)``.

    Offsets/lengths are in UTF-16 code units. With ``strip`` the result is trimmed the way
    Telegram trims message texts. Raises :class:`HtmlParseError` on invalid markup.
    """
    plain, entities = _Parser(text, strict_entities).run()
    if strip:
        plain, entities = strip_entities_text(plain, entities)
    return plain, _sort_entities(entities)
