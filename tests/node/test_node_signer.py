"""The node's signed GETs: signed with the node actor's key, on a signing thread.

Issue 7, 1.13: the RSA signature of each actor fetch was the largest single item of a
cold sender's acceptance on the event loop; it is made on a thread of its own now, and
must still be the node actor's valid draft-cavage signature of that very GET.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from node import app as app_module
from node.activitypub.fetch import Fetched
from node.activitypub.remote_actor import ActorKey
from node.activitypub.signatures import SignatureClaim, Verified, read_signature
from node.app import build_node, prepare
from node.clock import fixed_clock
from node.settings import Settings
from tests.conftest import NOW

ANA = "https://mastodon.example/users/ana"


def actor_document(uri: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": "Person",
        "inbox": f"{uri}/inbox",
        "preferredUsername": "ana",
    }


async def test_actor_fetches_are_signed_by_the_node_actor_off_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests: list[httpx.Request] = []
    signed_on: list[str] = []
    real_sign = app_module.sign_request

    def recording_sign(*args: Any, **kwargs: Any) -> dict[str, str]:
        signed_on.append(threading.current_thread().name)
        return real_sign(*args, **kwargs)

    def remote(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(
            200,
            json=actor_document(str(request.url)),
            headers={"Content-Type": "application/activity+json"},
        )

    monkeypatch.setattr(app_module, "sign_request", recording_sign)
    node = build_node(settings, transport=httpx.MockTransport(remote), clock=fixed_clock(NOW))
    await prepare(node)
    try:
        fetched = await node.services.fetcher.fetch_activity(ANA)
        assert isinstance(fetched, Fetched) and fetched.document["id"] == ANA
        assert signed_on and all(name.startswith("ionode-sign") for name in signed_on)
        assert threading.current_thread().name not in signed_on
        (request,) = requests
        claim = read_signature("GET", ANA, list(request.headers.items()), None, NOW)
        assert isinstance(claim, SignatureClaim), claim
        assert claim.key_id == f"{settings.url}/actor#main-key"
        key = await node.services.actors.key(claim.key_id)
        assert isinstance(key, ActorKey)
        assert isinstance(claim.verify(key.public_key), Verified)
    finally:
        await node.services.fetcher.aclose()
        node.engine.dispose()
