"""A node that passes on altered copies (issue 9, item 7 and item 9): node B follows a
fake node M (:mod:`federation_tests.fake_peer`, signing as M), and M Announces a hub
post of the real node A three ways. Each is refused or corrected at B, and nothing of
the altered text is stored:

* the genuine ``Create`` with its author's FEP-8b32 proof, its content altered: the
  proof fails, the Announce is refused;
* the same altered ``Create`` without a proof: B refetches the object from its origin
  A and keeps only what A serves;
* a ``Create`` naming A's author for an object on M's own host: refused, an object is
  only its author's host's.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from federation_tests.fake_peer import AS, PUBLIC, FakePeer
from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery\n"
TRUE, ALTERED = "Picket at berth 5 at dawn", "Picket cancelled, stay home"


@pytest.fixture
def peer() -> Iterator[FakePeer]:
    fake = FakePeer(people=())
    fake.start()
    yield fake
    fake.stop()


def handled(b: NodeProcess, activity: dict[str, Any]) -> dict[str, Any] | None:
    rows = b.query("SELECT state, error FROM inbox_item WHERE activity_id = :a",
                   a=activity["id"])
    return rows[0] if rows and rows[0]["state"] in ("done", "ignored", "failed") else None


def announce(peer: FakePeer, b: NodeProcess, shared: dict[str, Any]) -> dict[str, Any]:
    """M's Announce of ``shared`` to B, signed by M; B's verdict once handled."""
    activity = {"@context": AS, "id": peer.new_id(), "type": "Announce",
                "actor": peer.actor(), "object": shared, "to": [PUBLIC]}
    assert peer.send(peer.actor(), f"{b.url}/inbox", activity) == 202
    return wait_for(lambda: handled(b, activity), 30, "B never handled M's Announce")


def test_altered_copies_from_a_followed_node(make_node: MakeNode, peer: FakePeer) -> None:
    a, b = make_node("a", wait=False), make_node("b", wait=False)
    a.cli("user", "create", "nate", "--password-stdin", stdin=PASSWORD)
    a.cli("hub", "create", "portshutdown", "--title", "Port Shutdown", "--admin", "nate")
    a.wait_started()
    b.wait_started()
    out = a.cli("post", "--as", "nate", "--hub", "portshutdown", TRUE)
    uri = re.search(r"published (\S+)", out).group(1)  # type: ignore[union-attr]
    (row,) = a.query("SELECT document FROM outbox_activity WHERE type = 'Create'")
    create = row["document"] if isinstance(row["document"], dict) else json.loads(
        row["document"])
    assert "proof" in create and create["object"]["id"] == uri

    b.cli("network", "follow", peer.actor())
    wait_for(lambda: b.query("SELECT id FROM follow WHERE following = :m AND state = "
                             "'accepted'", m=peer.actor()), 30, "B never saw M's Accept")

    # The genuine Create, its content altered under its author's proof: refused
    tampered = copy.deepcopy(create)
    tampered["object"]["content"] = f"<p>{ALTERED}</p>"
    verdict = announce(peer, b, tampered)
    assert verdict["state"] == "ignored" and "proof" in str(verdict["error"])
    assert b.query("SELECT id FROM stored_object WHERE uri = :u", u=uri) == []

    # An object on M's host claiming A's author: refused, nothing stored
    forged = {**copy.deepcopy(create["object"]), "id": f"{peer.url}/objects/1"}
    forged.pop("proof")
    peer.objects[forged["id"]] = forged
    verdict = announce(peer, b, {"@context": AS, "id": peer.new_id(), "type": "Create",
                                 "actor": create["actor"], "object": forged})
    assert verdict["state"] == "ignored", verdict
    assert b.query("SELECT id FROM stored_object WHERE uri = :u", u=forged["id"]) == []

    # The altered Create without any proof: B refetches it from A and keeps A's text
    unproven = copy.deepcopy(tampered)
    unproven.pop("proof")
    unproven["object"].pop("proof")
    verdict = announce(peer, b, unproven)
    assert verdict["state"] == "done", verdict
    (kept,) = b.query("SELECT document FROM stored_object WHERE uri = :u", u=uri)
    assert TRUE in str(kept["document"])

    assert not [r for r in b.query("SELECT document FROM stored_object")
                if ALTERED in str(r["document"])]
    assert b.query("SELECT object_uri, via FROM network_item") == [
        {"object_uri": uri, "via": peer.actor()}]
