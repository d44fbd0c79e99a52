"""The network newswire (issue 10 item 5): @news follows another node's @news; its
Articles and its Announces (proof or refetch) are kept once with their origin, edits
and deletes follow the original; a moderator's pick is @news's Announce to its
followers, on the front page and in the public log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from node.activitypub.models import Follow, Interaction
from node.activitypub.vocab import PUBLIC, activity, isoformat
from node.clock import Clock
from node.newswire.digest.build import make_digest
from node.newswire.digest.models import NewsDigest
from node.newswire.models import NewsItem, NewsLogEntry
from node.newswire.network_news.models import NetworkNews
from node.newswire.tasks import news_tasks
from node.settings import Settings
from tests.node.cli_support import cli_flags, run_cli
from tests.node.harness import MASTO, Harness, rows, running_node
from tests.node.network_support import signed
from tests.node.newswire_network_support import (
    NEWS,
    OTHER,
    article,
    create,
    followed_source,
    page,
    send,
    two_items_for_a_follower,
)
from tests.node.newswire_support import make_moderator
from tests.node.web_support import add_organizer, form_token, login

_net = NetworkNews.__table__  # type: ignore[attr-defined]
_news = NewsItem.__table__  # type: ignore[attr-defined]
_log = NewsLogEntry.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_interaction = Interaction.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        add_organizer(harness.node.engine, "mo")
        make_moderator(harness.node.engine, "mo", harness.now)
        yield harness












def test_a_followed_newswire_is_kept_once_with_its_origin_and_follows_edits(h: Harness
                                                                            ) -> None:
    source = followed_source(h)
    assert [r["state"] for r in rows(h, _follow, _follow.c.follower == NEWS)] == ["accepted"]
    item = article(source, 1, "Port of Oakland shut down", h)
    send(h, source, create(source, item))
    send(h, source, create(source, item, suffix="/again"))  # redelivered: still once
    [kept] = rows(h, _net)
    assert (kept["author_handle"], kept["origin_host"]) == (f"@news@{OTHER}", OTHER)
    shown = page(h)
    assert shown.count("Port of Oakland shut down</a>") == 1
    assert f'href="https://{OTHER}/news/1"' in shown and f"@news@{OTHER}" in shown
    feed = h.client.get("/news/network/feed.atom").text
    assert "Port of Oakland shut down" in feed and f"https://{OTHER}/news/1" in feed
    edited = article(source, 1, "Port of Oakland shut down again", h,
                     updated="2026-11-21T13:00:00Z")
    send(h, source, create(source, edited, "Update"))
    assert "shut down again</a>" in page(h)
    send(h, source, activity("Delete", id=f"{item['id']}#delete", actor=source.uri,
                             object=item["id"], to=[PUBLIC]))
    assert "Port of Oakland" not in page(h)


def test_unfollowed_private_and_reply_posts_are_not_network_news(h: Harness) -> None:
    source = followed_source(h)
    stranger = h.remote.add_actor(MASTO, "stranger")
    send(h, stranger, create(stranger, article(stranger, 1, "Not followed", h)))
    private = article(source, 2, "Followers only", h, to=[f"{source.uri}/followers"], cc=[])
    send(h, source, create(source, private))
    reply = article(source, 3, "A reply", h, inReplyTo="https://elsewhere.example/notes/1")
    send(h, source, create(source, reply))
    assert rows(h, _net) == []


def test_an_announce_is_taken_with_its_proof_or_refetched_and_tampering_refused(
        h: Harness) -> None:
    source = followed_source(h)
    ana = h.remote.add_actor(MASTO, "ana")
    note = signed(ana, {"@context": ["https://www.w3.org/ns/activitystreams",
                                     "https://w3id.org/security/data-integrity/v1"],
                        "id": f"{ana.uri}/statuses/1", "type": "Note",
                        "attributedTo": ana.uri, "content": "<p>Dockers walk out</p>",
                        "to": [PUBLIC], "published": isoformat(h.now)}, h.now)
    send(h, source, activity("Announce", id=f"{source.uri}/a/1", actor=source.uri,
                             object=note, to=[PUBLIC]))
    [kept] = rows(h, _net)
    assert (kept["author_uri"], kept["via"], kept["author_handle"]) == (
        ana.uri, source.uri, f"@ana@{MASTO}")
    assert "Dockers walk out" in page(h) and "shared by" in page(h)
    tampered = {**note, "id": f"{ana.uri}/statuses/2", "content": "<p>Forged</p>"}
    send(h, source, activity("Announce", id=f"{source.uri}/a/2", actor=source.uri,
                             object=tampered, to=[PUBLIC]))
    h.remote.objects[f"{ana.uri}/statuses/3"] = {
        "id": f"{ana.uri}/statuses/3", "type": "Note", "attributedTo": ana.uri,
        "content": "<p>Refetched from its origin</p>", "to": [PUBLIC]}
    send(h, source, activity("Announce", id=f"{source.uri}/a/3", actor=source.uri,
                             object=f"{ana.uri}/statuses/3", to=[PUBLIC]))
    assert [r["object_uri"] for r in rows(h, _net)] == [f"{ana.uri}/statuses/1",
                                                        f"{ana.uri}/statuses/3"]
    assert "Forged" not in page(h)


def test_a_moderator_picks_an_item_and_news_announces_it(h: Harness, settings: Settings,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    source = two_items_for_a_follower(h, "Strike day")
    first, second = rows(h, _net)
    assert "Pick into the newswire" not in page(h)
    login(h.client, "mo")
    token = form_token(h.client, "/news/network")
    done = h.client.post(f"/news/network/{first['id']}/pick", data={"csrf_token": token},
                         follow_redirects=False)
    assert done.headers["location"] == "/news/network?saved=picked"
    h.drain()
    [announce] = [d for d in h.remote.deliveries(f"https://{MASTO}/inbox")
                  if d["type"] == "Announce"]
    assert (announce["actor"], announce["object"]) == (NEWS, first["object_uri"])
    assert PUBLIC in announce["to"] and f"{NEWS}/followers" in announce["cc"]
    assert [d["type"] for d in h.remote.deliveries(f"https://{OTHER}/inbox")] == ["Announce"]
    [entry] = rows(h, _log)
    assert (entry["action"], entry["title"], entry["role"]) == ("picked", "Strike day 1",
                                                                 "moderator")
    assert "picked from the network" in h.client.get("/news/log").text
    front = h.client.get("/news", headers={"accept": "text/html"}).text
    assert "Strike day 1" in front and f"picked from the network: @news@{OTHER}" in front
    assert "Strike day 1" in h.client.get("/news/feed.atom").text
    again = h.client.post(f"/news/network/{first['id']}/pick", data={"csrf_token": token})
    assert again.status_code == 400 and "already in the newswire" in again.text
    flags = cli_flags(settings.database, tmp_path / "data")
    assert run_cli(["news", "pick", str(second["id"]), "--as", "mo"], flags, monkeypatch) == 0
    assert [r["state"] for r in rows(h, _news)] == ["picked", "picked"]
    assert run_cli(["news", "pick", str(second["id"]), "--as", "mo"], flags, monkeypatch) != 0
    send(h, source, activity("Delete", id=f"{first['object_uri']}#delete", actor=source.uri,
                             object=first["object_uri"], to=[PUBLIC]))
    front = h.client.get("/news", headers={"accept": "text/html"}).text
    assert "Strike day 1" not in front and "Strike day 2" in front
    # The week's digest gathers the picked item still standing, with its origin node (the
    # CLI's pick was stamped by the wall clock, so the week ends now)
    with h.node.engine.begin() as conn:
        made = make_digest(h.node, conn, slot_at=h.now, end=datetime.now(UTC))
    assert made is not None and made.entries == 1
    [digest] = rows(h, NewsDigest.__table__)  # type: ignore[attr-defined]
    assert [(e["title"], e["origin"]) for e in digest["entries"]] == [("Strike day 2", OTHER)]


def test_the_sources_page_lists_and_unfollows(h: Harness, settings: Settings,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = followed_source(h)
    flags = cli_flags(settings.database, tmp_path / "data")
    assert run_cli(["news", "following"], flags, monkeypatch) == 0
    assert f"{source.uri}\t@news@{OTHER}\taccepted" in capsys.readouterr().out
    assert h.client.get("/news/sources", follow_redirects=False).status_code == 303
    login(h.client, "mo")
    shown = h.client.get("/news/sources").text
    assert f"@news@{OTHER}" in shown and "Unfollow" in shown
    token = form_token(h.client, "/news/sources")
    done = h.client.post("/news/sources/unfollow", data={"csrf_token": token, "uri": source.uri},
                         follow_redirects=False)
    assert done.headers["location"] == "/news/sources?saved=unfollowed"
    h.drain()
    undo = h.remote.deliveries(f"{source.uri}/inbox")[-1]
    assert undo["type"] == "Undo" and undo["object"]["type"] == "Follow"
    assert rows(h, _follow, _follow.c.follower == NEWS) == []
    refused = h.client.post("/news/sources/follow", data={"csrf_token": token, "source": NEWS})
    assert refused.status_code == 400 and "cannot follow itself" in refused.text


def test_another_newswire_picking_our_news_is_counted_not_kept(h: Harness) -> None:
    source = followed_source(h)
    ours = "https://philly.example/objects/ours"
    send(h, source, activity("Announce", id=f"{source.uri}/a/9", actor=source.uri,
                             object=ours, to=[PUBLIC]))
    assert rows(h, _net) == []
    [counted] = rows(h, _interaction)
    assert (counted["type"], counted["actor"], counted["object_uri"]) == (
        "Announce", source.uri, ours)


def test_a_pick_whose_original_is_deleted_is_withdrawn_with_an_undo(h: Harness) -> None:
    source = two_items_for_a_follower(h, "Walkout")
    first, second = rows(h, _net)
    login(h.client, "mo")
    token = form_token(h.client, "/news/network")
    for entry in (first, second):
        h.client.post(f"/news/network/{entry['id']}/pick", data={"csrf_token": token})
    h.drain()
    announces = [d for d in h.remote.deliveries(f"https://{MASTO}/inbox")
                 if d["type"] == "Announce"]
    assert [a["object"] for a in announces] == [first["object_uri"], second["object_uri"]]
    send(h, source, activity("Delete", id=f"{first['object_uri']}#delete", actor=source.uri,
                             object=first["object_uri"], to=[PUBLIC]))
    [task] = [t for t in news_tasks() if t.name == "withdraw deleted picks"]
    assert h.client.portal is not None
    assert h.client.portal.call(task.run, h.node) == 1
    assert h.client.portal.call(task.run, h.node) == 0  # once: no second Undo
    h.drain()
    [undo] = [d for d in h.remote.deliveries(f"https://{MASTO}/inbox") if d["type"] == "Undo"]
    assert undo["actor"] == NEWS and undo["object"]["id"] == announces[0]["id"]
    assert undo["object"]["type"] == "Announce" and undo["object"]["object"] == first[
        "object_uri"]
    assert PUBLIC in undo["to"] and f"{NEWS}/followers" in undo["cc"]
    assert [d["type"] for d in h.remote.deliveries(f"https://{OTHER}/inbox")] == [
        "Announce", "Announce", "Undo"]  # the author hears of it too
    assert {r["title"]: r["state"] for r in rows(h, _news)} == {"Walkout 1": "withdrawn",
                                                                "Walkout 2": "picked"}
    withdrawn = [e for e in rows(h, _log) if e["action"] == "withdrawn"]
    assert [(e["title"], e["role"]) for e in withdrawn] == [("Walkout 1", "node")]
    log = h.client.get("/news/log").text
    assert "pick withdrawn" in log and "this node, automatically" in log
    front = h.client.get("/news", headers={"accept": "text/html"}).text
    assert "Walkout 1" not in front and "Walkout 2" in front
    feed = h.client.get("/news/feed.atom").text
    assert "Walkout 1" not in feed and "Walkout 2" in feed
