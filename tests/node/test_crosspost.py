"""Cross-posting (issue 9 item 6): one item into hubs here and on other nodes, each hub's
answer per target, the item shown once with every hub it was posted in."""

from __future__ import annotations

import pytest

from node.activitypub.vocab import PUBLIC
from node.hubs.crosspost.resolve import TargetError, remote_hub
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub.cli_items import status_line
from node.hubs.hub.crossposts import target_statuses
from node.hubs.hub.items import delete_item, edit_text
from node.hubs.hub.moderation import publish_held, refuse_held
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.updates.service import post_update
from node.network.origins import posted_in
from node.network.receive import keep
from node.network.timeline import Filters, timeline_page
from node.network.unwrap import Received
from tests.node.crosspost_support import (
    AS,
    BASE,
    CLOSED,
    DOWN,
    OAK,
    FakeGroup,
    World,
    hub_of,
    posted_in_text,
)
from tests.node.crosspost_support import world as world  # the fixture
from tests.node.hub_harness import mastodon_create
from tests.node.hub_pages_support import HTML


def cross_post(world: World, *remote: FakeGroup, text: str = "Picket at berth 62") -> str:
    note = world.site.run(lambda node, conn: post_update(
        node, conn, "nate", text, ["portshutdown", "dockers"],
        remote=[hub_of(g) for g in remote])).note
    world.drain()
    return str(note["id"])


def test_one_object_to_every_hub_and_each_answer_per_target(world: World) -> None:
    oak, closed = world.group(OAK, "dockers"), world.group(CLOSED, "quiet")
    uri = cross_post(world, oak, closed)
    nate, port = f"{BASE}/users/nate", f"{BASE}/hubs/portshutdown"
    # ONE object addressed to all four hubs (FEP-1b12), the list recorded in it
    [create] = world.sent(OAK, "Create")
    assert world.sent(CLOSED, "Create") == [create]
    note = create["object"]
    hubs = [port, f"{BASE}/hubs/dockers", oak.uri, closed.uri]
    assert note["id"] == uri and note["postedTo"] == hubs and note["audience"] == port
    assert note["to"] == [PUBLIC, *hubs] and create["to"] == note["to"]
    assert world.statuses(uri) == [("portshutdown", "published", None),
                                   ("dockers", "held", "waiting for a moderator"),
                                   ("@dockers@oakland.example", "delivered", None),
                                   ("@quiet@closed.example", "delivered", None)]
    # the open hub elsewhere Announces it; the closed one Rejects the Create with a reason
    world.deliver(oak, {"@context": AS, "id": f"{oak.uri}/shares/1", "type": "Announce",
                        "actor": oak.uri, "object": uri, "to": [PUBLIC],
                        "cc": [f"{oak.uri}/followers", nate]})
    world.deliver(closed, {"@context": AS, "id": f"{closed.uri}/rejects/1", "type": "Reject",
                           "actor": closed.uri, "to": [nate],
                           "object": {"id": create["id"], "type": "Create", "actor": nate,
                                      "object": uri},
                           "summary": "<p>only members may post into this hub</p>"})
    # the moderated hub here publishes it after all
    world.site.run(lambda node, conn: publish_held(node, conn, load_hub(conn, "dockers"), uri))
    assert world.statuses(uri) == [("portshutdown", "published", None),
                                   ("dockers", "published", None),
                                   ("@dockers@oakland.example", "published", None),
                                   ("@quiet@closed.example", "refused",
                                    "only members may post into this hub")]
    with world.site.node.engine.connect() as conn:
        assert [o.label for o in posted_in(conn, [uri])[uri]] == [
            "portshutdown @ philly.example", "dockers @ oakland.example",
            "dockers @ philly.example"]


def test_a_hub_that_takes_the_item_out_again_is_no_longer_listed(world: World) -> None:
    oak = world.group(OAK, "dockers")
    uri = cross_post(world, oak)
    announce = {"id": f"{oak.uri}/shares/1", "type": "Announce", "actor": oak.uri,
                "object": uri, "to": [PUBLIC]}
    world.deliver(oak, {"@context": AS, **announce})
    world.deliver(oak, {"@context": AS, "id": f"{oak.uri}/undo/1", "type": "Undo",
                        "actor": oak.uri, "object": announce, "to": [PUBLIC]})
    assert world.statuses(uri)[-1] == ("@dockers@oakland.example", "refused",
                                       "taken out of the hub by its moderators")
    with world.site.node.engine.connect() as conn:
        assert [o.name for o in posted_in(conn, [uri])[uri]] == ["portshutdown"]


def test_a_reject_by_a_hub_that_was_no_target_changes_nothing(world: World) -> None:
    oak, stranger = world.group(OAK, "dockers"), world.group(CLOSED, "quiet")
    uri = cross_post(world, oak)
    [create] = world.sent(OAK, "Create")
    world.deliver(stranger, {"@context": AS, "id": f"{stranger.uri}/rejects/1",
                             "type": "Reject", "actor": stranger.uri, "object": create["id"],
                             "summary": "no"})
    assert world.statuses(uri)[-1] == ("@dockers@oakland.example", "delivered", None)


def test_a_failing_hub_shows_the_next_retry(world: World) -> None:
    down = world.group(DOWN, "dockers")
    uri = cross_post(world, down)
    with world.site.node.engine.connect() as conn:
        [*_, status] = target_statuses(conn, uri)
    assert (status.state, status.next_retry is not None) == ("failing", True)
    assert status.next_retry is not None and status.next_retry > world.site.node.clock()
    assert "503" in (status.reason or "")
    assert status_line(status).startswith("@dockers@down.example\tfailing\t20")


def test_edits_and_deletes_reach_every_target(world: World) -> None:
    oak, closed = world.group(OAK, "dockers"), world.group(CLOSED, "quiet")
    uri = cross_post(world, oak, closed)
    world.site.run(lambda node, conn: edit_text(node, conn, "nate", uri, "Berth 63 now"))
    world.drain()
    for host in (OAK, CLOSED):
        [edit] = world.sent(host, "Update")
        assert edit["object"]["id"] == uri and "Berth 63" in edit["object"]["content"]
        assert edit["object"]["postedTo"][-2:] == [oak.uri, closed.uri]
    world.site.run(lambda node, conn: delete_item(node, conn, "nate", uri))
    world.drain()
    assert [d["object"]["id"] for d in world.sent(OAK, "Delete")] == [uri]
    assert [d["object"]["id"] for d in world.sent(CLOSED, "Delete")] == [uri]


def test_a_hub_here_answers_a_refused_post_with_a_reject_and_its_reason(
        world: World) -> None:
    ana = world.remote.add_actor("mastodon.example", "ana")
    create = mastodon_create(ana, f"{BASE}/hubs/portshutdown", "buy watches")
    world.deliver(ana, create)
    [reject] = world.sent("mastodon.example", "Reject")
    assert reject["actor"] == f"{BASE}/hubs/portshutdown" and reject["to"] == [ana.uri]
    assert reject["object"] == {"id": create["id"], "type": "Create", "actor": ana.uri,
                                "object": create["object"]["id"]}
    assert reject["summary"] == "only members may post into this hub"
    # a moderator's refusal of a held post is told the same way, with their reason
    held = mastodon_create(ana, f"{BASE}/hubs/dockers", "teach-in?", n=2)
    world.deliver(ana, held)
    assert len(world.sent("mastodon.example", "Reject")) == 1  # held: nothing sent
    world.site.run(lambda node, conn: refuse_held(
        node, conn, load_hub(conn, "dockers"), held["object"]["id"], "off topic here"))
    world.drain()
    last = world.sent("mastodon.example", "Reject")[-1]
    assert (last["object"]["id"], last["summary"]) == (held["id"], "off topic here")


def test_the_targets_page_shows_each_status_to_the_author_only(world: World) -> None:
    oak, closed = world.group(OAK, "dockers"), world.group(DOWN, "quiet")
    uri = cross_post(world, oak, closed)
    path = uri.removeprefix(BASE) + "/targets"
    assert world.site.client.get(path, headers=HTML).status_code == 303  # sign in first
    world.site.person("joan")
    world.site.sign_in("joan")
    assert world.site.client.get(path, headers=HTML).status_code == 404
    world.site.sign_in("nate")
    page = world.site.client.get(path, headers=HTML)
    assert page.status_code == 200
    assert 'id="target-status" aria-live="polite" data-live="10"' in page.text
    assert '<script src="/static/targets.js" defer></script>' in page.text
    for text in ("Published", "Held for moderation", "Delivered, waiting for the hub",
                 "Failing", "next try", "@quiet@down.example"):
        assert text in page.text
    assert f'href="{path}"' in world.site.client.get(uri.removeprefix(BASE), headers=HTML).text


def test_the_item_is_shown_once_with_every_hub_it_was_posted_in(world: World) -> None:
    oak = world.group(OAK, "dockers")
    uri = cross_post(world, oak)
    world.site.run(lambda node, conn: publish_held(node, conn, load_hub(conn, "dockers"), uri))
    world.deliver(oak, {"@context": AS, "id": f"{oak.uri}/shares/1", "type": "Announce",
                        "actor": oak.uri, "object": uri, "to": [PUBLIC]})
    page = world.site.client.get("/hubs/portshutdown", headers=HTML).text
    assert page.count("Picket at berth 62") == 1
    everywhere = ("Posted in: portshutdown @ philly.example, dockers @ philly.example, "
                  "dockers @ oakland.example")
    assert posted_in_text(page) == [everywhere]
    item = world.site.client.get(uri.removeprefix(BASE), headers=HTML).text
    assert posted_in_text(item) == [everywhere]


def test_a_network_item_arriving_through_two_hubs_is_listed_once_with_both(
        world: World) -> None:
    uri = "https://oakland.example/objects/1"
    document = {"@context": AS, "id": uri, "type": "Note", "content": "<p>Solidarity</p>",
                "attributedTo": "https://oakland.example/users/joan", "to": [PUBLIC],
                "published": "2026-11-21T10:00:00Z"}
    author = "https://oakland.example/users/joan"
    for hub, via in (("https://oakland.example/hubs/dockers", "https://oakland.example/actor"),
                     ("https://seattle.example/hubs/ilwu", "https://seattle.example/actor")):
        world.site.run(lambda node, conn, hub=hub, via=via: keep(
            conn, Received("store", uri, author, hub, document), via, node.clock()))
    with world.site.node.engine.connect() as conn:
        assert [i.uri for i in timeline_page(conn, Filters()).items] == [uri]
    page = world.site.client.get("/network", headers=HTML).text
    assert page.count("Solidarity") == 1
    assert posted_in_text(page) == ["Posted in: dockers @ oakland.example, ilwu @ seattle.example"]


def test_a_target_must_be_a_hub(world: World) -> None:
    person = world.remote.add_actor(OAK, "joan")
    with pytest.raises(TargetError, match="is not a hub"):
        world.site.client.portal.call(remote_hub, world.site.node, person.uri)  # type: ignore[union-attr]
    group = world.group(OAK, "dockers")
    found = world.site.client.portal.call(remote_hub, world.site.node, group.uri)  # type: ignore[union-attr]
    assert found == RemoteHub(group.uri, "@dockers@oakland.example", f"https://{OAK}/inbox")


def test_the_compose_forms_take_hubs_of_other_nodes(world: World) -> None:
    oak = world.group(OAK, "dockers")
    world.site.sign_in("nate")
    posted = world.site.send("/hubs/portshutdown/post/update",
                             {"text": "Form post", "also_to": f"dockers {oak.uri}"})
    assert posted.status_code == 303 and posted.headers["location"].endswith("/targets")
    from_account = world.site.send("/account/post", {"text": "Account post",
                                                     "hub": "portshutdown",
                                                     "elsewhere": oak.uri})
    assert from_account.status_code == 303
    assert from_account.headers["location"].endswith("/targets")
    world.drain()
    assert [c["object"]["content"] for c in world.sent(OAK, "Create")] == [
        "<p>Form post</p>", "<p>Account post</p>"]
    assert world.statuses(posted.headers["location"].removesuffix("/targets")
                          .replace("/objects/", f"{BASE}/objects/")) == [
        ("portshutdown", "published", None), ("dockers", "held", "waiting for a moderator"),
        ("@dockers@oakland.example", "delivered", None)]
    refused = world.site.send("/account/post", {"text": "x", "elsewhere": "@nobody"})
    assert refused.status_code == 400


def test_a_local_hubs_answer_is_in_the_readers_language(world: World) -> None:
    """A local hub that refuses the author refuses the post, and the refusal named the
    hub's reason in English inside a Spanish sentence ('Nate no puede publicar aquí
    (closed: only members may post into this hub)'); the targets page showed a held
    hub's 'waiting for a moderator' in English too."""
    world.site.run(lambda node, conn: create_hub(conn, base_url=BASE, name="closed",
                                                 title="Closed", now=node.clock()))
    world.site.sign_in("nate")
    es = {"Accept-Language": "es"}
    refused = world.site.send("/hubs/portshutdown/post/update",
                              {"text": "Hola", "also_to": "closed"}, **es)
    assert refused.status_code == 400
    assert "(closed: solo quienes son miembros pueden publicar en este hub)" in refused.text
    uri = cross_post(world)  # into portshutdown and dockers, which holds it
    page = world.site.client.get(uri.removeprefix(BASE) + "/targets",
                                 headers={**HTML, **es}).text
    assert "esperando a una persona moderadora" in page
    assert "waiting for a moderator" not in page


def test_a_hub_not_found_elsewhere_is_said_in_the_readers_language(world: World) -> None:
    """'No se encuentra el hub @nadie@oakland.example: WebFinger: no such account (404)':
    the resolver's reasons (no such account, gone, no answer: check the address) were
    English inside the Spanish refusal."""
    world.site.sign_in("nate")
    refused = world.site.send("/hubs/portshutdown/post/update",
                              {"text": "Hola", "also_to": "@nadie@oakland.example"},
                              **{"Accept-Language": "es"})
    assert refused.status_code == 400
    assert ("No se encuentra el hub @nadie@oakland.example: WebFinger: no existe esa cuenta "
            "(404).") in refused.text
