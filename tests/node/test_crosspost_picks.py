"""Targets picked from the directory (issue 9 item 6): the compose form offers the
organizer's hubs, the linked hubs and those chosen with "Post here"; a ticked hub makes
the same cross-post as one given by handle ("Also post in", ``--to``)."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import insert

from node.activitypub.models import Follow
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.network.directory import learn_group
from tests.conftest import NOW
from tests.node.crosspost_support import BASE, OAK, World
from tests.node.crosspost_support import world as world  # the fixture

_follow = Follow.__table__  # type: ignore[attr-defined]


def ticks(page: str) -> dict[str, bool]:
    """The compose form's hub checkboxes: value -> ticked."""
    found = re.findall(r'<input type="checkbox" name="pick" value="([^"]+)"( checked)?>', page)
    return {html.unescape(value): bool(checked) for value, checked in found}


def in_directory(world: World, host: str, name: str, title: str) -> str:
    uri = f"https://{host}/hubs/{name}"
    world.site.run(
        lambda node, conn: learn_group(
            conn,
            {"id": uri, "type": "Group", "preferredUsername": name, "name": title, "url": uri},
            NOW,
        )
    )
    return uri


def created(world: World, host: str) -> list[dict[str, Any]]:
    return [c["object"] for c in world.sent(host, "Create")]


def test_the_form_offers_own_linked_and_chosen_hubs(world: World) -> None:
    oak = world.group(OAK, "dockers")
    linked = in_directory(world, "berlin.example", "hafen", "Hafen Berlin")
    chosen = in_directory(world, OAK, "dockers", "Oakland Dockers")
    assert chosen == oak.uri

    def setup(node: Any, conn: Any) -> None:
        set_member(conn, load_hub(conn, "dockers"), f"{BASE}/users/nate", "member", NOW)
        conn.execute(
            insert(_follow).values(
                follower=f"{BASE}/hubs/portshutdown",
                following=linked,
                state="accepted",
                activity_id=f"{BASE}/follows/1",
                created_at=NOW,
                updated_at=NOW,
            )
        )

    world.site.run(setup)
    world.site.sign_in("nate")
    page = world.site.client.get("/hubs/portshutdown/post/update", params={"to": oak.uri}).text
    assert ticks(page) == {oak.uri: True, "dockers": False, linked: False}
    assert "Oakland Dockers" in page and "Hafen Berlin" in page
    assert 'href="/network/directory?post_from=portshutdown&amp;post_kind=update"' in page
    # a hub here named by its handle is ticked by name; the hub posted from is never offered
    again = world.site.client.get(
        "/hubs/portshutdown/post/update",
        params=[("to", "@dockers@philly.example"), ("to", "portshutdown")],
    ).text
    assert ticks(again) == {"dockers": True, linked: False}
    # a call goes into its own hub and hubs elsewhere only: no hub here is offered
    assert ticks(world.site.client.get("/hubs/portshutdown/post/call").text) == {linked: False}


def test_ticked_hubs_make_the_same_cross_post_as_typed_ones(world: World) -> None:
    oak = world.group(OAK, "dockers")
    in_directory(world, OAK, "dockers", "Oakland Dockers")
    world.site.sign_in("nate")
    ticked = world.site.send(
        "/hubs/portshutdown/post/update", {"text": "Ticked", "pick": ["dockers", oak.uri]}
    )
    typed = world.site.send(
        "/hubs/portshutdown/post/update", {"text": "Typed", "also_to": f"dockers {oak.uri}"}
    )
    assert ticked.status_code == typed.status_code == 303
    assert ticked.headers["location"].endswith("/targets")
    world.drain()
    first, second = created(world, OAK)
    assert [first["content"], second["content"]] == ["<p>Ticked</p>", "<p>Typed</p>"]
    for key in ("postedTo", "to", "audience"):
        assert first[key] == second[key]
    assert first["postedTo"] == [f"{BASE}/hubs/portshutdown", f"{BASE}/hubs/dockers", oak.uri]
    statuses = [world.statuses(doc["id"]) for doc in (first, second)]
    assert (
        statuses[0]
        == statuses[1]
        == [
            ("portshutdown", "published", None),
            ("dockers", "held", "waiting for a moderator"),
            ("@dockers@oakland.example", "delivered", None),
        ]
    )


def test_a_refused_post_keeps_the_ticks(world: World) -> None:
    oak = world.group(OAK, "dockers")
    world.site.sign_in("nate")
    refused = world.site.send("/hubs/portshutdown/post/update", {"text": "", "pick": oak.uri})
    assert refused.status_code == 400
    assert ticks(refused.text) == {oak.uri: True}
    too_many = world.site.send(
        "/hubs/portshutdown/post/update",
        {"text": "x", "pick": [f"https://{OAK}/hubs/h{n}" for n in range(21)]},
    )
    assert too_many.status_code == 400 and "t most 20 hubs per item" in too_many.text
    assert world.sent(OAK, "Create") == []


def test_post_here_from_the_directory(world: World) -> None:
    oak = world.group(OAK, "dockers")
    in_directory(world, OAK, "dockers", "Oakland Dockers")
    assert world.site.client.get("/network/post", params={"to": oak.uri}).status_code == 303
    world.site.sign_in("nate")
    directory = world.site.client.get("/network/directory").text
    post_here = f"/network/post?to={oak.uri.replace(':', '%3A').replace('/', '%2F')}"
    assert f'href="{post_here}"' in directory and "Post here" in directory
    chooser = world.site.client.get(post_here)
    assert chooser.status_code == 200
    assert "Post in Oakland Dockers" in chooser.text and "@dockers@oakland.example" in chooser.text
    assert 'name="from" value="portshutdown" checked' in chooser.text
    go = world.site.client.get(
        "/network/post", params={"to": oak.uri, "from": "portshutdown", "kind": "event"}
    )
    assert go.status_code == 303
    assert go.headers["location"] == (
        f"/hubs/portshutdown/post/event?to={oak.uri.replace(':', '%3A').replace('/', '%2F')}"
    )
    form = world.site.client.get(go.headers["location"]).text
    assert ticks(form)[oak.uri] is True
    # posting into a hub of one's own: no cross-post, the form of that hub itself
    own = world.site.client.get(
        "/network/post", params={"to": "portshutdown", "from": "portshutdown", "kind": "update"}
    )
    assert own.headers["location"] == "/hubs/portshutdown/post/update"
    # from a compose form's "Find a hub in the directory", straight back to that form
    found = world.site.client.get(
        "/network/directory", params={"post_from": "portshutdown", "post_kind": "poll"}
    ).text
    assert (
        f'href="/hubs/portshutdown/post/poll?to={oak.uri.replace(":", "%3A").replace("/", "%2F")}"'
    ) in found
    assert '<input type="hidden" name="post_kind" value="poll">' in found
    assert world.site.client.get("/network/post").status_code == 400


def pick_label(page: str, value: str) -> str:
    """The meta text of the compose form's pick ``value``, after its handle."""
    row = page.split(f'name="pick" value="{value}"', 1)[1].split("</label>", 1)[0]
    return html.unescape(row.split('<span class="meta">', 1)[1]).split("·", 1)[1]


def test_a_hub_the_directory_does_not_know_is_not_labelled_from_it(world: World) -> None:
    known = in_directory(world, OAK, "dockers", "Oakland Dockers")
    unknown = "https://elsewhere.example/hubs/stranger"
    world.site.sign_in("nate")
    page = world.site.client.get(
        "/hubs/portshutdown/post/update", params=[("to", known), ("to", unknown)]
    ).text
    assert ticks(page) == {known: True, unknown: True}
    assert "from the directory" in pick_label(page, known)
    assert "from the directory" not in pick_label(page, unknown)
    assert "not in the directory: looked up when you post" in pick_label(page, unknown)
    chooser = world.site.client.get("/network/post", params={"to": unknown}).text
    assert 'id="not-in-directory"' in chooser and "not in this node's directory" in chooser
    listed = world.site.client.get("/network/post", params={"to": known}).text
    assert 'id="not-in-directory"' not in listed


def test_the_account_form_offers_a_hub_chosen_in_the_directory(world: World) -> None:
    oak = world.group(OAK, "dockers")
    in_directory(world, OAK, "dockers", "Oakland Dockers")
    world.site.sign_in("nate")
    page = world.site.client.get("/account", params={"to": oak.uri}).text
    assert ticks(page) == {oak.uri: True}
    assert "from the directory" in pick_label(page, oak.uri) and "Oakland Dockers" in page
    assert 'href="/network/directory?post_kind=account"' in page
    refused = world.site.send("/account/post", {"text": "", "pick": oak.uri})
    assert refused.status_code == 400 and ticks(refused.text) == {oak.uri: True}
    posted = world.site.send("/account/post", {"text": "From my account", "pick": oak.uri})
    assert posted.status_code == 303 and posted.headers["location"].endswith("/targets")
    world.drain()
    (note,) = created(world, OAK)
    assert note["content"] == "<p>From my account</p>" and oak.uri in note["postedTo"]


def test_a_refused_post_keeps_an_own_hub_labelled_as_yours(world: World) -> None:
    """After a refusal the ticked hubs come back as chosen ones, looked up in the
    directory; a hub of the organizer's own that the directory does not list came back
    as 'dockers · not in the directory: looked up when you post', its title lost."""
    world.site.run(lambda node, conn: set_member(
        conn, load_hub(conn, "dockers"), f"{BASE}/users/nate", "member", NOW))
    world.site.sign_in("nate")
    form = world.site.client.get("/hubs/portshutdown/post/update").text
    assert "your hub" in pick_label(form, "dockers")
    refused = world.site.send("/hubs/portshutdown/post/update", {"text": "", "pick": "dockers"})
    assert refused.status_code == 400
    assert ticks(refused.text) == {"dockers": True}
    label = pick_label(refused.text, "dockers")
    assert "your hub" in label and "not in the directory" not in label
    row = refused.text.split('name="pick" value="dockers"', 1)[1].split("</label>", 1)[0]
    assert '<span class="pick-title">Dockers</span>' in row
