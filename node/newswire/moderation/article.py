"""The ``Article`` an approved news item becomes (pure).

Mastodon shows an Article as its ``name``, ``summary`` and a link to ``url`` only
(INTEROP.md "Objects"), so the summary is the start of the text in plain words and
``url`` is the item's page here (Mastodon may drop a ``url`` on another host). The
source link is kept as a ``Link`` attachment named "Source" and in the content. The
Article is ``attributedTo`` the newswire; the submitter's name, when given, is kept as
text ("Submitted by ..."), since it names nobody we can verify. An edit by the
moderators says so in the content.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, isoformat
from node.newswire.submissions.rules import body_html

SUMMARY_CHARS = 280
EDITED_NOTE = "Edited by the newswire's moderators."


def plain_summary(content_html: str) -> str:
    """The start of the text, plain, escaped for the HTML ``summary`` field."""
    import nh3

    text = " ".join(html.unescape(nh3.clean(content_html, tags=set())).split())
    if len(text) > SUMMARY_CHARS:
        text = text[: SUMMARY_CHARS - 1].rstrip() + "…"
    return html.escape(text, quote=False)


def _link_list(links: Sequence[str]) -> str:
    items = "".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in links)
    return f"<p>Links:</p><ul>{items}</ul>" if items else ""


def news_article(*, object_id: str, actor_uri: str, title: str, markdown: str,
                 links: Sequence[str], source_url: str, submitter_name: str,
                 edited: bool, now: datetime, submitter_uri: str = "") -> dict[str, Any]:
    """The Article document, before its proof. ``submitter_uri`` (a hub that sent its
    item) links the submitter's name."""
    body = body_html(markdown)
    content = body + _link_list(links)
    if source_url:
        href = html.escape(source_url)
        content += f'<p>Source: <a href="{href}">{href}</a></p>'
    if submitter_name and submitter_uri:
        content += (f'<p>Submitted by <a href="{html.escape(submitter_uri)}">'
                    f"{html.escape(submitter_name)}</a></p>")
    elif submitter_name:
        content += f"<p>Submitted by {html.escape(submitter_name)}</p>"
    if edited:
        content += f"<p><em>{EDITED_NOTE}</em></p>"
    article: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT), "id": object_id, "type": "Article",
        "attributedTo": actor_uri, "name": title, "summary": plain_summary(body),
        "content": content, "source": {"content": markdown, "mediaType": "text/markdown"},
        "url": object_id, "published": isoformat(now),
        "to": [PUBLIC], "cc": [f"{actor_uri}/followers"],
    }
    if source_url:
        article["attachment"] = [{"type": "Link", "href": source_url, "name": "Source",
                                  "mediaType": "text/html"}]
    return article
