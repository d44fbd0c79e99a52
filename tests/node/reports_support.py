"""Helpers for the report tests: a node with a hub, an update of ``nate`` in it, a remote
public Note by a Mastodon user, and the report form filled in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from starlette.testclient import TestClient

from node.activitypub.models import StoredObject
from node.clock import Clock
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness, running_node
from tests.node.newswire_support import make_moderator, write_conduct
from tests.node.web_support import add_organizer, form_token, give_real_keys

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FLAG_FIXTURE = Path(__file__).parents[1] / "fixtures/remote/mastodon.example/flag.json"
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@contextmanager
def report_node(settings: Settings, clock: Clock) -> Iterator[Harness]:
    """Hub ``portshutdown`` with its member ``nate``, news moderator ``mo``, a Code of
    Conduct."""
    with running_node(settings, clock) as h:
        engine = h.node.engine
        add_organizer(engine, "nate")
        give_real_keys(engine, "nate")  # nate publishes, so signs
        add_organizer(engine, "mo")
        make_moderator(engine, "mo", h.now)
        write_conduct(engine, h.now)
        with engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=h.now, keys=h.node.actor_keys)
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", h.now)
        yield h


def an_update(h: Harness, text: str = "Meet at the gates at **6am**") -> str:
    with h.node.engine.begin() as conn:
        return str(post_update(h.node, conn, "nate", text, ["portshutdown"]).note["id"])


def a_remote_note(h: Harness, author: FakeActor, n: int = 1) -> str:
    """A public Note by ``author`` as this node holds one it received."""
    uri = f"{author.uri}/statuses/{n}"
    document = {"id": uri, "type": "Note", "attributedTo": author.uri, "to": [PUBLIC],
                "content": "<p>Buy cheap watches</p>", "published": "2026-11-21T11:59:00Z"}
    with h.node.engine.begin() as conn:
        conn.execute(insert(_objects).values(uri=uri, type="Note", attributed_to=author.uri,
                                             authors=[author.uri], local=False,
                                             document=document, received_at=h.now))
    return uri


def report(client: TestClient, *, reason: str = "spam", comment: str = "",
           **fields: str) -> httpx.Response:
    """Fill in and send the report form of ``object=`` or ``account=`` in ``fields``."""
    token = form_token(client, f"/report?{httpx.QueryParams(fields)}")
    data = {"csrf_token": token, "object": "", "account": "", "reason": reason,
            "comment": comment, "website": "", **fields}
    return client.post("/report", data=data, follow_redirects=False)


def mastodon_flag(actor: FakeActor, status: str) -> dict[str, Any]:
    """The recorded Mastodon-shaped Flag, sent by ``actor`` about ``status``."""
    text = FLAG_FIXTURE.read_text().replace("{actor}", actor.uri).replace("{status}", status)
    flag: dict[str, Any] = json.loads(text)
    return flag



def known(h: Harness, actor: FakeActor) -> FakeActor:
    """``actor`` as this node knows a remote account: fetched once into its cache."""
    assert h.client.portal is not None
    h.client.portal.call(h.node.services.actors.actor, actor.uri)
    return actor
