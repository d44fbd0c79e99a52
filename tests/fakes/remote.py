"""A fake remote fediverse server for node-tier tests, served by ``httpx.MockTransport``.

It publishes Mastodon-shaped actor documents with real keys, records every request,
answers inbox POSTs with scripted statuses, and signs requests it sends to us.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from node.activitypub.keys import encode_ed25519_multikey, load_rsa_private, public_pem
from node.activitypub.signatures import sign_request

_KEY_CACHE: list[rsa.RSAPrivateKey] = []


def shared_test_key() -> rsa.RSAPrivateKey:
    """One RSA key reused by fake actors (generating RSA-2048 per test is slow)."""
    if not _KEY_CACHE:
        _KEY_CACHE.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEY_CACHE[0]


@dataclass
class FakeActor:
    host: str
    username: str
    key: rsa.RSAPrivateKey = field(default_factory=shared_test_key)
    proof_key: ed25519.Ed25519PrivateKey = field(
        default_factory=ed25519.Ed25519PrivateKey.generate)

    @property
    def proof_method(self) -> str:
        return f"{self.uri}#ed25519-key"

    @property
    def uri(self) -> str:
        return f"https://{self.host}/users/{self.username}"

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri, "type": "Person", "preferredUsername": self.username,
            "name": self.username.title(), "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox", "followers": f"{self.uri}/followers",
            "endpoints": {"sharedInbox": f"https://{self.host}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri,
                          "publicKeyPem": public_pem(self.key.public_key())},
            "assertionMethod": [{
                "id": self.proof_method, "type": "Multikey", "controller": self.uri,
                "publicKeyMultibase": encode_ed25519_multikey(self.proof_key.public_key())}],
        }


@dataclass
class FakeFediverse:
    """Several fake hosts behind one MockTransport; ``app`` handles our own host."""

    actors: dict[str, FakeActor] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[httpx.Request] = field(default_factory=list)
    inbox_status: Callable[[httpx.Request], int] = lambda _request: 202
    #: WebFinger answers by resource (``acct:user@host``); any other is a 404
    webfinger: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_actor(self, host: str, username: str) -> FakeActor:
        actor = FakeActor(host, username)
        self.actors[actor.uri] = actor
        return actor

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        url = str(request.url)
        if request.method == "POST":
            return httpx.Response(self.inbox_status(request))
        if request.url.path == "/.well-known/webfinger":
            jrd = self.webfinger.get(request.url.params.get("resource", ""))
            return httpx.Response(404) if jrd is None else httpx.Response(
                200, content=orjson.dumps(jrd), headers={"Content-Type": "application/jrd+json"})
        actor = self.actors.get(url.split("#")[0])
        if actor is not None:
            return _activity_json(actor.document())
        if url in self.objects:
            return _activity_json(self.objects[url])
        return httpx.Response(404)

    def deliveries(self, inbox: str) -> list[dict[str, Any]]:
        """Activities POSTed to ``inbox`` so far."""
        return [orjson.loads(r.content) for r in self.received
                if r.method == "POST" and str(r.url) == inbox]


def _activity_json(document: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(document),
                          headers={"Content-Type": "application/activity+json"})


def signed_headers(actor: FakeActor, url: str, body: bytes, now: datetime,
                   scheme: str = "cavage",
                   content_type: str | None = "application/activity+json") -> dict[str, str]:
    """Headers of a POST signed by ``actor``; ``content_type=None`` sends none."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    return sign_request("POST", url, headers, body,
                        key_id=actor.key_id, private_key=actor.key, now=now,
                        scheme=scheme)  # type: ignore[arg-type]


def local_keys(pem: str) -> rsa.RSAPrivateKey:
    return load_rsa_private(pem)
