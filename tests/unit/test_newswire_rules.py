"""Pure rules of the newswire: the form's caps and honeypot, links, clauses and citations,
the Article Mastodon reads (name, summary, url)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.newswire.conduct.rules import check_document, cite, clauses
from node.newswire.errors import NewsError
from node.newswire.moderation.article import news_article, plain_summary
from node.newswire.submissions.rules import (
    MAX_BODY,
    MAX_LINKS,
    MAX_TITLE,
    body_html,
    check_submission,
    split_links,
)

CONDUCT = """# Code of Conduct

Intro text that is no clause.

1. Be truthful.
2) No harassment.
## 3. No advertising
   2.1 Not even for a good cause
"""


def test_a_good_submission_is_cleaned_up() -> None:
    s = check_submission(title="  Port   shut down ", body="\n**Text**\n",
                         links=["https://a.example/x", "https://a.example/x"],
                         source_url=" https://src.example ", submitter_name=" Rosa  P ",
                         contact_email=" rosa@example.net ")
    assert s.title == "Port shut down" and s.body == "**Text**"
    assert s.links == ("https://a.example/x",)  # duplicates once
    assert s.source_url == "https://src.example" and s.submitter_name == "Rosa P"
    assert s.contact_email == "rosa@example.net"


@pytest.mark.parametrize(("fields", "message"), [
    ({"honeypot": "x"}, "must stay empty"),
    ({"title": "x" * (MAX_TITLE + 1)}, "at most 200"),
    ({"body": "x" * (MAX_BODY + 1)}, "at most 10000"),
    ({"body": " "}, "needs some text"),
    ({"body": "a </script > b"}, "script tags"),
    ({"links": [f"https://e.example/{n}" for n in range(MAX_LINKS + 1)]}, "at most 10 links"),
    ({"links": ["https://e.example/a b"]}, "each link"),
    ({"source_url": "javascript:alert(1)"}, "the source"),
    ({"submitter_name": "n" * 101}, "at most 100"),
    ({"contact_email": "a@b"}, "e-mail"),
])
def test_refusals(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"title": "T", "body": "B", **fields}
    with pytest.raises(NewsError, match=message):
        check_submission(**values)  # type: ignore[arg-type]


def test_exactly_at_the_caps_is_accepted() -> None:
    s = check_submission(title="t" * MAX_TITLE, body="b" * MAX_BODY,
                         links=[f"https://e.example/{n}" for n in range(MAX_LINKS)])
    assert len(s.links) == MAX_LINKS


def test_line_ends_are_normalised() -> None:
    assert check_submission(title="T", body="a\r\nb\rc\n").body == "a\nb\nc"


def test_links_box_is_one_address_a_line() -> None:
    assert split_links("https://a.example\n\n  https://b.example  \n") == [
        "https://a.example", "https://b.example"]


def test_body_html_has_no_raw_html() -> None:
    html = body_html("<b onclick=x>hi</b> [a](javascript:alert(1))")
    assert "<b" not in html and "href" not in html and "&lt;b onclick=x&gt;" in html


def test_clauses_are_numbered_lines_and_headings() -> None:
    found = {c.number: c.text for c in clauses(CONDUCT)}
    assert found == {"1": "Be truthful.", "2": "No harassment.", "3": "No advertising",
                     "2.1": "Not even for a good cause"}


def test_a_citation_names_the_version_and_the_clause() -> None:
    assert cite(CONDUCT, 4, "§2.") == "Code of Conduct v4, 2. No harassment."
    assert cite(CONDUCT, 4, "2.1") == "Code of Conduct v4, 2.1. Not even for a good cause"
    with pytest.raises(NewsError, match="no such clause"):
        cite(CONDUCT, 4, "7")
    with pytest.raises(NewsError, match="must cite a clause"):
        cite(CONDUCT, 4, " ")
    with pytest.raises(NewsError, match="no Code of Conduct yet"):
        cite(None, 0, "1")


def test_documents_are_checked() -> None:
    assert check_document("conduct", " x ") == "x"
    with pytest.raises(NewsError, match="conduct or accountability"):
        check_document("rules", "x")
    with pytest.raises(NewsError, match="needs some text"):
        check_document("accountability", "  ")


def test_the_article_shows_on_mastodon_as_name_summary_and_url() -> None:
    article = news_article(object_id="https://n.example/objects/1",
                           actor_uri="https://n.example/news", title="Strike",
                           markdown="The **port** is closed. " * 30,
                           links=["https://l.example"], source_url="https://s.example/a",
                           submitter_name="<Rosa>", edited=True,
                           now=datetime(2026, 12, 4, tzinfo=UTC))
    assert article["type"] == "Article" and article["name"] == "Strike"
    assert article["attributedTo"] == "https://n.example/news"
    assert article["url"] == article["id"]
    assert article["summary"].startswith("The port is closed.")
    assert len(article["summary"]) <= 280 and article["summary"].endswith("…")
    assert article["attachment"] == [{"type": "Link", "href": "https://s.example/a",
                                      "name": "Source", "mediaType": "text/html"}]
    assert "Submitted by &lt;Rosa&gt;" in article["content"]
    assert "Edited by the newswire" in article["content"]
    assert article["cc"] == ["https://n.example/news/followers"]


def test_plain_summary_escapes() -> None:
    assert plain_summary("<p>a &lt; b</p>") == "a &lt; b"


def test_the_default_code_of_conduct_has_numbered_clauses_to_cite() -> None:
    from node.newswire.conduct.default import CLAUSES, default_markdown

    found = clauses(default_markdown())
    assert [c.number for c in found] == ["1", "2", "3", "4", "5", "6"]
    assert [c.text for c in found] == list(CLAUSES)
    assert cite(default_markdown(), 0, "2") == (
        "Code of Conduct (default), 2. No hatred. Nothing that demeans people for their "
        "origin, religion, gender, sexuality, disability or age.")
    assert default_markdown(str.upper).startswith("THIS NEWSWIRE PUBLISHES")  # translated
