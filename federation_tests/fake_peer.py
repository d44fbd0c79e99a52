"""A small fediverse server on loopback for the scenarios no real software plays: a
Mastodon-shaped follower that records what reaches its inbox, or a node that passes on
altered copies.

It is a Starlette app under uvicorn in a thread of the test process. Its actors have RSA
keys and sign what they send with ionode's own signing helper (draft-cavage HTTP
signatures, what Mastodon sends); it accepts every Follow it receives, as an open
account or node does, and serves the objects the test gives it.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation_tests.nodes import free_port, wait_for
from node.activitypub.keys import generate_actor_keys, load_rsa_private, public_pem
from node.activitypub.signatures import sign_request
from node.clock import system_clock

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
JSON_LD = "application/activity+json"


@dataclass
class FakePeer:
    """``/actor`` (an Application: a node) and ``/users/NAME`` (Persons) on one port."""

    people: tuple[str, ...] = ("alice",)
    port: int = field(default_factory=free_port)
    #: what reached an inbox: (path, activity), in order of arrival
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: documents served at ``/objects/ID`` (the test puts them here)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    _keys: dict[str, str] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def actor(self, name: str | None = None) -> str:
        """The node actor (no name) or a person's URI."""
        return f"{self.url}/actor" if name is None else f"{self.url}/users/{name}"

    def start(self) -> None:
        for uri in (self.actor(), *map(self.actor, self.people)):
            self._keys[uri] = generate_actor_keys().rsa_private_pem
        app = Starlette(routes=[
            Route("/actor", self._actor_doc), Route("/users/{name}", self._actor_doc),
            Route("/inbox", self._inbox, methods=["POST"]),
            Route("/actor/inbox", self._inbox, methods=["POST"]),
            Route("/users/{name}/inbox", self._inbox, methods=["POST"]),
            Route("/objects/{oid}", self._object)])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_for(lambda: self._server is not None and self._server.started, 30,
                 "the fake peer did not start")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def new_id(self) -> str:
        return f"{self.url}/activities/{uuid.uuid4().hex}"

    def send(self, sender: str, inbox: str, activity: dict[str, Any]) -> int:
        """POST ``activity`` to ``inbox``, signed by ``sender``'s key; the status."""
        body = json.dumps(activity).encode()
        headers = sign_request("POST", inbox, {"Content-Type": JSON_LD}, body,
                               key_id=f"{sender}#main-key",
                               private_key=load_rsa_private(self._keys[sender]),
                               now=system_clock())
        return httpx.post(inbox, content=body, headers=headers, timeout=30).status_code

    def follow(self, sender: str, actor: str, inbox: str) -> dict[str, Any]:
        follow = {"@context": AS, "id": self.new_id(), "type": "Follow", "actor": sender,
                  "object": actor}
        status = self.send(sender, inbox, follow)
        assert status in (200, 201, 202), f"the Follow of {actor} got {status}"
        return follow

    def inbox_of(self, name: str | None) -> list[dict[str, Any]]:
        path = "/actor/inbox" if name is None else f"/users/{name}/inbox"
        return [a for p, a in list(self.received) if p in (path, "/inbox")]

    async def _actor_doc(self, request: Request) -> Response:
        name = request.path_params.get("name")
        uri = self.actor(name)
        if uri not in self._keys:
            return Response(status_code=404)
        pem = load_rsa_private(self._keys[uri]).public_key()
        return JSONResponse({
            "@context": [AS, "https://w3id.org/security/v1"], "id": uri,
            "type": "Application" if name is None else "Person",
            "preferredUsername": name or "relay", "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox", "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.url}/inbox"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri,
                          "publicKeyPem": public_pem(pem)}}, media_type=JSON_LD)

    async def _object(self, request: Request) -> Response:
        found = self.objects.get(f"{self.url}/objects/{request.path_params['oid']}")
        if found is None:
            return Response(status_code=404)
        return JSONResponse(found, media_type=JSON_LD)

    async def _inbox(self, request: Request) -> Response:
        activity = json.loads(await request.body())
        self.received.append((request.url.path, activity))
        task = None
        if activity.get("type") == "Follow" and activity.get("object") in self._keys:
            accept = {"@context": AS, "id": self.new_id(), "type": "Accept",
                      "actor": activity["object"], "object": activity}
            task = BackgroundTask(self._answer, activity["object"], activity["actor"], accept)
        return Response(status_code=202, background=task)

    def _answer(self, sender: str, follower: str, accept: dict[str, Any]) -> None:
        """Accept a Follow: the follower's inbox from its actor document."""
        document = httpx.get(follower, headers={"Accept": JSON_LD}, timeout=30).json()
        inbox = (document.get("endpoints") or {}).get("sharedInbox") or document["inbox"]
        self.send(sender, inbox, accept)
