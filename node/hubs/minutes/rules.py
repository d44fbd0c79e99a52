"""Minutes and reports: Markdown in, an ``Article`` out (ARCHITECTURE.md section 3).

Mastodon turns an Article into ``<h2>name</h2>`` + ``summary`` + a link to ``url`` and
shows nothing of ``content`` (``ActivityPub::Parser::StatusParser#processed_text`` for
its converted types), so ``name``, ``summary`` and ``url`` carry what a Mastodon reader
needs. ``summary`` is HTML by definition (AS2 Vocabulary), so the plain summary is
escaped. ``content`` is for FEP-1b12 receivers and our own pages.

Content is rendered by :func:`node.hubs.hub.articles.article_html`, the one Article
renderer that the hub's edits use too.

Attachments are ``Link`` objects (AS2 Vocabulary: ``href``, ``name``, ``mediaType``),
also listed as links at the end of ``content``; Mastodon skips attachments that have no
``url``, so they cannot turn into broken media there.
"""

from __future__ import annotations

import html
import mimetypes

from node.hubs.hub.publish import HubError
from node.hubs.hub.settings import one_line, web_url
from node.messages import N_, Text

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_ATTACHMENTS = 20


def attachment(name: str, url: str) -> dict[str, str]:
    """An attachment as an AS2 ``Link``; ``mediaType`` when the extension tells it."""
    label = one_line(name, Text(N_("an attachment name")), MAX_TITLE)
    if not label:
        raise HubError(Text(N_("an attachment needs a name (NAME=URL)")))
    what = Text(N_("attachment %(name)s"), name=repr(label))
    link = {"type": "Link", "href": web_url(url, what), "name": label}
    media_type, _ = mimetypes.MimeTypes().guess_type(link["href"])
    if media_type:
        link["mediaType"] = media_type
    return link


def plain_summary(summary: str) -> str:
    """A short plain-text summary, escaped for the HTML ``summary`` field."""
    text = " ".join(summary.split())
    if len(text) > MAX_SUMMARY:
        raise HubError(Text(
            N_("a summary may have at most %(MAX_SUMMARY)s characters"),
            MAX_SUMMARY=MAX_SUMMARY))
    return html.escape(text, quote=False)
