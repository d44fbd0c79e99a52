"""What a link to a page shows where it is shared, and where its other forms are.

Open Graph (https://ogp.me: ``og:title``, ``og:description``, ``og:image``, ``og:url``,
``og:type``) is what Mastodon, Matrix, Signal and most chat apps read to preview a
link. ``<link rel="alternate">`` points feed readers, calendars and fediverse servers
to the same thing in their own form: the ActivityPub document
(``application/activity+json``), the hub's Atom feed and its iCalendar feed. The hub,
event and item pages all render these with one macro (``_share.html``).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.web.item_text import plain_text
from node.web.queries import web_url

DESCRIPTION = 200  # characters of og:description
ACTIVITY_JSON = "application/activity+json"


@dataclass(frozen=True)
class Alternate:
    type: str
    href: str
    title: str = ""


@dataclass(frozen=True)
class Share:
    title: str
    description: str
    url: str
    type: str = "website"  # og:type: "website" for a hub, "article" for an item
    image: str = ""
    alternates: tuple[Alternate, ...] = ()


def share(*, title: str, html: str, url: str, kind: str = "website", image: str | None = "",
          alternates: tuple[Alternate, ...] = ()) -> Share:
    """The tags of one page; ``html`` is its stored (sanitised) summary or content."""
    return Share(title=title, description=plain_text(html, DESCRIPTION).replace("\n", " "),
                 url=web_url(url), type=kind, image=web_url(image), alternates=alternates)


def hub_alternates(actor_uri: str, title: str) -> tuple[Alternate, ...]:
    """A hub's three other forms: its Group actor, its Atom feed, its calendar."""
    return (Alternate(ACTIVITY_JSON, actor_uri),
            Alternate("application/atom+xml", f"{actor_uri}/feed.atom", title),
            Alternate("text/calendar", f"{actor_uri}/calendar.ics", title))
