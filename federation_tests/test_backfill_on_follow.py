"""Backfill on follow, two real nodes: B follows node A after A's hub has posted; A's
node actor lists its hubs in ``featured``, so B pulls the hub's outbox, verifies each
item (its author's FEP-8b32 proof, or refetched from A) and shows it once, and the hub
enters B's directory."""

from __future__ import annotations

from federation_tests.nodes import MakeNode, NodeProcess, wait_for


def stored(node: NodeProcess) -> list[str]:
    rows = node.query("SELECT o.document FROM network_item i "
                      "JOIN stored_object o ON o.uri = i.object_uri")
    return sorted(str(r["document"]) for r in rows)


def test_backfill_on_follow(make_node: MakeNode) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "nate", "--password-stdin", stdin="correct horse battery\n")
    a.cli("hub", "create", "portshutdown", "--title", "West Coast Port Shutdown",
          "--admin", "nate", "--summary", "Close the ports on **May Day**")
    for text in ("Picket at berth 5", "Second call: berth 7"):
        a.cli("post", "--as", "nate", "--hub", "portshutdown", text)

    # When B follows A (before A's node actor had any follower to relay to)
    b.cli("network", "follow", a.url)
    hub = f"{a.url}/hubs/portshutdown"
    wait_for(lambda: b.query("SELECT id FROM network_backfill WHERE actor_uri = :hub AND "
                             "state = 'done'", hub=hub), 30, "B never backfilled A's hub")

    # Then A's hub history is on B, each item once, and the hub is in B's directory
    items = stored(b)
    assert len(items) == 2
    for text in ("berth 5", "berth 7"):
        assert sum(text in item for item in items) == 1
    status = b.cli("network", "status")
    assert f"backfill {hub}: done (finished)" in status and "2 stored" in status
    assert "0 refused" in status
    listed = b.cli("network", "directory", "--search", "may day")
    assert listed.startswith(f"@portshutdown@127.0.0.1:{a.port}\tWest Coast Port Shutdown\t"
                             "-\t-\t0 followers")
