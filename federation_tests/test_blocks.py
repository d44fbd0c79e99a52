"""Two real nodes: B follows node A, then B's moderator blocks A's domain from the command
line while B runs. B's running server learns it from the policy's version counter (no
restart), refuses A's signed requests with 403, A's Update of the earlier item and A's
next relayed post (an Announce) are refused at B's door, and the item B had from A is
withdrawn from B's network timeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from federation_tests.nodes import NodeProcess, free_port, wait_for
from node.activitypub.keys import load_rsa_private
from node.activitypub.signatures import sign_request
from node.clock import system_clock

BLOCKED_HOST = "127.0.0.2"


def signed_get_status(a: NodeProcess, url: str) -> int:
    """GET ``url`` signed with A's node actor key, as A would fetch it."""
    (actor,) = a.query("SELECT uri, rsa_private_pem FROM local_actor WHERE kind = 'node'")
    headers = sign_request("GET", url, {"Accept": "application/activity+json"}, None,
                           key_id=f"{actor['uri']}#main-key",
                           private_key=load_rsa_private(actor["rsa_private_pem"]),
                           now=system_clock())
    return httpx.get(url, headers=headers, timeout=10).status_code


def to_b(a: NodeProcess, b: NodeProcess, text: str) -> list[dict[str, object]]:
    rows = a.query("SELECT d.state, d.last_status, o.body FROM delivery d JOIN outbox_activity o"
                   " ON o.id = d.activity_id WHERE d.inbox LIKE :prefix", prefix=f"{b.url}/%")
    return [r for r in rows if text.encode() in bytes(r["body"])]


def test_a_blocked_node_is_refused_at_the_door(make_node: Callable[[str], NodeProcess],
                                               tmp_path: Path) -> None:
    b = make_node("b")  # 127.0.0.1
    (tmp_path / "a").mkdir()
    a = NodeProcess(name="a", database=f"sqlite:///{tmp_path / 'a' / 'ionode.db'}",
                    data_dir=tmp_path / "a", host=BLOCKED_HOST, port=free_port(BLOCKED_HOST))
    a.cli("migrate")
    a.start()
    try:
        a.cli("user", "create", "nate", "--password-stdin", stdin="correct horse battery\n")
        a.cli("hub", "create", "portshutdown", "--title", "Port Shutdown", "--admin", "nate")
        b.cli("user", "create", "ada", "--password-stdin", stdin="correct horse battery\n")
        b.cli("network", "follow", a.url)
        wait_for(lambda: b.query("SELECT id FROM follow WHERE following = :a AND state = "
                                 "'accepted'", a=f"{a.url}/actor"), 30, "B never saw A's Accept")
        out = a.cli("post", "--as", "nate", "--hub", "portshutdown", "Picket at berth 5")
        (item,) = wait_for(lambda: b.query(
            "SELECT object_uri FROM network_item"), 30, "B never received A's post")
        assert item["object_uri"] in out
        assert signed_get_status(a, f"{b.url}/news") == 200

        # When B's moderator blocks A's domain from the command line (another process)
        done = b.cli("block", "add", BLOCKED_HOST, "--reason", "impersonation", "--as", "ada")
        assert "1 stored items withdrawn" in done
        # Then the running B refuses A's signed requests within seconds, without a restart
        wait_for(lambda: signed_get_status(a, f"{b.url}/news") == 403 or None, 30,
                 "B never refused A's signed GET")
        assert "Picket" not in httpx.get(f"{b.url}/network", timeout=10).text

        # And A's Update of the earlier item and its next relayed post are refused at B's door
        a.cli("edit", "--as", "nate", item["object_uri"], "Stay home: the picket is off")
        a.cli("post", "--as", "nate", "--hub", "portshutdown", "Second call: berth 7")
        for text in ("Stay home", "berth 7"):
            wait_for(lambda t=text: [r for r in to_b(a, b, t) if r["state"] == "failed"]
                     or None, 30, f"A's delivery of {text!r} to B was not refused")
            assert {(r["state"], r["last_status"]) for r in to_b(a, b, text)} == {
                ("failed", 403)}
        assert b.query("SELECT id FROM inbox_item WHERE body LIKE '%berth 7%' "
                       "OR body LIKE '%Stay home%'") == []
        assert "impersonation" in httpx.get(f"{b.url}/news/log", timeout=10).text
    finally:
        a.stop()
