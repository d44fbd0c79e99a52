"""The node's one Markdown renderer (node.text): what organizers type, as safe HTML."""

from __future__ import annotations

import re

import pytest

from node.html import sanitize_html
from node.text import TagLinks, as_tags, post_html

LINKS = TagLinks("https://philly.example")


def test_tables_headings_and_strikethrough_render() -> None:
    html = post_html("# Decisions\n\n## Next\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~old~~",
                     links=LINKS)
    assert "<h2>Decisions</h2>" in html and "<h3>Next</h3>" in html  # below the page's h1
    assert "<h1" not in html
    assert "<table>" in html and "<th>a</th>" in html and "<td>2</td>" in html
    assert "style=" not in html  # the column alignment would need an inline style
    assert "<s>old</s>" in html


def test_bare_urls_become_links_and_mail_addresses_stay_text() -> None:
    html = post_html("See https://fund.example/strike and www.example.org, or ana@example.org")
    assert '<a href="https://fund.example/strike" rel="nofollow noopener noreferrer">' in html
    assert 'href="http://www.example.org"' in html
    assert "ana@example.org" in html and "mailto:" not in html


def test_hashtags_and_mentions_are_links_as_mastodon_writes_them() -> None:
    html = post_html("Join #Strike with @ana@mastodon.example today", links=LINKS)
    assert ('<a href="https://philly.example/tags/strike" class="mention hashtag" '
            'rel="nofollow noopener noreferrer">#Strike</a>') in html
    assert ('<a href="https://mastodon.example/@ana" class="u-url mention" '
            'rel="nofollow noopener noreferrer">@ana@mastodon.example</a>') in html


@pytest.mark.parametrize("text", ["`#code` and `@a@b.example`", "[see #this](https://x.example)",
                                  "issue#12 and a#b", "#123", "mail ana@mastodon.example"])
def test_what_is_not_a_hashtag_or_mention_stays_as_it_is(text: str) -> None:
    html = post_html(text, links=LINKS)
    assert 'class="mention' not in html


def test_without_a_base_url_hashtags_stay_text_and_mentions_still_link() -> None:
    html = post_html("#strike @ana@mastodon.example")
    assert "/tags/" not in html and "#strike" in html
    assert 'href="https://mastodon.example/@ana"' in html


def test_the_tag_entries_match_the_links() -> None:
    assert as_tags("#Strike, #strike and @ana@mastodon.example", LINKS) == [
        {"type": "Hashtag", "href": "https://philly.example/tags/strike", "name": "#strike"},
        {"type": "Mention", "href": "https://mastodon.example/@ana",
         "name": "@ana@mastodon.example"}]
    assert as_tags("nothing to tag here", LINKS) == []


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    "<javascript:alert(1)>",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "<a href='javascript:alert(1)'>x</a>",
    "| <script>x</script> | b |\n|---|---|\n| <iframe src=//evil> | 2 |",
    "# <style>body{}</style>",
    "#<script>",
    "@x@evil.example\"onmouseover=\"alert(1)",
])
def test_nothing_typed_becomes_script(attack: str) -> None:
    # What is typed may show as text (escaped); no tag, attribute or link may run it.
    html = post_html(attack, links=LINKS)
    for tag in re.findall(r"<([a-z0-9]+)([^>]*)>", html, re.IGNORECASE):
        name, attributes = tag[0].lower(), tag[1].lower()
        assert name not in {"script", "iframe", "style", "img", "object", "svg"}, html
        assert not re.search(r"\son[a-z]+\s*=", attributes), html
        for href in re.findall(r'href="([^"]*)"', attributes):
            assert href.startswith(("https://", "http://")), html


def test_the_allowlist_keeps_headings_and_tables_but_no_h1_or_attributes() -> None:
    kept = sanitize_html('<h1>Page</h1><h2 id="x" style="color:red">T</h2>'
                         '<table onclick="x()"><tr><td style="a">1</td></tr></table>')
    assert "<h1>" not in kept and "<h2>T</h2>" in kept
    assert "<td>1</td>" in kept and "onclick" not in kept and "style" not in kept
