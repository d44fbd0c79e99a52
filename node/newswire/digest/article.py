"""The digest's entries and the ``Article`` by ``@news`` that carries it (pure).

A digest entry is a plain dict kept in the digest row (title, url, summary, source,
origin, approved), so the digest reads the same later whatever happens to the news,
and any source can add entries: the node's own approved news now, and a network item a
moderator picked (issue 10 item 5) by adding a source to
:data:`node.newswire.digest.build.SOURCES` that returns entries with its ``origin``.

Mastodon shows an Article as its ``name``, ``summary`` and a link to ``url``
(INTEROP.md "Objects"); the ``content`` lists each entry's title as a link to it, without
the summaries, so a week of 500 items stays a document of a few dozen kilobytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, isoformat


class Entry(TypedDict):
    title: str
    url: str
    summary: str  # plain text
    source_url: str
    origin: str  # "" for this node's own news; the origin node's host for a picked item
    approved: str  # ISO 8601


def digest_title(start: datetime, end: datetime) -> str:
    """The digest's name, in the node's language of record (English, like the news)."""
    return f"News of the week: {start:%Y-%m-%d} to {end:%Y-%m-%d}"


def digest_article(*, object_id: str, actor_uri: str, page_url: str, title: str,
                   entries: Sequence[Entry], now: datetime) -> dict[str, Any]:
    """The Article document, before its proof."""
    items = "".join(
        f'<li><a href="{html.escape(e["url"])}">{html.escape(e["title"])}</a>'
        + (f" ({html.escape(e['origin'])})" if e["origin"] else "") + "</li>"
        for e in entries)
    count = len(entries)
    summary = f"{count} news item{'s' if count != 1 else ''} of the week, approved by the " \
              "newswire's moderators."
    content = (f"<p>{html.escape(summary)}</p><ul>{items}</ul>"
               f'<p><a href="{html.escape(page_url)}">{html.escape(page_url)}</a></p>')
    return {
        "@context": list(ACTIVITY_CONTEXT), "id": object_id, "type": "Article",
        "attributedTo": actor_uri, "name": title, "summary": html.escape(summary),
        "content": content, "url": page_url, "published": isoformat(now),
        "to": [PUBLIC], "cc": [f"{actor_uri}/followers"],
    }
