"""Cross-posting's pure parts: addressing one object to many hubs, reading the targets an
organizer typed, and reading a target hub's answer."""

from __future__ import annotations

from node.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC
from node.hubs.crosspost.inbound import announced_uri, reason_of
from node.hubs.crosspost.resolve import split_targets
from node.hubs.crosspost.targets import NAMESPACE, RemoteHub, address
from node.hubs.hub import vocab

HERE = "https://philly.example/hubs/portshutdown"
OAK = RemoteHub("https://oakland.example/hubs/dockers", "@dockers@oakland.example",
                "https://oakland.example/inbox")
NOTE = {"@context": list(ACTIVITY_CONTEXT), "id": "https://philly.example/objects/1",
        "type": "Note", "to": [PUBLIC, HERE], "cc": ["https://philly.example/users/nate/followers"]}


def test_one_object_names_every_hub_and_records_them() -> None:
    document = address(NOTE, [HERE], [OAK])
    assert document["to"] == [PUBLIC, HERE, OAK.uri]
    assert document["audience"] == HERE and document["postedTo"] == [HERE, OAK.uri]
    assert document["cc"] == NOTE["cc"]
    assert document["@context"][-1]["postedTo"]["@id"] == "ionode:postedTo"
    assert address(document, [HERE], [OAK]) == document  # the term is added once


def test_a_post_into_hubs_here_only_is_left_as_it_was() -> None:
    assert address(NOTE, [HERE], []) == NOTE


def test_the_term_is_in_the_one_ionode_context() -> None:
    assert NAMESPACE == vocab.NAMESPACE
    assert vocab.TERMS["postedTo"]["@id"] == "ionode:postedTo"


def test_targets_are_separated_by_spaces_commas_or_lines() -> None:
    assert split_targets(" dockers, @a@b.example\n@c@d.example;  ") == [
        "dockers", "@a@b.example", "@c@d.example"]
    assert split_targets("") == []


def test_what_an_announce_shares() -> None:
    uri = "https://philly.example/objects/1"
    assert announced_uri({"object": uri}) == uri
    assert announced_uri({"object": {"type": "Create", "object": {"id": uri}}}) == uri
    assert announced_uri({"object": {"type": "Update", "object": uri}}) is None


def test_a_reason_is_plain_text_from_summary_or_content() -> None:
    assert reason_of({"summary": "<p>only <b>members</b></p>\n post"}) == "only members post"
    assert reason_of({"content": "closed"}) == "closed"
    assert reason_of({}) == ""
