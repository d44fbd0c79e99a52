"""What a submission must be (pure): caps, the honeypot, links, e-mail, no script.

The same checks serve the public form and ``ionode news submit``; a refused
submission stores nothing. The body is Markdown rendered without raw HTML and then
sanitised with the node's one allowlist (:mod:`node.text`, :mod:`node.html`), yet a
``<script`` anywhere is refused outright: nobody sending news needs one, and a clear
refusal beats silently published escaped code (issue 10, "bad input ... script tags").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from node.html import sanitize_html
from node.newswire.errors import NewsError
from node.text import markdown_renderer

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_LINKS = 10
MAX_URL = 1024
MAX_NAME = 100
MAX_EMAIL = 254

TITLE_NEEDED = "news needs a title"
TITLE_TOO_LONG = "the title may have at most 200 characters"
BODY_NEEDED = "news needs some text"
BODY_TOO_LONG = "the text may have at most 10000 characters"
TOO_MANY_LINKS = "at most 10 links"
BAD_LINK = "each link must be a web address starting with https:// or http://"
BAD_SOURCE = "the source must be a web address starting with https:// or http://"
NAME_TOO_LONG = "the name may have at most 100 characters"
BAD_EMAIL = "the contact e-mail address is not valid"
SCRIPT = "script tags are not allowed in news"
HONEYPOT = "this form was filled in by a program: the last field must stay empty"

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_SCRIPT = re.compile(r"<\s*/?\s*script", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    """A checked submission, ready to store."""

    title: str
    body: str
    links: tuple[str, ...]
    source_url: str
    submitter_name: str
    contact_email: str


def web_address(value: str, refusal: str) -> str:
    """``value`` when it is an absolute http(s) URL without spaces, else refuse."""
    text = value.strip()
    parts = urlsplit(text)
    if (parts.scheme not in ("http", "https") or not parts.netloc or len(text) > MAX_URL
            or any(c.isspace() for c in text)):
        raise NewsError(refusal)
    return text


def split_links(text: str) -> list[str]:
    """The form's links box: one address a line (blank lines ignored)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise NewsError(TITLE_NEEDED)
    if len(text) > MAX_TITLE:
        raise NewsError(TITLE_TOO_LONG)
    return text


def check_body(body: str) -> str:
    """The text with its line ends as ``\\n``: browsers send a textarea's as CRLF, so a
    moderator who changed nothing must not make an "edit" of news sent from the CLI."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise NewsError(BODY_NEEDED)
    if len(text) > MAX_BODY:
        raise NewsError(BODY_TOO_LONG)
    return text


def check_submission(*, title: str, body: str, links: Sequence[str] = (),
                     source_url: str = "", submitter_name: str = "",
                     contact_email: str = "", honeypot: str = "") -> Submission:
    """The submission, or :class:`NewsError` naming the first thing wrong."""
    if honeypot.strip():
        raise NewsError(HONEYPOT)
    if any(_SCRIPT.search(value) for value in (title, body, source_url, submitter_name,
                                                *links)):
        raise NewsError(SCRIPT)
    clean_title, clean_body = check_title(title), check_body(body)
    if len(links) > MAX_LINKS:
        raise NewsError(TOO_MANY_LINKS)
    clean_links = tuple(dict.fromkeys(web_address(link, BAD_LINK) for link in links))
    source = web_address(source_url, BAD_SOURCE) if source_url.strip() else ""
    name = " ".join(submitter_name.split())
    if len(name) > MAX_NAME:
        raise NewsError(NAME_TOO_LONG)
    email = contact_email.strip()
    if email and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        raise NewsError(BAD_EMAIL)
    return Submission(clean_title, clean_body, clean_links, source, name, email)


def body_html(markdown: str) -> str:
    """The body as sanitised HTML (CommonMark, raw HTML off, one allowlist)."""
    return sanitize_html(markdown_renderer().render(markdown.strip())).strip()
