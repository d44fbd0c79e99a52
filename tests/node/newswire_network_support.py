"""Shared by test_newswire_network.py and the tests that reuse its setup."""

from __future__ import annotations

from typing import Any

from node.activitypub.vocab import PUBLIC, activity, isoformat
from node.newswire.network_news.sources import find_source, follow_source
from tests.fakes.remote import FakeActor
from tests.node.harness import MASTO, Harness

OTHER = "oakland.example"


NEWS = "https://philly.example/news"


def send(h: Harness, actor: FakeActor, document: dict[str, Any]) -> None:
    assert h.post_activity(actor, document).status_code == 202
    h.drain()


def followed_source(h: Harness) -> FakeActor:
    """Oakland's @news, followed by our @news (asked through the service, accepted)."""
    source = h.remote.add_actor(OTHER, "news")
    assert h.client.portal is not None
    target = h.client.portal.call(find_source, h.node, source.uri)
    with h.node.engine.begin() as conn:
        follow_source(h.node, conn, target)
    h.drain()
    [sent] = h.remote.deliveries(f"{source.uri}/inbox")
    assert (sent["type"], sent["actor"], sent["object"]) == ("Follow", NEWS, source.uri)
    send(h, source, {"id": f"{source.uri}#accepts/1", "type": "Accept", "actor": source.uri,
                     "object": {"type": "Follow", "actor": NEWS, "object": source.uri}})
    return source


def article(author: FakeActor, n: int, title: str, h: Harness, **extra: Any) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"https://{author.host}/objects/{n}", "type": "Article",
            "attributedTo": author.uri, "name": title, "content": f"<p>{title} today.</p>",
            "url": f"https://{author.host}/news/{n}", "to": [PUBLIC],
            "cc": [f"{author.uri}/followers"], "published": isoformat(h.now), **extra}


def create(author: FakeActor, obj: dict[str, Any], kind: str = "Create",
           suffix: str = "") -> dict[str, Any]:
    return activity(kind, id=f"{obj['id']}/{kind.lower()}{suffix}", actor=author.uri,
                    object=obj, to=[PUBLIC])


def page(h: Harness) -> str:
    return h.client.get("/news/network").text


def two_items_for_a_follower(h: Harness, stem: str) -> FakeActor:
    """A Mastodon follower ``bo`` of our @news, and Oakland's @news (followed) posting
    ``<stem> 1`` and ``<stem> 2``; the source."""
    bo = h.remote.add_actor(MASTO, "bo")
    send(h, bo, {"id": f"{bo.uri}#follows/1", "type": "Follow", "actor": bo.uri,
                 "object": NEWS})
    source = followed_source(h)
    for n in (1, 2):
        send(h, source, create(source, article(source, n, f"{stem} {n}", h)))
    return source
