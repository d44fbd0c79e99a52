"""A Note or Article addressed to ``@news`` read as a submission (pure).

Mastodon sends a mention of ``@news@host`` as a ``Create{Note}`` whose ``tag`` holds a
``Mention`` with ``href`` the newswire actor, and the actor in ``to`` (a direct mention)
or ``cc`` (a public one) (INTEROP.md "Mentions"). What is read of it:

* the title: ``name`` (an Article's, or a Note's where servers set one), else the first
  line of the text, cut to the form's cap (and then left out of the text, when more
  follows);
* the text: the ``source`` when it is Markdown, else the ``content`` through the node's
  one sanitiser (:func:`node.html.sanitize_html`) turned into Markdown (paragraphs,
  line breaks, links), without the mention of ``@news`` itself;
* the source link: the object's ``url`` (an http(s) one), else its ``id``.

It then passes the web form's checks (:func:`check_submission`): the same caps, and a
``<script`` anywhere in what was sent is refused, not cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from node.activitypub.vocab import ref, refs
from node.html import sanitize_html
from node.newswire.errors import NewsError
from node.newswire.submissions.rules import (
    MAX_BODY,
    MAX_TITLE,
    Submission,
    check_body,
    check_submission,
)

#: Object types taken as news.
KINDS = ("Note", "Article")
#: Content larger than this is refused before it is parsed (the text cap, with markup).
MAX_CONTENT = 4 * MAX_BODY
CONTENT_TOO_LONG = "the text may have at most 10000 characters"
SCRIPT = "script tags are not allowed in news"
_SCRIPT = re.compile(r"<\s*/?\s*script", re.IGNORECASE)
_ESCAPE = re.compile(r"([\\`*_\[\]<>#])")


def mentions(document: Mapping[str, Any]) -> list[str]:
    tags = document.get("tag")
    return [uri for uri in (ref(t.get("href")) for t in (tags if isinstance(tags, list) else [tags])
                            if isinstance(t, Mapping) and t.get("type") == "Mention")
            if uri is not None]


def addresses(document: Mapping[str, Any], news_uri: str) -> bool:
    """Does ``document`` (an object or its Create) address the newswire: in ``to`` or
    ``cc``, or mentioned?"""
    return news_uri in (*refs(document.get("to")), *refs(document.get("cc")),
                        *mentions(document))


def _escape(text: str) -> str:
    """Plain text as Markdown that renders as the same text."""
    return _ESCAPE.sub(r"\\\1", text)


class _Markdown(HTMLParser):
    """Sanitised HTML to Markdown: paragraphs, line breaks and links; other tags keep
    their text. A link to ``skip`` (the mention of @news) is left out."""

    def __init__(self, skip: str) -> None:
        super().__init__(convert_charrefs=True)
        self.skip, self.out, self.link, self.text = skip, [""], "", ""
        self.skipping = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.link = dict(attrs).get("href") or ""
            self.skipping, self.text = self.link == self.skip, ""
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("p", "li", "blockquote", "ul", "ol"):
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or not self.link:
            return
        text, href, self.link = self.text.strip(), self.link, ""
        if self.skipping:
            self.skipping = False
        elif text == href or not text:
            self.out.append(f"<{href}>")
        else:
            self.out.append(f"[{_escape(text)}]({href})")

    def handle_data(self, data: str) -> None:
        if self.link:
            self.text += data
        else:
            self.out.append(_escape(data))


def html_to_markdown(content: str, skip: str = "") -> str:
    parser = _Markdown(skip)
    parser.feed(sanitize_html(content))
    parser.close()
    lines = "".join(parser.out).split("\n")
    text = "\n".join(line.strip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _markdown_source(document: Mapping[str, Any]) -> str | None:
    source = document.get("source")
    if (isinstance(source, Mapping) and isinstance(source.get("content"), str)
            and source.get("mediaType") == "text/markdown"):
        return str(source["content"])
    return None


def _title(name: object, body: str) -> str:
    if isinstance(name, str) and name.strip():
        return name
    first = next((line for line in body.splitlines() if line.strip()), "")
    first = re.sub(r"\\(.)", r"\1", first).strip()
    return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"


def source_url(document: Mapping[str, Any]) -> str:
    """The object's web address: ``url`` (a string or the first Link), else its ``id``."""
    for candidate in (*refs(document.get("url")), ref(document)):
        if isinstance(candidate, str) and candidate.startswith(("https://", "http://")):
            return candidate
    return ""


def submission_from(document: Mapping[str, Any], news_uri: str) -> Submission:
    """The submission ``document`` makes, or :class:`NewsError` (nothing is stored)."""
    content = document.get("content")
    content = content if isinstance(content, str) else ""
    markdown = _markdown_source(document)
    name = document.get("name")
    if len(content) > MAX_CONTENT or len(markdown or "") > MAX_CONTENT:
        raise NewsError(CONTENT_TOO_LONG)
    if any(_SCRIPT.search(text) for text in (content, markdown or "",
                                             name if isinstance(name, str) else "")):
        raise NewsError(SCRIPT)
    body = markdown.strip() if markdown is not None else html_to_markdown(content, news_uri)
    check_body(body)  # the whole text, before its first line may become the title
    title = _title(name, body)
    return check_submission(title=title, body=_without_title(body, name),
                            source_url=source_url(document))


def _without_title(body: str, name: object) -> str:
    """The text less its first line when that line became the title (and more follows),
    so the Article does not say its headline twice."""
    if isinstance(name, str) and name.strip():
        return body
    first, _, rest = body.strip().partition("\n")
    return rest.strip() if rest.strip() and first.strip() else body
