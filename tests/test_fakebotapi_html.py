"""The stand-in's HTML parse mode: what Telegram accepts, what it refuses, and how it says so.

The bot sends every text as HTML (``Defaults(parse_mode=HTML)``), so a name
or an answer that reaches a message unescaped is a 400 in production. These
tests pin the stand-in to Telegram's (TDLib's ``parse_html``) behaviour: the
supported tags and entities pass, anything else is refused with Telegram's
wording and error shape. Like Telegram, a lone ``&`` or ``>`` that starts no
entity or tag is kept as a literal character; only the e2e tests' check that
an echoed text comes back verbatim catches those.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakebotapi import FakeBotApi
from tests.fakebotapi.entities import EntityParseError, format_text

TOKEN = "123456:TEST-TOKEN"
PAUL = 1001


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN, bot_username="bilan_test_bot") as server:
        yield server


@pytest.mark.parametrize(
    ("markup", "text", "kinds"),
    [
        ("<b>a</b><strong>b</strong>", "ab", ["bold", "bold"]),
        ("<i>a</i><em>b</em>", "ab", ["italic", "italic"]),
        ("<u>a</u><ins>b</ins>", "ab", ["underline", "underline"]),
        ("<s>a</s><strike>b</strike><del>c</del>", "abc", ["strikethrough"] * 3),
        ('<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>', "ab", ["spoiler"] * 2),
        ('<a href="https://example.org/?a=1&amp;b=2">lien</a>', "lien", ["text_link"]),
        ("<code>a</code><pre>b</pre>", "ab", ["code", "pre"]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", ["pre"]),
        ("<blockquote>a</blockquote>", "a", ["blockquote"]),
        ("<blockquote expandable>a</blockquote>", "a", ["expandable_blockquote"]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", ["custom_emoji"]),
        ("<B>a</B>", "a", ["bold"]),
        ("&lt;b&gt; &amp; &quot;x&quot;", '<b> & "x"', []),
        ("&#60;&#x3C;&#39;", "<<'", []),
        ("a & b > c", "a & b > c", []),  # Telegram keeps a lone & or > as it is
        ("&nbsp;&copy;", "&nbsp;&copy;", []),  # unknown named entities stay literal
    ],
)
def test_supported_html_is_accepted(markup: str, text: str, kinds: list[str]) -> None:
    formatted = format_text(markup, "HTML", None)
    assert formatted.text == text
    assert [entity["type"] for entity in formatted.entities] == kinds


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Nom <b>& Co", "Can't find end tag corresponding to start tag b"),
        ("<b>gras", "Can't find end tag corresponding to start tag b"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é <nom>", 'Unsupported start tag "nom" at byte offset 3'),  # offsets in UTF-8 bytes
    ],
)
def test_bad_html_is_refused_with_telegrams_reason(markup: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        format_text(markup, "HTML", None)
    assert str(caught.value) == reason


def test_plain_text_is_not_parsed() -> None:
    assert format_text("a < b <b>&amp;", None, None).text == "a < b <b>&amp;"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("sendMessage", {"chat_id": PAUL, "text": "Prénom: <Zoé>", "parse_mode": "HTML"}),
        (
            "editMessageText",
            {"chat_id": PAUL, "message_id": 1, "text": "<b>x", "parse_mode": "HTML"},
        ),
    ],
)
def test_the_refusal_has_the_bot_api_error_shape(
    api: FakeBotApi, method: str, params: dict[str, object]
) -> None:
    api.user(PAUL)
    url = f"{api.base_url}{TOKEN}"
    first = httpx.post(f"{url}/sendMessage", json={"chat_id": PAUL, "text": "Bonjour"})
    assert first.status_code == 200 and first.json()["result"]["message_id"] == 1
    answer = httpx.post(f"{url}/{method}", json=params)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"ok", "error_code", "description"}
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert [message.text for message in api.messages(PAUL)] == ["Bonjour"]
