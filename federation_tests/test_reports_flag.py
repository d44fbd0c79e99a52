"""Two real nodes: a report on A about an item from B reaches B's reports queue as a
Flag by A's node actor, without the reporter (issue 10, "a Flag from B reaches A's
queue without the reporter", here from A to B)."""

from __future__ import annotations

from collections.abc import Callable

from federation_tests.nodes import NodeProcess, wait_for

PASSWORD = "correct horse battery\n"


def test_a_report_on_remote_content_reaches_the_origins_queue_anonymously(
    make_node: Callable[[str], NodeProcess],
) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "alice", "--password-stdin", stdin=PASSWORD)
    b.cli("user", "create", "bob", "--password-stdin", stdin=PASSWORD)
    b.cli("hub", "create", "portshutdown", "--title", "West Coast Port Shutdown", "--admin", "bob")
    a.cli("follow", "--as", "alice", f"acct:portshutdown@127.0.0.1:{b.port}")
    wait_for(lambda: a.query("SELECT state FROM follow WHERE state = 'accepted'"), 30,
             "A never saw B's Accept")
    b.cli("post", "--as", "bob", "--hub", "portshutdown", "Buy cheap watches")
    (note,) = wait_for(lambda: a.query(
        "SELECT uri FROM stored_object WHERE local = :f AND type = 'Note'", f=False), 30,
        "A never stored B's post")

    # alice on A reports it, without ticking "include my identity"
    a.cli("report", "create", "--object", str(note["uri"]), "--reason", "spam",
          "--comment", "An advert", "--as", "alice")

    (report,) = wait_for(lambda: b.query("SELECT * FROM news_report"), 30,
                         "B never received the Flag")
    assert report["source"] == "remote" and report["reporter_actor"] == f"{a.url}/actor"
    assert report["object_uris"] is not None and str(note["uri"]) in str(report["object_uris"])
    assert "An advert" in str(report["comment"]) and "alice" not in str(report)
    assert report["state"] == "open" and report["kind"] == "item"
    assert report["reason"] == "spam"  # the category travels in the Flag's summary
