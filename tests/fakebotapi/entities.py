"""Formatted text the way the Bot API reads it: parse modes, entities, limits.

Telegram turns ``parse_mode`` markup into plain text plus a list of entities
(offsets and lengths in UTF-16 code units), trims surrounding white space,
detects bot commands, mentions and links by itself, and only then checks that
the text is 1–4096 characters. A bot that sends ``"a < b"`` in HTML, or an
unescaped ``"."`` in MarkdownV2, gets a 400 in production; the stand-in must
refuse it the same way or the bug ships. The parsers below follow the rules
of TDLib's ``parse_html`` / ``parse_markdown_v2`` (error texts included) for
the subset of markup a bot uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_SPACES = " \t\r\n\v\0"

_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}

# TDLib sorts entities by offset, then longer first, then by a type priority.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


class EntityParseError(ValueError):
    """Markup that Telegram refuses with ``can't parse entities: <reason>``."""


class UnsupportedParseMode(ValueError):
    """A ``parse_mode`` other than HTML, MarkdownV2 or Markdown."""


@dataclass(frozen=True)
class FormattedText:
    """Plain text and its entities, as they appear in a Message."""

    text: str
    entities: list[JsonDict]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Bot API offset."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JsonDict:
    entity: JsonDict = {"type": kind, "offset": offset, "length": length}
    entity.update(extra)
    return entity


def sort_entities(entities: list[JsonDict]) -> list[JsonDict]:
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(str(e["type"]), 50)),
    )


def _checked_link(url: str) -> str | None:
    """Roughly LinkManager::get_checked_link: no scheme means http, bad ones vanish."""
    url = url.strip()
    if not url:
        return None
    lowered = url.lower()
    if lowered.startswith(("http://", "https://", "tg://", "ton://", "ftp://", "mailto:")):
        return url
    if "://" in url:
        return None
    return "http://" + url


# --- HTML -------------------------------------------------------------------------------


def _decode_html_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&lt;``/``&#39;``-style references; unknown ones stay literal."""
    end = pos + 1
    if src[end] == "#":
        end += 1
        value = 0
        if src[end] == "x":
            end += 1
            while src[end] in "0123456789abcdefABCDEF" and src[end] != "\0":
                value = value * 16 + int(src[end], 16)
                end += 1
        else:
            while src[end].isdigit() and src[end].isascii():
                value = value * 10 + int(src[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while src[end].isascii() and src[end].isalpha():
            end += 1
        name = src[pos + 1 : end]
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            return None
        char = named[name]
    if src[end] == ";":
        end += 1
    return char, end


def parse_html(source: str) -> FormattedText:
    """Parse Bot API HTML; raise EntityParseError with Telegram's own reason."""
    src = source + "\0"
    out: list[str] = []
    u16 = 0
    entities: list[JsonDict] = []
    # stack items: tag name, argument, utf-16 offset, index in `out`, expandable
    stack: list[tuple[str, str, int, int, bool]] = []
    i = 0
    size = len(source)

    def fail(reason: str) -> EntityParseError:
        return EntityParseError(reason)

    while i < size:
        char = src[i]
        if char == "&":
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                out.append(decoded[0])
                u16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.append(char)
            u16 += utf16_len(char)
            i += 1
            continue

        begin = i
        i += 1
        if src[i] != "/":
            while src[i] not in _SPACES and src[i] != ">":
                i += 1
            if src[i] == "\0":
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            tag = src[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise fail(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                )
            argument = ""
            expandable = False
            while src[i] != ">":
                while src[i] != "\0" and src[i] in _SPACES:
                    i += 1
                if src[i] == ">":
                    break
                attr_begin = i
                while src[i] not in _SPACES and src[i] not in "=>":
                    i += 1
                attr_name = src[attr_begin:i]
                if not attr_name:
                    raise fail(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(source, begin)}"
                    )
                while src[i] != "\0" and src[i] in _SPACES:
                    i += 1
                if src[i] != "=":
                    if tag == "blockquote" and attr_name.lower() == "expandable":
                        expandable = True
                        continue
                    raise fail(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {_byte_offset(source, begin)}'
                    )
                i += 1
                while src[i] != "\0" and src[i] in _SPACES:
                    i += 1
                if src[i] == "\0":
                    raise fail(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                    )
                if src[i] not in "'\"":
                    token_begin = i
                    while src[i].isascii() and (src[i].isalnum() or src[i] in ".-"):
                        i += 1
                    value = src[token_begin:i].lower()
                    if src[i] not in _SPACES and src[i] != ">":
                        raise fail(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(source, token_begin)}"
                        )
                else:
                    quote = src[i]
                    i += 1
                    chars: list[str] = []
                    while src[i] != quote and src[i] != "\0":
                        if src[i] == "&":
                            decoded = _decode_html_entity(src, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(src[i])
                        i += 1
                    if src[i] == quote:
                        i += 1
                    value = "".join(chars)
                if src[i] == "\0":
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise fail(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(source, begin)}"
                )
            stack.append((tag, argument, u16, len(out), expandable))
            i += 1  # past ">"
            continue

        # an end tag
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
        while src[i] not in _SPACES and src[i] != ">":
            i += 1
        end_tag = src[begin + 2 : i].lower()
        while src[i] != "\0" and src[i] in _SPACES:
            i += 1
        if src[i] != ">":
            raise fail(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
        i += 1
        tag, argument, start, out_index, expandable = stack.pop()
        if end_tag and end_tag != tag:
            raise fail(
                f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                f'expected "</{tag}>", found "</{end_tag}>"'
            )
        length = u16 - start
        if length <= 0:
            continue
        if tag in _HTML_TAG_TYPES:
            kind = _HTML_TAG_TYPES[tag]
            if kind == "blockquote" and expandable:
                kind = "expandable_blockquote"
            entities.append(_entity(kind, start, length))
        elif tag == "tg-emoji":
            if not argument.isdigit() or int(argument) == 0:
                raise fail("Invalid custom emoji identifier specified")
            entities.append(_entity("custom_emoji", start, length, custom_emoji_id=argument))
        elif tag == "a":
            url = argument or "".join(out[out_index:])
            checked = _checked_link(url)
            if checked is not None:
                entities.append(_entity("text_link", start, length, url=checked))
        elif tag == "pre":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == start
                and last["length"] == length
                and last.get("language")
            ):
                last["type"] = "pre"
            else:
                entities.append(_entity("pre", start, length))
        elif tag == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == start
                and last["length"] == length
                and argument
            ):
                last["language"] = argument
            elif argument:
                entities.append(_entity("code", start, length, language=argument))
            else:
                entities.append(_entity("code", start, length))
    if stack:
        raise fail(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return FormattedText("".join(out), sort_entities(entities))


# --- MarkdownV2 -------------------------------------------------------------------------

_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def parse_markdown_v2(source: str) -> FormattedText:
    """Parse MarkdownV2, including its "every reserved character escaped" rule."""
    text = source + "\0\0\0"
    size = len(source)
    out: list[str] = []
    u16 = 0
    entities: list[JsonDict] = []
    # stack items: type, argument, utf-16 offset, byte offset, index in `out`
    stack: list[tuple[str, str, int, int, int]] = []
    have_blockquote = False

    def reserved(char: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def unterminated(kind: str, byte_offset: int) -> EntityParseError:
        name = _MDV2_NAMES.get(kind, kind)
        return EntityParseError(f"Can't find end of {name} entity at byte offset {byte_offset}")

    i = 0
    while i < size:
        char = text[i]
        if char == "\\" and "\0" < text[i + 1] <= "~":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        reserved_chars = "_*[]()~`>#+-=|{}.!\n"
        if stack and stack[-1][0] in ("code", "pre"):
            reserved_chars = "`"
        if char not in reserved_chars:
            out.append(char)
            u16 += utf16_len(char)
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1][0]
            if have_blockquote and char == "\n" and (i + 1 == size or text[i + 1] != ">"):
                is_end = True
            elif top == "bold":
                is_end = char == "*"
            elif top == "italic":
                is_end = char == "_" and text[i + 1] != "_"
            elif top == "code":
                is_end = char == "`"
            elif top == "pre":
                is_end = char == "`" and text[i + 1] == "`" and text[i + 2] == "`"
            elif top in ("text_link", "custom_emoji"):
                is_end = char == "]"
            elif top == "underline":
                is_end = char == "_" and text[i + 1] == "_"
            elif top == "strikethrough":
                is_end = char == "~"
            elif top == "spoiler":
                is_end = char == "|" and text[i + 1] == "|"

        if not is_end:
            byte_offset = _byte_offset(source, i)
            argument = ""
            kind: str | None
            if char == "_":
                if text[i + 1] == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif char == "*":
                kind = "bold"
            elif char == "~":
                kind = "strikethrough"
            elif char == "|":
                if text[i + 1] != "|":
                    raise reserved(char)
                kind = "spoiler"
                i += 1
            elif char == "[":
                kind = "text_link"
            elif char == "`":
                if text[i + 1] == "`" and text[i + 2] == "`":
                    i += 3
                    kind = "pre"
                    language_end = i
                    while text[language_end] not in _SPACES and text[language_end] != "`":
                        language_end += 1
                    if i != language_end and language_end < size and text[language_end] != "`":
                        argument = text[i:language_end]
                        i = language_end
                    if text[i] in "\r\n" and text[i] != "\0":
                        if text[i + 1] in "\r\n" and text[i + 1] != "\0" and text[i] != text[i + 1]:
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif char == "!":
                if text[i + 1] != "[":
                    raise reserved(char)
                kind = "custom_emoji"
                i += 1
            elif char == "\n":
                out.append("\n")
                u16 += 1
                kind = None
                if i + 1 < size and text[i + 1] == ">":
                    i += 1
                    if not have_blockquote:
                        kind = "blockquote"
                        have_blockquote = True
            elif char == ">" and i == 0:
                kind = "blockquote"
                have_blockquote = True
            else:
                raise reserved(char)
            i += 1
            if kind is not None:
                stack.append((kind, argument, u16, byte_offset, len(out)))
            continue

        kind, argument, start, byte_offset, out_index = stack[-1]
        if char == "\n" and kind != "blockquote":
            raise unterminated(kind, byte_offset)
        skip = u16 == start
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
        elif kind == "text_link":
            if text[i + 1] != "(":
                url = "".join(out[out_index:])
            else:
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < size and text[i] != ")":
                    if text[i] == "\\" and "\0" < text[i + 1] <= "~":
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if text[i] != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, url_begin)}"
                    )
                url = "".join(url_chars)
            checked = _checked_link(url)
            if checked is None:
                skip = True
            else:
                argument = checked
        elif kind == "custom_emoji":
            if text[i + 1] != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_chars = []
            while i < size and text[i] != ")":
                url_chars.append(text[i])
                i += 1
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", "".join(url_chars))
            if match is None:
                raise EntityParseError("Custom emoji URL must have an emoji identifier")
            argument = match.group(1)
        elif kind == "blockquote":
            have_blockquote = False
            out.append(char)
            u16 += 1
        if not skip:
            length = u16 - start
            if kind == "text_link":
                entities.append(_entity("text_link", start, length, url=argument))
            elif kind == "custom_emoji":
                entities.append(_entity("custom_emoji", start, length, custom_emoji_id=argument))
            elif kind == "pre" and argument:
                entities.append(_entity("pre", start, length, language=argument))
            else:
                entities.append(_entity(kind, start, length))
        stack.pop()
        i += 1

    if have_blockquote and stack and stack[-1][0] == "blockquote":
        _, _, start, _, _ = stack.pop()
        if u16 != start:
            entities.append(_entity("blockquote", start, u16 - start))
    if stack:
        raise unterminated(stack[-1][0], stack[-1][3])
    return FormattedText("".join(out), sort_entities(entities))


# --- legacy Markdown --------------------------------------------------------------------


def parse_markdown(source: str) -> FormattedText:
    """Parse the legacy ``Markdown`` mode (no nesting, four markers)."""
    text = source + "\0\0\0"
    size = len(source)
    out: list[str] = []
    u16 = 0
    entities: list[JsonDict] = []
    i = 0
    while i < size:
        char = text[i]
        if char == "\\" and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            u16 += utf16_len(char)
            i += 1
            continue
        begin = i
        end_char = "]" if char == "[" else char
        is_pre = False
        language = ""
        i += 1
        if char == "`" and text[i] == "`" and text[i + 1] == "`":
            i += 2
            is_pre = True
            language_end = i
            while text[language_end] not in _SPACES and text[language_end] != "`":
                language_end += 1
            if i != language_end and language_end < size and text[language_end] != "`":
                language = text[i:language_end]
                i = language_end
            if text[i] in "\r\n" and text[i] != "\0":
                i += 2 if text[i + 1] in "\r\n" and text[i + 1] not in ("\0", text[i]) else 1
        start = u16
        while i < size and (
            text[i] != end_char or (is_pre and not (text[i + 1] == "`" and text[i + 2] == "`"))
        ):
            out.append(text[i])
            u16 += utf16_len(text[i])
            i += 1
        if i >= size:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        if u16 != start:
            length = u16 - start
            if char == "_":
                entities.append(_entity("italic", start, length))
            elif char == "*":
                entities.append(_entity("bold", start, length))
            elif char == "[":
                if text[i + 1] != "(":
                    url = text[begin + 1 : i]
                else:
                    i += 2
                    url_chars: list[str] = []
                    while i < size and text[i] != ")":
                        url_chars.append(text[i])
                        i += 1
                    url = "".join(url_chars)
                checked = _checked_link(url)
                if checked is not None:
                    entities.append(_entity("text_link", start, length, url=checked))
            elif is_pre:
                extra = {"language": language} if language else {}
                entities.append(_entity("pre", start, length, **extra))
            else:
                entities.append(_entity("code", start, length))
        if is_pre:
            i += 2
        i += 1
    return FormattedText("".join(out), sort_entities(entities))


# --- what Telegram finds by itself ------------------------------------------------------

_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_URL = re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)


def _utf16_offset(text: str, index: int) -> int:
    return utf16_len(text[:index])


def detect_entities(text: str) -> list[JsonDict]:
    """Bot commands, @mentions and http(s) links, as Telegram marks them itself."""
    found: list[JsonDict] = []
    for kind, pattern in (("bot_command", _BOT_COMMAND), ("mention", _MENTION), ("url", _URL)):
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "url":
                value = value.rstrip(".,;:!?)'")
            found.append(_entity(kind, _utf16_offset(text, match.start()), utf16_len(value)))
    return sort_entities(found)


def merge_detected(explicit: list[JsonDict], detected: list[JsonDict]) -> list[JsonDict]:
    """Keep detected entities only where they do not overlap the sender's own."""
    kept = [
        entity
        for entity in detected
        if not any(
            entity["offset"] < other["offset"] + other["length"]
            and other["offset"] < entity["offset"] + entity["length"]
            for other in explicit
        )
    ]
    return sort_entities([*explicit, *kept])


def _trim(formatted: FormattedText) -> FormattedText:
    """Drop leading/trailing white space and clip the entities to what is left."""
    text = formatted.text
    stripped_left = text.lstrip(_SPACES)
    removed = utf16_len(text) - utf16_len(stripped_left)
    stripped = stripped_left.rstrip(_SPACES)
    limit = utf16_len(stripped)
    entities: list[JsonDict] = []
    for entity in formatted.entities:
        begin = max(entity["offset"] - removed, 0)
        end = min(entity["offset"] + entity["length"] - removed, limit)
        if end > begin:
            entities.append({**entity, "offset": begin, "length": end - begin})
    return FormattedText(stripped, entities)


def format_text(
    raw: str,
    parse_mode: str | None,
    explicit_entities: list[JsonDict] | None,
) -> FormattedText:
    """Apply a parse mode (or explicit entities), trim, and add detected entities.

    Raises EntityParseError for markup Telegram would refuse (the caller adds
    the ``Bad Request: can't parse entities:`` prefix) and UnsupportedParseMode.
    """
    mode = (parse_mode or "").strip().lower()
    if explicit_entities:
        formatted = FormattedText(raw, sort_entities([dict(e) for e in explicit_entities]))
    elif mode == "html":
        formatted = parse_html(raw)
    elif mode == "markdownv2":
        formatted = parse_markdown_v2(raw)
    elif mode == "markdown":
        formatted = parse_markdown(raw)
    elif mode == "":
        formatted = FormattedText(raw, [])
    else:
        raise UnsupportedParseMode(parse_mode)
    trimmed = _trim(formatted)
    return FormattedText(
        trimmed.text, merge_detected(trimmed.entities, detect_entities(trimmed.text))
    )
