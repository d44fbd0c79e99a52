"""Authorized fetch: signed GETs for documents, never for actor and key documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from node.activitypub.local_actors import create_local_actor
from node.activitypub.signatures import sign_request
from node.clock import Clock
from node.settings import Settings
from tests.node.harness import Harness, running_node

AS_JSON = "application/activity+json"


@pytest.fixture(params=[True, False], ids=["authorized", "open"])
def h(request: pytest.FixtureRequest, settings: Settings, clock: Clock) -> Iterator[Harness]:
    strict = dataclasses.replace(settings, authorized_fetch=request.param)
    with running_node(strict, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_local_actor(conn, base_url=settings.url, kind="person", username="nate",
                               now=clock())
        yield harness


def signed_get(h: Harness, path: str, *, tamper: bool = False) -> int:
    ana = h.remote.add_actor("mastodon.example", "ana")
    url = f"{h.node.settings.url}{path}"
    headers = sign_request("GET", url, {"Accept": AS_JSON}, None, key_id=ana.key_id,
                           private_key=ana.key, now=h.now)
    if tamper:
        headers["Date"] = "Sat, 21 Nov 2026 11:59:00 GMT"
    return int(h.client.get(path, headers=headers).status_code)


def test_actor_and_key_documents_stay_public(h: Harness) -> None:
    assert h.client.get("/users/nate", headers={"Accept": AS_JSON}).status_code == 200
    assert h.client.get("/actor", headers={"Accept": AS_JSON}).status_code == 200


def test_documents_need_a_signature_only_in_authorized_mode(h: Harness) -> None:
    response = h.client.get("/users/nate/outbox", headers={"Accept": AS_JSON})
    if h.node.settings.authorized_fetch:
        assert response.status_code == 401
        assert "signed requests" in response.json()["error"]
    else:
        assert response.status_code == 200


def test_a_valid_signature_opens_the_document(h: Harness) -> None:
    assert signed_get(h, "/users/nate/outbox") == 200


def test_a_broken_signature_is_refused_in_authorized_mode(h: Harness) -> None:
    expected = 401 if h.node.settings.authorized_fetch else 200
    assert signed_get(h, "/users/nate/outbox", tamper=True) == expected


def test_browsers_still_get_html(h: Harness) -> None:
    response = h.client.get("/users/nate", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
