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


DEV = TagLinks("http://localhost:8401")  # a development node: plain http on a port


@pytest.mark.parametrize(("text", "href", "name"), [
    # as typed on a development node and on nodes on another port, local and remote
    ("Thanks @alice@localhost:8401!", "http://localhost:8401/@alice", "@alice@localhost:8401"),
    ("cc @bo@localhost:8402, @cy", "http://localhost:8402/@bo", "@bo@localhost:8402"),
    ("ask @ana@127.0.0.1:8403.", "http://127.0.0.1:8403/@ana", "@ana@127.0.0.1:8403"),
    ("hi @joan@oakland.example:8443 today", "https://oakland.example:8443/@joan",
     "@joan@oakland.example:8443"),
    ("@ana@mastodon.example.", "https://mastodon.example/@ana", "@ana@mastodon.example"),
])
def test_mentions_with_a_port_link_like_the_others(text: str, href: str, name: str) -> None:
    html = post_html(text, links=DEV)
    assert (f'<a href="{href}" class="u-url mention" rel="nofollow noopener noreferrer">'
            f"{name}</a>") in html
    assert as_tags(text, DEV) == [{"type": "Mention", "href": href, "name": name}]


def test_on_an_https_node_a_port_mention_is_https() -> None:
    html = post_html("@nate@philly.example:8443 and @bo@localhost:8402", links=LINKS)
    assert 'href="https://philly.example:8443/@nate"' in html
    assert 'href="https://localhost:8402/@bo"' in html  # no http for an https node


@pytest.mark.parametrize("text", [
    "mail alice@localhost:8401 or ana@example.org:25",
    "`@alice@localhost:8401` and `a@b:c`",
    "```\nssh a@b:c\n@alice@localhost:8401\n```",
    "a@b:c and @a@b:c",
    "@a@b.example:80abc",
    "@a@localhost:port",
])
def test_what_only_looks_like_a_port_mention_stays_text(text: str) -> None:
    html = post_html(text, links=DEV)
    assert 'class="u-url mention' not in html and "<a " not in html


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
