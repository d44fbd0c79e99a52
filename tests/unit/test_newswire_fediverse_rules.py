"""A Note addressed to @news read as a submission, and the reply's shape (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from node.newswire.errors import NewsError
from node.newswire.fediverse.reply import outcome_text, reply_note
from node.newswire.fediverse.rules import addresses, html_to_markdown, submission_from

NEWS = "https://philly.example/news"
MENTION = (f'<span class="h-card"><a href="{NEWS}" class="u-url mention">'
           "@<span>news</span></a></span>")


def note(**fields: Any) -> dict[str, Any]:
    return {"id": "https://mastodon.example/users/ana/statuses/1", "type": "Note",
            "url": "https://mastodon.example/@ana/1",
            "attributedTo": "https://mastodon.example/users/ana",
            "content": f"<p>{MENTION} Port of Oakland shut down</p>"
                       "<p>Thousands marched to the *port*.<br>See "
                       '<a href="https://example.org/report">the report</a></p>',
            "to": [NEWS], "cc": [], **fields}


def test_a_note_addresses_news_by_to_cc_or_mention() -> None:
    assert addresses({"to": [NEWS]}, NEWS) and addresses({"cc": NEWS}, NEWS)
    assert addresses({"tag": [{"type": "Mention", "href": NEWS}]}, NEWS)
    assert not addresses({"to": ["https://philly.example/hubs/x"],
                          "tag": [{"type": "Hashtag", "href": NEWS}]}, NEWS)


def test_title_from_the_first_line_and_text_as_markdown() -> None:
    got = submission_from(note(), NEWS)
    assert got.title == "Port of Oakland shut down"
    assert got.body == ("Thousands marched to the \\*port\\*.\n"
                        "See [the report](https://example.org/report)")
    assert got.source_url == "https://mastodon.example/@ana/1"
    assert got.submitter_name == "" and got.contact_email == ""


def test_name_and_markdown_source_win() -> None:
    got = submission_from(note(name="Port shut down", id="https://m.example/1", url=None,
                               source={"content": "Thousands **marched**.",
                                       "mediaType": "text/markdown"}), NEWS)
    assert (got.title, got.body, got.source_url) == (
        "Port shut down", "Thousands **marched**.", "https://m.example/1")


def test_a_long_first_line_is_cut_for_the_title_and_a_lone_line_stays_the_text() -> None:
    got = submission_from(note(content="<p>" + "word " * 100 + "</p>"), NEWS)
    assert len(got.title) == 200 and got.title.endswith("…")
    assert got.body == ("word " * 100).strip()


def test_links_keep_their_address_and_a_bare_one_is_an_autolink() -> None:
    html = ('<p><a href="https://x.example/@bo" class="u-url mention">@<span>bo</span></a> '
            '<a href="https://example.org/r"><span class="invisible">https://</span>'
            "example.org/r</a></p>")
    assert html_to_markdown(html, NEWS) == "[@bo](https://x.example/@bo) <https://example.org/r>"


@pytest.mark.parametrize("fields", [
    {"content": "<p>x</p><script>alert(1)</script>"},
    {"name": "<script>x</script>"},
    {"content": "<p>" + "x" * 10_001 + "</p>"},
    {"content": "<p>" + "x" * 50_000 + "</p>"},
    {"content": f"<p>{MENTION}</p>"},
])
def test_refused_notes(fields: dict[str, Any]) -> None:
    with pytest.raises(NewsError):
        submission_from(note(**fields), NEWS)


def test_the_reply_is_direct_with_a_mention() -> None:
    ana = "https://mastodon.example/users/ana"
    text = outcome_text(title="A & B", article_uri=None,
                        citation="Code of Conduct v1, 3. No advertising.")
    assert text.endswith("under Code of Conduct v1, 3. No advertising.") and "A &amp; B" in text
    doc = reply_note(object_id="https://philly.example/objects/r", news_uri=NEWS,
                     submitter=ana, handle="@ana@mastodon.example",
                     in_reply_to=f"{ana}/statuses/1", text_html=text,
                     now=datetime(2026, 12, 4, tzinfo=UTC))
    assert doc["to"] == [ana] and doc["cc"] == []
    assert doc["tag"] == [{"type": "Mention", "href": ana, "name": "@ana@mastodon.example"}]
    assert doc["inReplyTo"] == f"{ana}/statuses/1" and doc["attributedTo"] == NEWS
    assert f'href="{ana}"' in doc["content"]
    approved = outcome_text(title="T", article_uri="https://philly.example/objects/a",
                            citation="")
    assert 'href="https://philly.example/objects/a"' in approved
