"""Two real nodes: node B follows node A; a hub post on A arrives at B through A's
node actor; after B unfollows, A's next post does not."""

from __future__ import annotations

from collections.abc import Callable

from federation_tests.nodes import NodeProcess, wait_for


def received(node: NodeProcess, text: str) -> list[dict[str, object]]:
    rows = node.query("SELECT i.object_uri, i.hub_uri, i.origin_host, o.document "
                      "FROM network_item i JOIN stored_object o ON o.uri = i.object_uri")
    return [r for r in rows if text in str(r["document"])]


def test_node_follows_node(make_node: Callable[[str], NodeProcess]) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "nate", "--password-stdin", stdin="correct horse battery\n")
    a.cli("hub", "create", "portshutdown", "--title", "West Coast Port Shutdown",
          "--admin", "nate")

    # Given B's operator follows node A by its site URL (FEP-d556 WebFinger)
    out = b.cli("network", "follow", a.url)
    assert f"{a.url}/actor" in out
    wait_for(lambda: b.query("SELECT id FROM follow WHERE following = :a AND state = "
                             "'accepted'", a=f"{a.url}/actor"), 30, "B never saw A's Accept")
    assert b.cli("network", "following") == f"{a.url}/actor\tnode\taccepted\n"
    assert f"{b.url}/actor\tnode\taccepted" in a.cli("network", "followers")

    # When nate posts into the hub on A, then B stores it once, with its origin
    a.cli("post", "--as", "nate", "--hub", "portshutdown", "Picket at berth 5 at dawn")
    (item,) = wait_for(lambda: received(b, "berth 5"), 30, "B never received A's hub post")
    assert item["hub_uri"] == f"{a.url}/hubs/portshutdown"
    assert item["origin_host"] == f"127.0.0.1:{a.port}"
    status = b.cli("network", "status")
    assert "items received: 1" in status and "last activity received: never" not in status

    # When B unfollows, then A drops the follower and relays nothing more to B
    b.cli("network", "unfollow", f"@ionode@127.0.0.1:{a.port}")
    wait_for(lambda: not a.query("SELECT id FROM follow"), 30, "A kept B as a follower")
    a.cli("post", "--as", "nate", "--hub", "portshutdown", "Second call: berth 7")
    wait_for(lambda: a.query("SELECT id FROM delivery WHERE state = 'queued'") == [], 30,
             "A's queue did not drain")
    to_b = [bytes(r["body"]) for r in a.query(
        "SELECT o.body FROM delivery d JOIN outbox_activity o ON o.id = d.activity_id "
        "WHERE d.inbox LIKE :prefix", prefix=f"{b.url}/%")]
    assert any(b"berth 5" in body for body in to_b)
    assert not any(b"berth 7" in body for body in to_b)
    assert received(b, "berth 7") == []
