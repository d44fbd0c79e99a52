"""Linked hubs on three real nodes (issue 9 items 2 and 9): the dockers' hub on B is
linked by the port hub on A (a link B's steward accepts and links back) and by the
teachers' hub on C; an event posted on B shows on A's and C's hub pages and calendars
marked with its origin, once; a move on B reaches both, its notice read on A in the
reader's language from the kind it carries; C unlinks and B's next post
does not reach it, while a post on A reaches B over the link back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from federation_tests.nodes import MakeNode, NodeProcess, wait_for

PASSWORD = "correct horse battery\n"


def hub_on(node: NodeProcess, name: str, title: str, admin: str | None = None) -> str:
    """A hub on ``node`` (with an organizer who administers it, when one must post)."""
    if admin is not None:
        node.cli("user", "create", admin, "--password-stdin", stdin=PASSWORD)
    node.cli("hub", "create", name, "--title", title, *(("--admin", admin) if admin else ()))
    return f"{node.url}/hubs/{name}"


def handle(node: NodeProcess, name: str) -> str:
    return f"@{name}@{node.url.split('://', 1)[1]}"


def follow_state(node: NodeProcess, follower: str, following: str) -> str | None:
    rows = node.query("SELECT state FROM follow WHERE follower = :a AND following = :b",
                      a=follower, b=following)
    return str(rows[0]["state"]) if rows else None


def linked(node: NodeProcess, hub: str, text: str) -> list[dict[str, object]]:
    """The hub's linked items whose document holds ``text``, in the order they came (the
    event before the notice of its move, which names it too: unordered, the row order
    was the plan's, and changed with hub_item's indexes)."""
    rows = node.query(
        "SELECT i.object_uri, i.linked_from, i.starts_at, o.document FROM hub_item i "
        "JOIN stored_object o ON o.uri = i.object_uri JOIN hub h ON h.id = i.hub_id "
        "JOIN local_actor a ON a.id = h.actor_id WHERE i.origin = 'linked' "
        "AND a.username = :hub AND o.deleted_at IS NULL ORDER BY i.id", hub=hub)
    return [r for r in rows if text in str(r["document"])]


def notice_row(node: NodeProcess, event_uri: str) -> dict[str, object] | None:
    """The linked notice (a Note linking ``event_uri``) on the port hub of ``node``."""
    found = [r for r in linked(node, "portshutdown", event_uri)
             if r["object_uri"] != event_uri]
    if not found:
        return None
    rows = node.query("SELECT notice_kind FROM hub_item WHERE object_uri = :u",
                      u=found[0]["object_uri"])
    return dict(rows[0])


def test_linked_hubs_on_three_nodes(make_node: MakeNode) -> None:
    a, b, c = make_node("a"), make_node("b"), make_node("c")
    with ThreadPoolExecutor(3) as pool:  # three nodes: their commands run side by side
        port, dockers, teachers = pool.map(lambda args: hub_on(*args), [
            (a, "portshutdown", "West Coast Port Shutdown", "nate"),
            (b, "dockers", "Dockers", "joan"), (c, "teachers", "Teachers")])

        # A and C ask to link B's hub (by handle: WebFinger; by URL); both wait for B
        list(pool.map(lambda args: args[0].cli("hub", "link", *args[1:]), [
            (a, "portshutdown", handle(b, "dockers")), (c, "teachers", dockers)]))
    wait_for(lambda: follow_state(b, port, dockers) == follow_state(b, teachers, dockers)
             == "pending", 30, "B never saw both link requests")
    b.cli("hub", "approve", "dockers", port, "--link-back")
    b.cli("hub", "approve", "dockers", teachers)
    for node, hub in ((a, port), (c, teachers)):
        wait_for(lambda n=node, h=hub: follow_state(n, h, dockers) == "accepted", 30,
                 "a link was never accepted")
    # the link back waits for A's steward
    wait_for(lambda: follow_state(a, dockers, port) == "pending", 30,
             "A never saw B's link back")
    a.cli("hub", "approve", "portshutdown", dockers)
    wait_for(lambda: follow_state(b, dockers, port) == "accepted", 30, "link back not accepted")

    # An event on B shows on A's and C's hub pages and calendars, with its origin, once
    b.cli("event", "create", "--as", "joan", "--hub", "dockers", "--title", "Blockade at berth 5",
          "--start", "2030-12-12 07:00", "--end", "2030-12-12 11:00",
          "--timezone", "America/Los_Angeles", "--place", "Berth 5")
    for node, hub in ((a, "portshutdown"), (c, "teachers")):
        (item,) = wait_for(lambda n=node, h=hub: linked(n, h, "berth 5"), 30,
                           f"{node.name} never showed B's event")
        assert item["linked_from"] == dockers
        page = httpx.get(f"{node.url}/hubs/{hub}", headers={"accept": "text/html"}).text
        assert "Blockade at berth 5" in page and handle(b, "dockers") in page
        ics = httpx.get(f"{node.url}/hubs/{hub}/calendar.ics").text
        assert "Blockade at berth 5" in ics and handle(b, "dockers") in ics
        assert len(node.query("SELECT id FROM stored_object WHERE uri = :u",
                              u=item["object_uri"])) == 1
    event_uri = str(linked(a, "portshutdown", "berth 5")[0]["object_uri"])

    # A move on B reaches both; its notice carries its kind (ionode's noticeKind), so
    # A's hub says it in its reader's language on the event's card
    b.cli("event", "move", "--as", "joan", event_uri, "--start", "2030-12-13 07:00")
    for node, hub in ((a, "portshutdown"), (c, "teachers")):
        wait_for(lambda n=node, h=hub: "2030-12-13" in str(linked(n, h, "berth 5")[0][
            "starts_at"]), 30, f"{node.name} never saw the move")
    notice = wait_for(lambda: notice_row(a, event_uri), 30, "A never got B's notice")
    assert notice["notice_kind"] == "moved"
    page = httpx.get(f"{a.url}/hubs/portshutdown",
                     headers={"accept": "text/html", "accept-language": "es"}).text
    assert 'class="notice-line">Movido: Blockade at berth 5 ahora es ' in page

    # C unlinks: B's next post does not reach C's page; A's post reaches B over the link back
    c.cli("hub", "unlink", "teachers", dockers)
    wait_for(lambda: follow_state(b, teachers, dockers) is None, 30, "B kept C as follower")
    assert linked(c, "teachers", "berth 5") == []
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda args: args[0].cli("post", "--as", *args[1:]), [
            (b, "joan", "--hub", "dockers", "Strike vote on Friday"),
            (a, "nate", "--hub", "portshutdown", "Port truckers join")]))
    wait_for(lambda: linked(a, "portshutdown", "Strike vote"), 30, "A never got B's update")
    wait_for(lambda: linked(b, "dockers", "truckers"), 30, "B never got A's update")
    wait_for(lambda: b.query("SELECT id FROM delivery WHERE state = 'queued'") == [], 30,
             "B's queue did not drain")
    assert linked(c, "teachers", "Strike vote") == []
