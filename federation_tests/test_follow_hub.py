"""Two real nodes: a user on A follows a hub on B, receives its posts, then unfollows."""

from __future__ import annotations

from collections.abc import Callable

from federation_tests.nodes import NodeProcess, wait_for


def stored_note(node: NodeProcess, text: str) -> list[dict[str, object]]:
    rows = node.query("SELECT uri, document FROM stored_object WHERE local = :f", f=False)
    return [r for r in rows if text in str(r["document"])]


def test_follow_publish_unfollow(make_node: Callable[[str], NodeProcess]) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "alice", "--password-stdin", stdin="correct horse battery\n")
    b.cli("user", "create", "bob", "--password-stdin", stdin="correct horse battery\n")
    b.cli("hub", "create", "portshutdown", "--title", "West Coast Port Shutdown", "--admin", "bob")
    hub = f"{b.url}/hubs/portshutdown"

    # Given alice on A follows the hub on B (WebFinger lookup over loopback)
    a.cli("follow", "--as", "alice", f"acct:portshutdown@127.0.0.1:{b.port}")
    wait_for(lambda: a.query("SELECT state FROM follow WHERE following = :h AND state = "
                             "'accepted'", h=hub), 30, "A never saw B's Accept")

    # When bob posts into the hub, then A stores the post, verified
    b.cli("post", "--as", "bob", "--hub", "portshutdown", "Picket at berth 5 at dawn")
    (note,) = wait_for(lambda: stored_note(a, "Picket at berth 5"), 30,
                       "A never stored the post Announced by the hub")
    assert str(note["uri"]).startswith(f"{b.url}/objects/")

    # When alice unfollows, then B drops the follower
    a.cli("unfollow", "--as", "alice", hub)
    wait_for(lambda: not b.query("SELECT id FROM follow"), 30, "B kept the follower")

    # Then B's next post is not delivered to A
    b.cli("post", "--as", "bob", "--hub", "portshutdown", "Second call: berth 7")
    wait_for(lambda: b.query("SELECT id FROM delivery WHERE state = 'queued'") == [], 30,
             "B's queue did not drain")
    to_a = [bytes(r["body"]) for r in b.query(
        "SELECT o.body FROM delivery d JOIN outbox_activity o ON o.id = d.activity_id "
        "WHERE d.inbox LIKE :prefix", prefix=f"{a.url}/%")]
    assert any(b"berth 5" in body for body in to_a)
    assert not any(b"berth 7" in body for body in to_a)
    assert stored_note(a, "berth 7") == []


def test_forged_signature_is_refused_between_real_nodes(
    make_node: Callable[[str], NodeProcess],
) -> None:
    import httpx

    a = make_node("a")
    a.cli("hub", "create", "relief", "--title", "Sandy Relief")
    body = b'{"id": "http://127.0.0.1:1/x", "type": "Follow", "actor": "http://127.0.0.1:1/u",' \
           b' "object": "' + f"{a.url}/hubs/relief".encode() + b'"}'
    response = httpx.post(f"{a.url}/hubs/relief/inbox", content=body, headers={
        "Content-Type": "application/activity+json",
        "Signature": 'keyId="http://127.0.0.1:1/u#main-key",algorithm="rsa-sha256",'
                     'headers="(request-target) host date digest",signature="Zm9yZ2Vk"'})
    assert response.status_code in (400, 401)
    assert "error" in response.json()
    assert a.query("SELECT id FROM inbox_item") == []
