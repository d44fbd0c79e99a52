"""The newswire across three nodes (issue 10, "Done means"): a submission on A approved
by A's moderator reaches follower node B's @news and a Mastodon-shaped follower (a fake
account on loopback recording its inbox, :mod:`federation_tests.fake_peer`) at once;
B's moderator picks it into B's newswire, and B's Announce reaches B's followers; when A
removes the news, B withdraws the pick (Undo{Announce})."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from federation_tests.fake_peer import FakePeer
from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery\n"
TITLE = "Port of Oakland shut down by thousands"


@pytest.fixture
def mastodon() -> Iterator[FakePeer]:
    fake = FakePeer(people=("alice",))
    fake.start()
    yield fake
    fake.stop()


def accepted(peer: FakePeer, follow: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in peer.inbox_of("alice") if a.get("type") == "Accept"
            and (a["object"] == follow["id"] or a["object"].get("id") == follow["id"])]


def with_moderator(node: NodeProcess) -> None:
    node.cli("user", "create", "mod", "--password-stdin", stdin=PASSWORD)
    node.cli("news", "moderator", "add", "mod")


def test_approved_news_reaches_a_node_and_mastodon_then_is_picked(
        make_node: MakeNode, mastodon: FakePeer) -> None:
    a, b = make_node("a", wait=False), make_node("b", wait=False)
    with_moderator(a)
    with_moderator(b)
    a.wait_started()
    b.wait_started()

    # B's @news and alice on "Mastodon" follow A's @news; alice follows B's @news too
    assert f"{a.url}/news" in b.cli("news", "follow", a.url)
    alice = mastodon.actor("alice")
    follows = [mastodon.follow(alice, f"{n.url}/news", f"{n.url}/news/inbox") for n in (a, b)]
    wait_for(lambda: b.query("SELECT id FROM follow WHERE following = :n AND state = "
                             "'accepted'", n=f"{a.url}/news"), 30, "B never saw A's Accept")
    for follow in follows:
        wait_for(lambda f=follow: accepted(mastodon, f), 30, "alice's Follow was not accepted")

    # Anyone submits on A; A's moderator approves: one Article, to both followers
    out = a.cli("news", "submit", "--title", TITLE, "--body", "Dockers and teachers.")
    news_id = re.search(r"news (\d+) is waiting", out).group(1)  # type: ignore[union-attr]
    out = a.cli("news", "approve", news_id, "--as", "mod")
    article = re.search(r"approved: (\S+);", out).group(1)  # type: ignore[union-attr]
    (create,) = wait_for(lambda: [x for x in mastodon.inbox_of("alice")
                                  if x.get("type") == "Create"], 30,
                         "alice never received A's Article")
    assert create["actor"] == f"{a.url}/news"
    assert create["object"]["id"] == article and create["object"]["type"] == "Article"
    assert TITLE in create["object"]["name"]
    (item,) = wait_for(lambda: b.query("SELECT id, object_uri, via, origin_host FROM "
                                       "news_network_item"), 30, "B's @news never got it")
    assert item["object_uri"] == article and item["via"] == f"{a.url}/news"
    assert item["origin_host"] == f"127.0.0.1:{a.port}"
    assert TITLE in b.cli("news", "network")

    # B's moderator picks it: B's @news Announces it to its followers, logged
    b.cli("news", "pick", str(item["id"]), "--as", "mod")
    (announce,) = wait_for(lambda: [x for x in mastodon.inbox_of("alice")
                                    if x.get("type") == "Announce"], 30,
                           "alice never received B's Announce")
    assert announce["actor"] == f"{b.url}/news"
    picked = announce["object"]
    assert (picked if isinstance(picked, str) else picked["id"]) == article
    assert "picked" in b.cli("news", "network")
    assert "pick" in b.cli("news", "log") and TITLE in b.cli("news", "log")
    creates = [x for x in mastodon.inbox_of("alice") if x.get("type") == "Create"]
    assert len(creates) == 1  # the Article reached alice once, the pick did not resend it

    # A's moderator removes the news after a report: its Delete reaches B, whose @news
    # withdraws the pick within seconds: alice gets B's Undo{Announce}, B's log says so
    out = a.cli("report", "create", "--object", article, "--reason", "spam")
    report_id = re.search(r"report (\d+) is", out).group(1)  # type: ignore[union-attr]
    a.cli("report", "resolve", report_id, "--as", "mod", "--action", "removed")
    (undo,) = wait_for(lambda: [x for x in mastodon.inbox_of("alice")
                                if x.get("type") == "Undo"], 60,
                       "alice never received B's Undo of its Announce")
    assert undo["actor"] == f"{b.url}/news" and undo["object"]["id"] == announce["id"]
    withdrawn = [line for line in b.cli("news", "log").splitlines() if "\twithdrawn\t" in line]
    assert len(withdrawn) == 1 and TITLE in withdrawn[0] and withdrawn[0].endswith("\tnode")
