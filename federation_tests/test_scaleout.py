"""A node run as a web process and a worker process on one database (issue 9, item 8).

Node A is ``ionode serve --workers 0`` (accepts only) plus ``ionode worker`` (processes
and delivers), on PostgreSQL when ``IONODE_TEST_POSTGRES`` is set (and on SQLite, with
its one worker process, otherwise); node B is an ordinary ``ionode serve``.
"""

from __future__ import annotations

from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery\n"


def stored_note(node: NodeProcess, text: str) -> list[dict[str, object]]:
    rows = node.query("SELECT uri, document FROM stored_object WHERE local = :f", f=False)
    return [r for r in rows if text in str(r["document"])]


def follow_items(node: NodeProcess) -> list[dict[str, object]]:
    return node.query("SELECT state FROM inbox_item WHERE type = 'Follow'")


def test_the_web_process_stores_and_the_worker_process_handles_and_delivers(
        make_node: MakeNode) -> None:
    a = make_node("a", serve_flags=("--workers", "0"))
    b = make_node("b")
    a.cli("user", "create", "ana", "--password-stdin", stdin=PASSWORD)
    a.cli("hub", "create", "relief", "--title", "Sandy Relief", "--admin", "ana")
    b.cli("user", "create", "bo", "--password-stdin", stdin=PASSWORD)
    hub = f"{a.url}/hubs/relief"

    # When bo on B follows the hub on A, then A's web process stores the Follow (202)
    # and, with no worker running, nobody handles it: it waits in the queue
    b.cli("follow", "--as", "bo", f"acct:relief@127.0.0.1:{a.port}")
    (item,) = wait_for(lambda: follow_items(a), 30, "A's web process never stored the Follow")
    assert item["state"] == "queued"
    assert b.query("SELECT state FROM follow WHERE following = :h", h=hub) == [
        {"state": "pending"}]

    # When A's worker process starts, then it handles the Follow and delivers the Accept
    a.start_worker()
    wait_for(lambda: b.query("SELECT id FROM follow WHERE following = :h AND state = "
                             "'accepted'", h=hub), 30, "B never got A's Accept")
    assert follow_items(a) == [{"state": "done"}]

    # And a post into the hub (stored by a CLI process) is delivered by the worker
    a.cli("post", "--as", "ana", "--hub", "relief", "Water at the church on 5th")
    wait_for(lambda: stored_note(b, "Water at the church"), 30,
             "B never received the post A's worker should deliver")
    to_b = a.query("SELECT state FROM delivery WHERE inbox LIKE :p", p=f"{b.url}/%")
    assert to_b and all(row["state"] == "sent" for row in to_b)
    assert a.process is not None and a.process.poll() is None
