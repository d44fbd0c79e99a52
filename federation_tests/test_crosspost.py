"""Cross-posting between real nodes (issue 9 items 6 and 9): an organizer on A posts one
item into hubs on B (open), C (moderated: held, then published) and D (refuses); A
shows each hub's answer, and each node shows the item once."""

from __future__ import annotations

import re

import httpx

from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery\n"


def targets(a: NodeProcess, uri: str) -> dict[str, tuple[str, ...]]:
    """``ionode item targets`` on A: hub label -> (state, retry, reason)."""
    out = a.cli("item", "targets", "--as", "alice", uri)
    return {cols[0]: tuple(cols[1:]) for cols in (line.split("\t") for line in out.splitlines())}


def answered(a: NodeProcess, uri: str, hub: str, state: str) -> bool:
    """A recorded the remote hub's answer (read from its database: no CLI start-up)."""
    return a.query("SELECT state FROM crosspost_target WHERE object_uri = :u AND hub_uri = "
                   ":h", u=uri, h=hub) == [{"state": state}]


def held_items(node: NodeProcess, uri: str) -> list[dict[str, object]]:
    return node.query("SELECT state FROM hub_item WHERE object_uri = :u", u=uri)


def test_cross_post_to_an_open_a_moderated_and_a_refusing_hub(make_node: MakeNode) -> None:
    a, b, c, d = make_node("a"), make_node("b"), make_node("c"), make_node("d")
    a.cli("user", "create", "alice", "--password-stdin", stdin=PASSWORD)
    a.cli("hub", "create", "assembly", "--title", "Philly GA", "--admin", "alice")
    for node, hub, policy in ((b, "dockers", "open"), (c, "teachers", "moderated"),
                              (d, "closed", "members")):
        node.cli("hub", "create", hub, "--title", hub.title())
        node.cli("hub", "set", hub, "--posting-policy", policy)
    handles = {name: f"@{name}@127.0.0.1:{node.port}"
               for node, name in ((b, "dockers"), (c, "teachers"), (d, "closed"))}

    # One item, into the hub here and three hubs elsewhere (WebFinger over loopback)
    out = a.cli("post", "--as", "alice", "--hub", "assembly", *(
        arg for handle in handles.values() for arg in ("--to", handle)), "Strike vote Friday")
    uri = re.search(r"published (\S+)", out).group(1)  # type: ignore[union-attr]

    # B publishes at once (its Announce reaches A); D refuses with its reason; C holds it
    wait_for(lambda: answered(a, uri, f"{b.url}/hubs/dockers", "published"), 30,
             "A never heard B's Announce")
    wait_for(lambda: answered(a, uri, f"{d.url}/hubs/closed", "refused"), 30,
             "A never heard D's Reject")
    wait_for(lambda: held_items(c, uri) == [{"state": "held"}], 30, "C never held the post")
    now = targets(a, uri)
    assert now["assembly"] == ("published",)
    assert now[handles["closed"]] == ("refused", "", "only members may post into this hub")
    assert now[handles["teachers"]][0] == "delivered"  # held there: C sends nothing yet

    # C's moderator publishes it: A hears C's Announce
    c.cli("hub", "publish", "teachers", uri)
    wait_for(lambda: answered(a, uri, f"{c.url}/hubs/teachers", "published"), 30,
             "A never heard C's Announce")
    assert targets(a, uri)[handles["teachers"]] == ("published",)

    # Shown once on each node that took it, never on D; A lists every hub it is in
    assert held_items(b, uri) == [{"state": "published"}]
    assert held_items(c, uri) == [{"state": "published"}]
    assert held_items(d, uri) == [] and d.query(
        "SELECT id FROM stored_object WHERE uri = :u", u=uri) == []
    for node, hub in ((b, "dockers"), (c, "teachers")):
        page = httpx.get(f"{node.url}/hubs/{hub}", headers={"Accept": "text/html"}).text
        assert page.count("Strike vote Friday") == 1
    page = httpx.get(uri, headers={"Accept": "text/html"}).text
    line = re.search(r'<p class="meta posted-in">(.*?)</p>', page, re.DOTALL)
    assert line is not None
    shown = " ".join(re.sub(r"<[^>]+>", "", line.group(1)).split())
    host = "127.0.0.1"
    assert shown == (f"Posted in: assembly @ {host}:{a.port}, dockers @ {host}:{b.port}, "
                     f"teachers @ {host}:{c.port}")
