"""A fake other node for the /admin/network tests: WebFinger for its site URL
(FEP-d556) or ``acct:ionode@host`` answers with its node actor; a person to refuse."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import orjson
from starlette.applications import Starlette

from node.app import create_app
from node.settings import Settings
from tests.fakes.remote import FakeFediverse
from tests.node.network_support import PEER, add_node_actor
from tests.node.web_support import MovableClock

PEER_SITE = f"https://{PEER}"
PEER_ACTOR = f"{PEER_SITE}/actor"


@dataclass
class FakeNode:
    """``oakland.example``: a node actor, a person, and WebFinger for the site URL."""

    remote: FakeFediverse = field(default_factory=FakeFediverse)
    down: bool = False

    def __post_init__(self) -> None:
        add_node_actor(self.remote)
        self.remote.add_actor(PEER, "ana")

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/.well-known/webfinger":
            resource = request.url.params.get("resource")
            if resource not in (PEER_SITE, f"acct:ionode@{PEER}"):
                return httpx.Response(404)
            jrd = {"subject": resource, "links": [
                {"rel": "self", "type": "application/activity+json", "href": PEER_ACTOR}]}
            return httpx.Response(200, content=orjson.dumps(jrd),
                                  headers={"content-type": "application/jrd+json"})
        return self.remote.handle(request)

    def app(self, settings: Settings, clock: MovableClock) -> Starlette:
        return create_app(settings, transport=httpx.MockTransport(self.handle), clock=clock,
                          start_workers=False)
