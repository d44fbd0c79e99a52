"""Publishing minutes (or a report) into hubs: the Article built by :mod:`.rules`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, isoformat
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub.articles import article_html
from node.hubs.hub.publish import HubError, ItemResult, load_hub, organizer, publish_item
from node.hubs.hub.settings import one_line
from node.hubs.minutes.rules import (
    MAX_ATTACHMENTS,
    MAX_TITLE,
    attachment,
    plain_summary,
)
from node.messages import N_, Text
from node.runtime import Node
from node.text import TagLinks, as_tags


def post_minutes(node: Node, conn: Connection, author_name: str, hub_names: Sequence[str], *,
                 title: str, markdown: str, summary: str = "",
                 attachments: Sequence[tuple[str, str]] = (),
                 remote: Sequence[RemoteHub] = ()) -> ItemResult:
    """Publish minutes (or a report) by ``author_name`` into the named hubs."""
    author = organizer(conn, author_name)
    name = one_line(title, Text(N_("a title")), MAX_TITLE)
    if not name:
        raise HubError(Text(N_("minutes need a title (--title)")))
    if len(attachments) > MAX_ATTACHMENTS:
        raise HubError(Text(
            N_("at most %(MAX_ATTACHMENTS)s attachments"),
            MAX_ATTACHMENTS=MAX_ATTACHMENTS))
    links = [attachment(n, u) for n, u in attachments]
    hubs = [load_hub(conn, hub) for hub in dict.fromkeys(hub_names)]
    object_id = node.services.outbox.new_id("objects")
    tagging = TagLinks(node.settings.url)
    article: dict[str, Any] = {
        "@context": list(ACTIVITY_CONTEXT), "id": object_id, "type": "Article",
        "attributedTo": author.uri, "name": name, "content": article_html(markdown, links, tagging),
        "source": {"content": markdown, "mediaType": "text/markdown"},
        "url": object_id, "published": isoformat(node.clock()),
        "to": [PUBLIC, *(t.actor.uri for t in hubs)], "cc": [f"{author.uri}/followers"],
    }
    if summary.strip():
        article["summary"] = plain_summary(summary)
    if links:
        article["attachment"] = links
    if tags := as_tags(markdown, tagging):
        article["tag"] = tags
    if hubs:
        article["audience"] = hubs[0].actor.uri
    return publish_item(node, conn, author=author, obj=article, kind="minutes", hubs=hubs,
                        remote=remote)
