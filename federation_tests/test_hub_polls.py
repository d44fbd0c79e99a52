"""Straw polls across real nodes: a poll on B, votes from A and B, tallies back to A."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from federation_tests.nodes import NodeProcess, wait_for

PASSWORD = "correct horse battery\n"


def test_votes_from_two_nodes_are_tallied_and_the_totals_reach_the_follower(
    make_node: Callable[[str], NodeProcess],
) -> None:
    a, b = make_node("a"), make_node("b")
    a.cli("user", "create", "alice", "--password-stdin", stdin=PASSWORD)
    for name in ("bob", "carol"):
        b.cli("user", "create", name, "--password-stdin", stdin=PASSWORD)
    b.cli("hub", "create", "ga", "--title", "General Assembly", "--admin", "bob")
    hub = f"{b.url}/hubs/ga"

    # Given alice on A follows the hub on B
    a.cli("follow", "--as", "alice", hub)
    wait_for(lambda: a.query("SELECT id FROM follow WHERE state = 'accepted'"), 30,
             "A never saw B's Accept")

    # When bob runs the keypad poll in the hub, then A stores the Question
    out = b.cli("poll", "create", "--as", "bob", "--hub", "ga", "--question",
                "Shut down the port on the 12th?", "--keypad")
    match = re.search(r"published poll (\S+)", out)
    assert match, out
    poll = match.group(1)
    wait_for(lambda: a.query("SELECT id FROM stored_object WHERE uri = :u", u=poll), 30,
             "A never received the poll")

    # When alice votes from A and carol votes on B (alice twice: counted once)
    a.cli("poll", "vote", "--as", "alice", poll, "agree")
    a.cli("poll", "vote", "--as", "alice", poll, "agree", check=False)
    b.cli("poll", "vote", "--as", "carol", poll, "more questions")
    wait_for(lambda: len(b.query("SELECT voter FROM poll_vote WHERE question_uri = :u",
                                 u=poll)) == 2, 30, "B never counted alice's vote")
    votes = {(r["voter"], r["option"]) for r in b.query(
        "SELECT voter, option FROM poll_vote WHERE question_uri = :u", u=poll)}
    assert votes == {(f"{a.url}/users/alice", "agree"), (f"{b.url}/users/carol",
                                                          "more questions")}

    # Then closing the poll sends the final tallies, and A's copy shows them
    b.cli("poll", "close", "--as", "bob", poll)

    def closed_copy() -> dict[str, object] | None:
        rows = a.query("SELECT document FROM stored_object WHERE uri = :u", u=poll)
        document = rows[0]["document"] if rows else None
        if isinstance(document, str):
            document = json.loads(document)
        return document if isinstance(document, dict) and document.get("closed") else None

    final = wait_for(closed_copy, 30, "A never received the final tallies")
    totals = {o["name"]: o["replies"]["totalItems"] for o in final["oneOf"]}  # type: ignore[union-attr, index]
    assert totals == {"agree": 1, "disagree": 0, "more questions": 1}
    assert final["votersCount"] == 2
