"""A node with a hub, its admin, and Mastodon-shaped remote actors around it.

The node is the one ``create_app`` builds, hub hooks and routes included
(tests/node/test_app_wiring.py checks they are there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection

from node.activitypub.local_actors import create_local_actor
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import HubError, HubTarget, load_hub
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import MASTO as MASTO  # re-exported for the hub tests
from tests.node.harness import Harness, running_node
from tests.node.harness import rows as rows  # re-exported for the hub tests

FANS = "fans.example"
HUB = "portshutdown"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


@contextmanager
def hub_node(settings: Settings, clock: Clock) -> Iterator[Harness]:
    """Hub ``portshutdown`` administered by local organizer ``nate``."""
    with running_node(settings, clock) as h:
        with h.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name=HUB, title="West Coast Port Shutdown",
                       now=clock(), keys=h.node.actor_keys)
            nate = create_local_actor(conn, base_url=settings.url, kind="person",
                                      username="nate", now=clock(), keys=h.node.actor_keys)
            set_member(conn, load_hub(conn, HUB), nate.uri, "admin", clock())
        yield h


def hub(conn: Connection, name: str = HUB) -> HubTarget:
    return load_hub(conn, name)


def refused(h: Harness, message: str, work: Callable[[Connection], object]) -> None:
    """``work`` raises :class:`HubError` matching ``message``; its transaction rolls back."""
    with pytest.raises(HubError, match=message), h.node.engine.begin() as conn:
        work(conn)


def follow(h: Harness, actor: FakeActor, target: str, n: int = 1) -> dict[str, Any]:
    """``actor`` sends a Mastodon-shaped Follow of ``target``; the inbox is drained."""
    document = {"@context": AS_CONTEXT, "id": f"{actor.uri}#follows/{n}", "type": "Follow",
                "actor": actor.uri, "object": target}
    assert h.post_activity(actor, document).status_code == 202
    h.drain()
    return document


def fan(h: Harness, n: int = 1) -> FakeActor:
    """A Mastodon user on another server who follows the hub (accepted)."""
    actor = h.remote.add_actor(FANS, f"fan{n}")
    follow(h, actor, f"{h.node.settings.url}/hubs/{HUB}", n)
    return actor


def add_member(h: Harness, uri: str, role: str = "member") -> None:
    with h.node.engine.begin() as conn:
        set_member(conn, hub(conn), uri, role, h.now)


def mastodon_create(actor: FakeActor, hub_uri: str, text: str, n: int = 1,
                    public: bool = True) -> dict[str, Any]:
    """A Create(Note) as Mastodon 4.x sends one that mentions a group (public or
    followers-only); mentions go to ``cc`` of a public post, to ``to`` otherwise."""
    status = f"{actor.uri}/statuses/{n}"
    followers = f"{actor.uri}/followers"
    to, cc = ([PUBLIC], [followers, hub_uri]) if public else ([followers, hub_uri], [])
    handle = f"@{hub_uri.rsplit('/', 1)[1]}@{hub_uri.split('/')[2]}"
    note = {
        "id": status, "type": "Note", "summary": None, "inReplyTo": None,
        "published": "2026-11-21T11:59:00Z", "url": f"https://{actor.host}/@{actor.username}/{n}",
        "attributedTo": actor.uri, "to": to, "cc": cc, "sensitive": False,
        "atomUri": status, "conversation": f"tag:{actor.host},2026-11-21:objectId={n}",
        "content": f'<p><span class="h-card"><a href="{hub_uri}" class="u-url mention">'
                   f"@<span>{handle.split('@')[1]}</span></a></span> {text}</p>",
        "contentMap": {"en": f"<p>{text}</p>"},
        "attachment": [], "tag": [{"type": "Mention", "href": hub_uri, "name": handle}],
        "replies": {"id": f"{status}/replies", "type": "Collection"},
    }
    return {"@context": [AS_CONTEXT, {"ostatus": "http://ostatus.org#",
                                      "atomUri": "ostatus:atomUri",
                                      "conversation": "ostatus:conversation",
                                      "sensitive": "as:sensitive"}],
            "id": f"{status}/activity", "type": "Create", "actor": actor.uri,
            "published": "2026-11-21T11:59:00Z", "to": to, "cc": cc, "object": note}


def sent(h: Harness, host: str, kind: str | None = None) -> list[dict[str, Any]]:
    """Activities delivered to ``host``'s shared inbox (of type ``kind``)."""
    found = h.remote.deliveries(f"https://{host}/inbox")
    return [a for a in found if kind is None or a["type"] == kind]

